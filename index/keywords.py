"""The keyword (BM25) side of retrieval: SQLite FTS5 over every committed chunk of the store,
on disk, brought in step with the store article by article. Chroma stays the source of
truth: this index is derived from it alone and can be deleted at any time."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlparse

from index.chunking import Chunk
from index.hits import EVERYTHING, Hit, Scope, day_number
from index.settings import Settings
from index.store import Store
from index.terms import terms

# Articles whose chunks are read from the store in one request while catching up.
SYNC_BATCH = 200
# How long a process waits for another one that is writing the same keyword index, in s.
BUSY_TIMEOUT_S = 60
SCHEMA_VERSION = "1"  # a file of another version is rebuilt from the store

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, digest TEXT, title TEXT,
    source TEXT, url TEXT, day INTEGER);
CREATE TABLE IF NOT EXISTS chunks (rowid INTEGER PRIMARY KEY, id TEXT, article_id TEXT,
    start INTEGER, "end" INTEGER, day INTEGER, text TEXT);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (terms,
    tokenize = "unicode61 remove_diacritics 0 tokenchars ''''");
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab (fts, 'row');
"""


def keyword_path(settings: Settings) -> Path:
    """Beside an embedded index (`.newsqa/index.keywords.sqlite3`); for a Chroma server, in
    this machine's temporary folder, one per server and collection."""
    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url} {settings.collection}".encode())
        return Path(tempfile.gettempdir()) / f"newsqa-keywords-{key.hexdigest()[:16]}.sqlite3"
    index_dir = Path(settings.index_dir)
    return index_dir.with_name(f"{index_dir.name}.keywords.sqlite3")


def match_expression(words: Iterable[str]) -> str:
    """An FTS5 query for any of `words` (each quoted: no word is read as an operator); a
    word given twice weighs twice in the ranking."""
    return " OR ".join(f'"{w}"' for w in words)


