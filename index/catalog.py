"""The article catalogue: the articles table the derived index (index/derived.py) keeps
beside its chunks (id, title, source, url, day). One rule for who published an article,
shared by the derived index, the reader and the chat."""

from __future__ import annotations

import datetime
import sqlite3
import threading
from collections.abc import Sequence
from urllib.parse import urlparse

from index.records import day_of


def host(url: str | None) -> str:
    """A URL's web site without "www.": "cnn.com"."""
    return (urlparse(url or "").hostname or "").removeprefix("www.")


def outlet_of(source: str | None, url: str | None, title: str | None = None) -> str:
    """Who published an article: its source, else its web site, else its title."""
    return source or host(url) or title or ""


class Catalog:
    """The newest article's day, the articles of given outlets, and an article's outlet,
    read from the derived index's SQLite (`db`, shared under `lock`)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db, self._lock = db, lock

    def newest(self) -> datetime.date | None:
        """The date of the newest dated article."""
        with self._lock:
            day = self._db.execute("SELECT max(day) FROM articles").fetchone()[0] or 0
        return day_of(day)

    def articles_from(self, sources: Sequence[str]) -> frozenset[str]:
        """Articles whose source (or web site) is one of `sources`: "The Hollywood Reporter",
        "cnn.com" or "www.cnn.com"."""
        wanted = {s.strip().lower().removeprefix("www.") for s in sources if s.strip()}
        with self._lock:
            rows = self._db.execute("SELECT id, source, url FROM articles").fetchall()
        return frozenset(id_ for id_, source, url in rows
                         if {(source or "").lower(), host(url)} & wanted)

    def outlet(self, article_id: str) -> str:
        """Who published an article (outlet_of); its id when the catalogue lacks it."""
        with self._lock:
            row = self._db.execute("SELECT source, url, title FROM articles WHERE id = ?",
                                   (article_id,)).fetchone()
        return outlet_of(*row) if row else article_id
