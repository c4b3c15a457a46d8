"""The derived index's SQLite file: every committed article (texts included) and chunk
(its text, day and vector key), and the state of the last sync. Derived data: a file that
cannot be read, or of another version, is started over (index/derived.py fills it again)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from index.records import Chunk, Hit, day_of

# How long a process waits for another one that is writing the same index, in s.
BUSY_TIMEOUT_S = 60
SCHEMA_VERSION = "4"  # a file of another version is rebuilt from the store

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, digest TEXT, title TEXT,
    source TEXT, url TEXT, day INTEGER, path TEXT, text TEXT);
CREATE TABLE IF NOT EXISTS chunks (key INTEGER PRIMARY KEY, id TEXT UNIQUE, article_id TEXT,
    start INTEGER, "end" INTEGER, day INTEGER, text TEXT);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (article_id);
CREATE INDEX IF NOT EXISTS chunks_by_day ON chunks (day);
CREATE INDEX IF NOT EXISTS articles_by_day ON articles (day);  -- the newest article's day
"""
CHUNK = 'key, id, article_id, start, "end", day, text'  # a chunk row's columns


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One process writes at a time (the others wait up to BUSY_TIMEOUT_S); rolled back if
    cut short."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def open_db(path: Path, terms_path: Path) -> sqlite3.Connection:
    """The file at `path`; when it is started over, so are the terms at `terms_path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(2):
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                             check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            version = db.execute("SELECT value FROM state WHERE key = 'schema'").fetchone()
            if version is None or version[0] == SCHEMA_VERSION:
                db.execute("INSERT OR REPLACE INTO state VALUES ('schema', ?)",
                           (SCHEMA_VERSION,))
                return db
        except sqlite3.DatabaseError:
            if attempt:
                raise
        db.close()  # unreadable, or of another version: derived data, so start over
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(terms_path, ignore_errors=True)
    raise AssertionError("unreachable")


def chunk_hit(row: tuple, score: float) -> Hit:
    _, id_, article_id, start, end, day, text = row
    return Hit(Chunk(id=id_, article_id=article_id, start=start, end=end, text=text),
               score=score, day=day_of(day))


def parts(items: Sequence, size: int) -> Iterable[Sequence]:
    return (items[i : i + size] for i in range(0, len(items), size))
