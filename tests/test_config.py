"""newsqa.toml: every setting in one file; environment variables and flags override it."""

import os
import subprocess
import sys

import pytest

from index.config import ConfigError, load_settings, read_config
from tests.conftest import ROOT


def test_the_file_is_overridden_by_the_environment_then_by_flags(tmp_path, monkeypatch):
    config = tmp_path / "newsqa.toml"
    config.write_text('k = 4\nllm_model = "from-file"\nfetch_timeout_s = 3.5\n'
                      'feeds = ["https://news.example/rss"]\nallow_private = true\n')
    monkeypatch.delenv("NEWSQA_K", raising=False)
    monkeypatch.setenv("NEWSQA_LLM_MODEL", "from-env")
    settings = load_settings(config, fetch_timeout_s=9.0)
    assert (settings.k, settings.llm_model, settings.fetch_timeout_s) == (4, "from-env", 9.0)
    assert settings.feeds == ("https://news.example/rss",) and settings.allow_private


def test_the_working_directorys_file_is_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings().k == 8  # no file: the defaults
    (tmp_path / "newsqa.toml").write_text("k = 3\n")
    assert load_settings().k == 3


@pytest.mark.parametrize("text, error", [
    ("kk = 3\n", "unknown setting 'kk'"),
    ('k = "eight"\n', "k: Input should be a valid integer"),
    ("k = 99\n", "k: Input should be less than or equal to 50"),
    ("feeds = 3\n", "feeds: "),
    ("k = \n", "not valid TOML"),
])
def test_a_bad_file_names_the_key(tmp_path, text, error):
    config = tmp_path / "newsqa.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=f"^{config}: .*" if "TOML" in error else None) as e:
        read_config(config)
    assert error in str(e.value) and str(e.value).startswith(f"{config}: ")


def newsqa(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=cwd,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=300)


def test_the_command_line_reads_the_file_and_reports_a_bad_one_in_one_line(tmp_path):
    (tmp_path / "newsqa.toml").write_text('index_dir = "elsewhere/index"\nk = "many"\n')
    bad = newsqa("ask", "Who?", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr == "newsqa: newsqa.toml: k: Input should be a valid integer, unable to " \
                         "parse string as an integer.\n"
    (tmp_path / "newsqa.toml").write_text('index_dir = "elsewhere/index"\n')
    missing = newsqa("ask", "Who?", cwd=tmp_path)
    assert "There is no index at elsewhere/index" in missing.stderr
    other = tmp_path / "other.toml"
    other.write_text('index_dir = "third/index"\n')
    assert "There is no index at third/index" in newsqa(
        "--config", str(other), "ask", "Who?", cwd=tmp_path).stderr
    assert newsqa("--config", "nope.toml", "ask", "Who?", cwd=tmp_path).stderr == \
        "newsqa: no such settings file: nope.toml\n"
    assert newsqa("feed", cwd=tmp_path).stderr == \
        "newsqa: name a feed URL, or list feeds = [...] in newsqa.toml.\n"
