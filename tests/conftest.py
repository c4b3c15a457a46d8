"""Shared fixtures: one model load per test session, tiny corpora built in tmp folders."""

from __future__ import annotations

import os

from index.settings import OFFLINE_ENV

os.environ.update(OFFLINE_ENV)

import gzip  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.build import build  # noqa: E402
from index.embeddings import MiniLMEmbeddings  # noqa: E402
from index.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _evaluation_data() -> Path:
    """RealTimeQA 2023 (not in the repository): $NEWSQA_EVAL_DATA, else `shared/data/`
    beside this checkout, else beside the local checkout it was cloned from."""
    if os.environ.get("NEWSQA_EVAL_DATA"):
        return Path(os.environ["NEWSQA_EVAL_DATA"])
    beside = ROOT.parent / "shared" / "data" / "realtimeqa-2023"
    origin = subprocess.run(["git", "-C", str(ROOT), "config", "remote.origin.url"],
                            capture_output=True, text=True).stdout.strip()
    if beside.exists() or not origin or not Path(origin).is_dir():
        return beside
    return Path(origin).resolve().parent / "shared" / "data" / "realtimeqa-2023"


DATA = _evaluation_data()
SEED_ARTICLE = SEEDS / "000_a17fed1a18a053f1.txt"
NAMES = ["Bob Iger", "David Zaslav", "Ted Sarandos", "Donna Langley"]  # who attended the talks
# The conversation so far, as every way in takes it: the seed question and its answer.
ATTENDED = [{"role": "user", "content": "Who attended the talks?"},
            {"role": "assistant", "content": "**Bob Iger, David Zaslav, Ted Sarandos and Donna "
                                             "Langley** — “…” [1]"}]
FOLLOW_UP = "Which of them runs Netflix?"


@pytest.fixture(scope="session")
def embeddings() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


def corpus_records(n: int, start: int = 0, keep=lambda r: True) -> list[dict]:
    """The first n records of the evaluation corpus (after `start`) that `keep` accepts."""
    with gzip.open(DATA / "articles.jsonl.gz", "rt") as f:
        records = (json.loads(line) for line in itertools.islice(f, start, None))
        return list(itertools.islice((r for r in records if keep(r)), n))


def settings_for(tmp: Path, **more) -> Settings:
    return Settings(index_dir=tmp / "index", **more)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """A real `chroma run` on a loopback port, which a test may stop and start again."""

    def __init__(self, path: Path):
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        chroma = Path(sys.executable).with_name("chroma")
        self.process = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"chroma run did not start on port {self.port}")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["embedded", "server"])
def backend(request):
    """Settings for a fresh index in a tmp folder: embedded Chroma, or a collection of its
    own on the shared `chroma run` server. Tests that take it run in both modes."""
    if request.param == "embedded":
        return settings_for
    url = request.getfixturevalue("chroma_server").url

    def on_server(tmp: Path, **more) -> Settings:
        return settings_for(tmp, chroma_url=url, collection=f"c{uuid.uuid4().hex[:12]}", **more)

    return on_server


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embeddings) -> Settings:
    """An index of seeds/ only (read-only for the tests that use it)."""
    tmp = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEEDS, tmp / "seeds")
    settings = settings_for(tmp)
    build([tmp / "seeds"], settings, embeddings=embeddings)
    return settings


@pytest.fixture(scope="session")
def news_index(tmp_path_factory, embeddings, backend) -> Settings:
    """The seed among a dozen real articles from the evaluation corpus (read-only), in both
    store modes."""
    tmp = tmp_path_factory.mktemp("news")
    shutil.copytree(SEEDS, tmp / "seeds")
    with (tmp / "corpus.jsonl").open("w") as f:
        for record in corpus_records(12, start=3000):
            f.write(json.dumps(record) + "\n")
    settings = backend(tmp)
    build([tmp / "seeds", tmp / "corpus.jsonl"], settings, embeddings=embeddings)
    return settings


def pytest_collection_modifyitems(items):
    """Tests that drive a real browser are marked `browser` (deselect: -m "not browser")."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