class KeywordIndex:
    """BM25 over the store's committed chunks. `sync()` applies what changed in the store
    since this index last looked: the chunks of new and changed articles are read, those of
    removed ones dropped; nothing else is read. Searches filter by date and article inside
    the query, and read chunk texts from disk only for the hits they return."""

    def __init__(self, store: Store, path: Path | None = None):
        self.store = store
        self.path = path or keyword_path(store.settings)
        self._lock = threading.RLock()
        self._seen: str | None = None  # the store generation this process last synced to
        self._idf: dict[str, float] = {}
        self._chunk_count = 0  # chunks indexed, counted once per sync (idf's N)
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(2):
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
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
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        raise AssertionError("unreachable")

    # -- keeping in step ----------------------------------------------------------------------
    def sync(self) -> None:
        """Bring the index in line with the store, if the store changed since last time."""
        generation = self.store.generation()
        if generation == self._seen:
            return
        with self._lock:
            if self._state("generation") != generation:
                self._catch_up(generation)
            self._chunk_count = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            self._seen, self._idf = generation, {}

    def _catch_up(self, generation: str) -> None:
        committed = {id_: meta for id_, meta in self.store.catalog().items()
                     if meta.get("digest")}  # no digest: being written by a build
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # one process catches up at a time; the others wait
        try:
            if self._state("generation") == generation:  # another process just did it
                db.execute("COMMIT")
                return
            have = dict(db.execute("SELECT id, digest FROM articles"))
            stale = [id_ for id_, digest in have.items()
                     if committed.get(id_, {}).get("digest") != digest]
            for part in _parts(stale, SYNC_BATCH):
                marks = ",".join("?" * len(part))
                db.execute(f"DELETE FROM fts WHERE rowid IN (SELECT rowid FROM chunks WHERE "
                           f"article_id IN ({marks}))", part)
                db.execute(f"DELETE FROM chunks WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM articles WHERE id IN ({marks})", part)
            todo = [id_ for id_, meta in committed.items() if have.get(id_) != meta["digest"]]
            if not have:  # a first sync: one pass over every chunk beats requests by article
                wanted = set(todo)
                for page in self.store.pages_of_hits():
                    self._insert([h for h in page if h.chunk.article_id in wanted])
            else:
                for part in _parts(todo, SYNC_BATCH):
                    self._insert(self.store.hits_of(part))
            self._record({id_: committed[id_] for id_ in todo})
            db.execute("INSERT OR REPLACE INTO state VALUES ('generation', ?)", (generation,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _insert(self, hits: Sequence[Hit]) -> None:
        db = self._db
        first = (db.execute("SELECT max(rowid) FROM chunks").fetchone()[0] or 0) + 1
        rows = list(enumerate(hits, start=first))
        db.executemany('INSERT INTO chunks (rowid, id, article_id, start, "end", day, text) '
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(n, h.chunk.id, h.chunk.article_id, h.chunk.start, h.chunk.end, h.day,
                         h.chunk.text) for n, h in rows])
        db.executemany("INSERT INTO fts (rowid, terms) VALUES (?, ?)",
                       [(n, " ".join(terms(h.chunk.text))) for n, h in rows])

    def _record(self, metas: dict[str, dict]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?)", [
            (id_, m["digest"], m.get("title", ""), m.get("source", ""), m.get("url", ""),
             day_number(m.get("date") or None)) for id_, m in metas.items()])

    def _state(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- reading ------------------------------------------------------------------------------
    def search(self, query: str, k: int, scope: Scope = EVERYTHING) -> list[Hit]:
        """The k chunks that best match `query`'s terms (BM25) within `scope`."""
        words = terms(query)
        if not words:
            return []
        sql = ('SELECT c.id, c.article_id, c.start, c."end", c.day, c.text, bm25(fts) '
               "FROM fts JOIN chunks c ON c.rowid = fts.rowid "
               "WHERE fts MATCH ? AND c.day BETWEEN ? AND ?")
        args: list = [match_expression(words), scope.since, scope.until]
        if scope.articles is not None:
            sql += " AND c.article_id IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(sorted(scope.articles)))
        sql += " ORDER BY bm25(fts) LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, [*args, k]).fetchall()
        return [Hit(Chunk(id_, article_id, text, start, end), -rank, day)
                for id_, article_id, start, end, day, text, rank in rows]

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks: log(1 + N / (1 + chunks with it))."""
        if term not in self._idf:
            with self._lock:
                row = self._db.execute("SELECT doc FROM vocab WHERE term = ?",
                                       (term,)).fetchone()
            self._idf[term] = math.log(1 + max(self._chunk_count, 1) /
                                       (1 + (row[0] if row else 0)))
        return self._idf[term]

    def newest(self) -> datetime.date | None:
        """The date of the newest dated article."""
        with self._lock:
            day = self._db.execute("SELECT max(day) FROM articles").fetchone()[0] or 0
        return datetime.date(day // 10000, day // 100 % 100, day % 100) if day else None

    def articles_from(self, sources: Sequence[str]) -> frozenset[str]:
        """Articles whose source (or web site) is one of `sources`: "The Hollywood Reporter",
        "cnn.com" or "www.cnn.com"."""
        wanted = {s.strip().lower().removeprefix("www.") for s in sources if s.strip()}
        with self._lock:
            rows = self._db.execute("SELECT id, source, url FROM articles").fetchall()
        return frozenset(id_ for id_, source, url in rows
                         if {(source or "").lower(), _host(url)} & wanted)

    def outlet(self, article_id: str) -> str:
        """Who published an article: its source, else its web site, else its title."""
        with self._lock:
            row = self._db.execute("SELECT source, url, title FROM articles WHERE id = ?",
                                   (article_id,)).fetchone()
        source, url, title = row or ("", "", "")
        return source or _host(url) or title or article_id

    def close(self) -> None:
        self._db.close()


def _host(url: str | None) -> str:
    return (urlparse(url or "").hostname or "").removeprefix("www.")


def _parts(items: Sequence, size: int) -> Iterable[Sequence]:
    return (items[i : i + size] for i in range(0, len(items), size))
