"""Shared fixtures: one model load per test session, tiny corpora built in tmp folders."""

import os

from index.settings import OFFLINE_ENV

os.environ.update(OFFLINE_ENV)

import gzip  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.build import build  # noqa: E402
from index.embeddings import MiniLMEmbeddings  # noqa: E402
from index.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = ROOT.parent / "shared" / "data" / "realtimeqa-2023"
SEED_ARTICLE = SEEDS / "000_a17fed1a18a053f1.txt"


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


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embeddings) -> Settings:
    """An index of seeds/ only (read-only for the tests that use it)."""
    tmp = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEEDS, tmp / "seeds")
    settings = settings_for(tmp)
    build([tmp / "seeds"], settings, embeddings=embeddings)
    return settings


@pytest.fixture(scope="session")
def news_index(tmp_path_factory, embeddings) -> Settings:
    """The seed among a dozen real articles from the evaluation corpus (read-only)."""
    tmp = tmp_path_factory.mktemp("news")
    shutil.copytree(SEEDS, tmp / "seeds")
    with (tmp / "corpus.jsonl").open("w") as f:
        for record in corpus_records(12, start=3000):
            f.write(json.dumps(record) + "\n")
    settings = settings_for(tmp)
    build([tmp / "seeds", tmp / "corpus.jsonl"], settings, embeddings=embeddings)
    return settings
