import json
import os
import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT, SEEDS


def newsqa(*args, cwd, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_index_then_ask_from_the_command_line(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    env = {"PYTHONPATH": str(ROOT)}
    done = newsqa("index", cwd=tmp_path, env_extra=env)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"indexed: 1 new, 0 changed, 0 removed, 0 unchanged articles \(\d+ chunks\) in \d+\.\d s\n",
        done.stdout)
    assert done.stderr == ""  # not a terminal: the summary line, no progress bar
    assert (tmp_path / ".newsqa" / "index").is_dir()

    asked = newsqa("ask", "Who attended the talks?", "--json", cwd=tmp_path, env_extra=env)
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert "Donna Langley" in result["text"]
    assert result["citations"][0]["article_id"] == "seeds/000_a17fed1a18a053f1.txt"

    plain = newsqa("ask", "Who attended the talks?", "-k", "3", cwd=tmp_path, env_extra=env)
    sources = plain.stdout.split("Sources:\n")[1]
    header, first = sources.splitlines()[:2]  # the article once, its quotes beneath
    assert header.startswith("The Writers Guild") and "(2023-09-23)" in header
    assert header.endswith(" seeds/000_a17fed1a18a053f1.txt") and str(tmp_path) not in sources
    assert first.startswith("  [1] “")
    assert sources.count("The Writers Guild of America (WGA) and") == 1


def test_ask_without_an_index_says_to_run_index(tmp_path):
    asked = newsqa("ask", "Who attended the talks?", cwd=tmp_path,
                   env_extra={"PYTHONPATH": str(ROOT)})
    assert asked.returncode == 1
    assert asked.stderr.strip() == (
        "newsqa: There is no index at .newsqa/index. Run `newsqa index` to build it.")
    assert "Traceback" not in asked.stderr


def test_bad_questions_exit_2_with_one_line(tmp_path, seed_index):
    env = {"PYTHONPATH": str(ROOT), "NEWSQA_INDEX_DIR": str(seed_index.index_dir)}
    for question, message in [
        ("   ", "The question is empty. Ask something about the coverage."),
        ("x" * 2001, "The question is 2,001 characters long; the limit is 2,000. Shorten it."),
    ]:
        asked = newsqa("ask", question, cwd=tmp_path, env_extra=env)
        assert asked.returncode == 2
        assert asked.stderr == f"newsqa: {message}\n"


def test_index_of_a_missing_folder_is_a_clear_error(tmp_path):
    done = newsqa("index", "nowhere", cwd=tmp_path, env_extra={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert done.stderr == "newsqa: no such file or folder: nowhere\n"
