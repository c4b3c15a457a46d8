"""Faults around the index: a second writer, a corrupt directory, a Chroma server that stops,
and a chat that keeps answering while another process indexes."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from index.build import build
from index.lock import exclusive
from index.store import IndexBusy, IndexUnavailable
from qa import answer
from tests.conftest import ROOT, SEEDS, ChromaServer, corpus_records, free_port, settings_for
from tests.test_build import write_corpus
from tests.test_ui import post

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SEED_ID = "seeds/000_a17fed1a18a053f1.txt"


def newsqa(*args, cwd, wait=True, **env):
    command = [sys.executable, "-m", "ui.cli", *args]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, env={**ENV, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=cwd, env={**ENV, **env}, capture_output=True, text=True,
                          timeout=300)


def test_a_second_index_process_exits_with_a_clear_message(tmp_path):
    corpus = tmp_path / "articles"
    write_corpus(corpus, corpus_records(30, start=500))
    first = newsqa("index", str(corpus), cwd=tmp_path, wait=False, NEWSQA_BATCH_CHUNKS="8")
    deadline = time.monotonic() + 120
    while not (tmp_path / ".newsqa" / "index" / "chroma.sqlite3").exists():  # it holds the lock
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    second = newsqa("index", str(corpus), cwd=tmp_path)
    first_out, _ = first.communicate(timeout=300)

    assert second.returncode == 1
    assert second.stderr == (
        "newsqa: Another `newsqa index` is updating the index at .newsqa/index. "
        "Wait for it to finish, then run the command again.\n")
    assert first.returncode == 0 and first_out.startswith("indexed: 30 new")
    again = newsqa("index", str(corpus), cwd=tmp_path)
    assert again.stdout.startswith("indexed: 0 new, 0 changed, 0 removed, 30 unchanged")


def test_the_lock_is_released_after_a_failed_build(tmp_path, embeddings):
    settings = settings_for(tmp_path)
    with exclusive(settings), pytest.raises(IndexBusy):
        build([SEEDS], settings, embeddings=embeddings)
    with pytest.raises(ValueError), exclusive(settings):
        raise ValueError("a build that failed half-way")
    assert build([SEEDS], settings, embeddings=embeddings).new == 1


def test_a_corrupt_index_is_named_and_set_aside_by_rebuild(tmp_path, embeddings):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    build([tmp_path / "seeds"], settings_for(tmp_path / ".newsqa"), embeddings=embeddings)
    database = tmp_path / ".newsqa" / "index" / "chroma.sqlite3"
    database.write_bytes(b"this is not a database" * 1000)

    asked = newsqa("ask", "Who attended the talks?", cwd=tmp_path)
    assert asked.returncode == 1
    assert re.fullmatch(r"newsqa: The index at \.newsqa/index cannot be read \(.+\)\. "
                        r"Run `newsqa index --rebuild` to set it aside and build a new one\.\n",
                        asked.stderr)

    rebuilt = newsqa("index", "--rebuild", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("indexed: 1 new")
    aside = [p.name for p in (tmp_path / ".newsqa").iterdir() if "unreadable" in p.name]
    assert len(aside) == 1 and aside[0].startswith("index.unreadable-")
    kept = tmp_path / ".newsqa" / aside[0] / "chroma.sqlite3"
    assert kept.read_bytes().startswith(b"this is not a database")
    asked = newsqa("ask", "Who attended the talks?", "--json", cwd=tmp_path)
    assert json.loads(asked.stdout)["citations"][0]["article_id"] == SEED_ID


def test_a_chroma_server_that_stops_gives_a_message_then_recovers(tmp_path, embeddings):
    server = ChromaServer(tmp_path / "chroma").start()
    try:
        settings = settings_for(tmp_path, chroma_url=server.url)
        build([SEEDS], settings, embeddings=embeddings)
        assert answer("Who attended the talks?", settings=settings).citations[0].article_id \
            == SEED_ID

        server.stop()
        with pytest.raises(IndexUnavailable) as stopped:
            answer("Who attended the talks?", settings=settings)
        assert str(stopped.value).startswith(
            f"The Chroma server at {server.url} is not answering (")
        assert str(stopped.value).endswith(
            "Start it (chroma run --path DIR --port N) or unset NEWSQA_CHROMA_URL.")
        asked = newsqa("ask", "Who attended the talks?", cwd=tmp_path,
                       NEWSQA_CHROMA_URL=server.url)
        assert asked.returncode == 1 and "Traceback" not in asked.stderr
        assert asked.stderr.startswith(f"newsqa: The Chroma server at {server.url} is not")

        server.start()
        back = answer("Who attended the talks?", settings=settings)
        assert back.citations[0].article_id == SEED_ID
    finally:
        server.stop()


def test_the_chat_keeps_answering_while_another_process_indexes(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    records = corpus_records(25, start=600, keep=lambda r: len(r["text"]) > 2000)
    write_corpus(tmp_path / "incoming", records)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chat = newsqa("chat", "--port", str(port), cwd=tmp_path, wait=False)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        indexing = newsqa("index", "incoming", cwd=tmp_path, wait=False,
                          NEWSQA_BATCH_CHUNKS="16")
        during = []
        while indexing.poll() is None:
            during.append(post(url, {"question": "Who attended the talks?"}))
        assert indexing.returncode == 0, indexing.stderr.read()
        assert len(during) >= 3, "the build should outlast a few questions"
        assert all(status == 200 for status, _ in during), during
        assert all(body["citations"][0]["article_id"] == SEED_ID for _, body in during)

        new_ids = {r["doc_id"] for r in records}
        status, body = post(url, {"question": records[0]["title"]})
        assert status == 200
        assert {c["article_id"] for c in body["citations"]} & new_ids
    finally:
        chat.terminate()
        chat.wait(10)
