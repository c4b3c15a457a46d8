"""What a serving process reads instead of the store: an SQLite file of every committed
article and chunk (texts, dates, outlets; each chunk's vector key), the chunks' terms
(index/keywords.py) and their vectors (index/vectors.py), brought in step with the store
article by article. Answering reads only these: Chroma is opened (and imported) only to
catch up after a build changed it. The store stays the source of truth: all three are
derived from it alone and can be deleted at any time."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.catalog import Catalog
from index.keywords import Terms, add
from index.records import EVERYTHING, Article, Hit, Scope, day_number, day_of
from index.settings import Settings
from index.store import IndexUnavailable, Store
from index.texts import CHUNK, chunk_hit, open_db, parts, transaction
from index.vectors import VectorIndex

# Articles whose chunks are read from the store in one request while catching up. (By
# article, not a page of the whole collection at a time: Chroma's cost for a page grows
# with the collection, ~8 s per 5,000 chunks at 2.5M, against ~1 s per 500 articles.)
SYNC_BATCH = 500
# Articles applied per transaction while catching up: a catch-up cut short resumes after the
# last that committed; each extends the newest segment's graph once (~125k chunks, ~200 MB).
COMMIT_ARTICLES = 5000
# Chunks read from the SQLite file at a time when the terms are written again from it.
REINDEX_BATCH = 5000
# A dense search within a scope of at most this many chunks is exact over them; a wider
# scope searches everything, over-fetched by the share it admits, and filters.
EXACT_SCOPE = 50_000
# A writer's clock may lag another's, and a commit lands a moment after it took its
# generation: a sync reads again what was committed this long (ns) before the newest
# generation it has seen, and skips by digest what it already holds. Writers on several
# machines need clocks that agree to well within this (NTP).
OVERLAP_NS = 30 * 10**9


def derived_path(settings: Settings) -> Path:
    """Inside an embedded index's folder (`derived.sqlite3`, with `derived.tantivy/` and
    `derived.vectors/`); for a Chroma server, in this machine's temporary folder, one per
    server and collection (each replica derives its own)."""
    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url} {settings.collection}".encode())
        return Path(tempfile.gettempdir()) / f"newsqa-derived-{key.hexdigest()[:16]}.sqlite3"
    return Path(settings.index_dir) / "derived.sqlite3"


class DerivedIndex:
    """BM25 and vector search over the store's committed chunks, and their articles.
    `sync()` applies what changed in the store since this index last looked: the articles
    committed or removed since (by their generations) are read; nothing else is."""

    def __init__(self, store: Store, path: Path | None = None):
        self.store = store
        self.path = path or derived_path(store.settings)
        self.terms_path = self.path.with_suffix(".tantivy")
        self._lock = threading.RLock()
        self._seen: str | None = None  # the store generation this process last synced to
        self._total = 0  # chunks, as of the last sync
        self._db = open_db(self.path, self.terms_path)
        self.catalog = Catalog(self._db, self._lock)  # its articles table
        self.terms = Terms(self.terms_path)
        self.vectors = VectorIndex(self.path.with_suffix(".vectors"))

    # -- keeping in step ----------------------------------------------------------------------
    def sync(self) -> None:
        """Bring the index in line with the store, if the store changed since last time.
        When reading the changes fails but an earlier sync left a whole index (embedded
        Chroma cannot always give another process a build's vectors before the build has
        written them out), searches go on from that; the next sync tries again."""
        generation = self.store.generation()
        if generation == self._seen:
            return
        with self._lock:
            self.vectors.reload()
            if not self._vectors_whole():  # lost or unreadable: everything read again
                self._db.execute("DELETE FROM state WHERE key = 'generation'")
            if self._state("generation") != generation:
                try:
                    self._catch_up(generation)
                except IndexUnavailable:
                    if self._state("generation") is None:
                        raise
                    return
            self.terms.reload()
            self.vectors.reload()
            self._total = self._count()
            if self.terms.count != self._total:  # a sync cut short after writing its
                self._reindex()  # terms, or terms lost: written again from the chunks
            self._seen = generation

    def _vectors_whole(self) -> bool:
        top = self._db.execute("SELECT max(key) FROM chunks").fetchone()[0]
        return top is None or (self.vectors.readable and top < self.vectors.next_key)

    def _catch_up(self, generation: str) -> None:
        """Apply the store's changes since the newest generation this index holds: the
        removals first, then the committed articles in the order they were committed,
        COMMIT_ARTICLES to a transaction. A catch-up cut short resumes after the last
        transaction that committed; another process may finish it meanwhile."""
        with transaction(self._db):
            if self._state("generation") == generation:  # another process just did it
                return
            self.vectors.reload()  # as the last writer left it
            newest = self._newest() if self._vectors_whole() else 0
            changes = self.store.changes(max(newest - OVERLAP_NS, 0))
            if newest and changes.created != self._state("created"):  # a new store (rebuilt)
                newest = 0
                changes = self.store.changes(0)
            have = self._digests(list(changes.removed)) if newest else {}
            self._apply(sorted(changes.removed), [], have, clear=not newest)
            self._set(created=changes.created, newest=newest)
        for batch in parts(list(changes.committed), COMMIT_ARTICLES):
            with transaction(self._db):
                if self._state("generation") == generation:  # another process went on
                    return
                self.vectors.reload()
                have = self._digests(batch)
                self._apply([], [id_ for id_ in batch
                                 if have.get(id_) != changes.committed[id_].digest], have)
                self._set(newest=max(self._newest(), changes.committed_in[batch[-1]]))
        with transaction(self._db):
            self._set(generation=generation, newest=max(self._newest(), changes.newest))

    def _apply(self, removed: list[str], todo: list[str], have: dict[str, str],
               clear: bool = False) -> None:
        """Drop the removed articles and the earlier versions of those to do (`have`: their
        digests held), or everything; then bring in those to do. (Cut short: terms written
        but not recorded are mended by sync, vectors published but not recorded are
        removed chunks until compacted.)"""
        db = self._db
        writer = self.terms.writer()
        try:
            if clear:
                db.execute("DELETE FROM chunks")
                db.execute("DELETE FROM articles")
                writer.delete_all_documents()
                self.vectors.clear()
            for part in parts([id_ for id_ in [*removed, *todo] if id_ in have], SYNC_BATCH):
                marks = ",".join("?" * len(part))
                db.execute(f"DELETE FROM chunks WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM articles WHERE id IN ({marks})", part)
            for id_ in [*removed, *todo]:  # with what a sync cut short may have left
                writer.delete_documents_by_term("article", id_)
            if todo or removed or clear:
                self._bring_in(writer, todo)
            writer.commit()
            writer.wait_merging_threads()
        finally:
            del writer  # its lock is let go now, not when a traceback is

    def _bring_in(self, writer, todo: list[str]) -> None:
        """The chunks, vectors and texts of these articles, read from the store; their
        vectors published (under keys above every earlier one), and segments compacted. An
        article being rewritten by a build is left for the sync after its commit."""
        top = self._db.execute("SELECT max(key) FROM chunks").fetchone()[0]
        key = max(self.vectors.next_key, -1 if top is None else top + 1)
        keys: list[np.ndarray] = [np.zeros(0, np.uint64)]
        vectors: list[np.ndarray] = []
        embedder = self.store.embedder()
        for part in parts(todo, SYNC_BATCH):
            found = self.store.derivable(part)
            hits = [Hit(chunk=c, score=0.0, day=d.article.date) for d in found for c in d.chunks]
            new = np.arange(key, key + len(hits), dtype=np.uint64)
            key += len(hits)
            self._insert(writer, hits, new)
            self._record([d.article for d in found])
            keys.append(new)
            vectors += [d.vectors for d in found if d.chunks]
        self.vectors.write(np.concatenate(keys),
                           np.concatenate(vectors) if vectors else np.zeros((0, 0)),
                           embedder, self._alive)

    def _set(self, **values: object) -> None:
        self._db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)",
                             [(key, str(value)) for key, value in values.items()])

    def _digests(self, ids: list[str]) -> dict[str, str]:
        """The digests of those of these articles that this index holds."""
        return {id_: digest for part in parts(ids, SYNC_BATCH) for id_, digest in
                self._db.execute("SELECT id, digest FROM articles WHERE id IN "
                                 f"({','.join('?' * len(part))})", part)}

    def _reindex(self) -> None:
        """Every chunk's terms written again from the chunks table (the store is not read),
        unless another process mended them meanwhile."""
        with transaction(self._db):  # no other process is syncing
            self.terms.reload()
            if self.terms.count == self._count():
                return
            writer = self.terms.writer()
            writer.delete_all_documents()
            cursor = self._db.execute("SELECT id, article_id, day, text FROM chunks")
            while rows := cursor.fetchmany(REINDEX_BATCH):
                add(writer, rows)
            writer.commit()
            writer.wait_merging_threads()
        self.terms.reload()

    def _insert(self, writer, hits: Sequence[Hit], keys: np.ndarray) -> None:
        rows = [(int(key), h.chunk.id, h.chunk.article_id, h.chunk.start, h.chunk.end,
                 day_number(h.day), h.chunk.text) for key, h in zip(keys, hits, strict=True)]
        self._db.executemany(f"INSERT OR REPLACE INTO chunks ({CHUNK}) VALUES (?,?,?,?,?,?,?)",
                             rows)
        add(writer, ((id_, article_id, day, text)
                     for _, id_, article_id, _, _, day, text in rows))

    def _record(self, articles: list[Article]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (a.id, a.digest, a.title, a.source or "", a.url or "", day_number(a.date), a.path,
             a.text) for a in articles])

    def _alive(self, lo: int, hi: int) -> np.ndarray:
        """The keys in [lo, hi] of chunks still indexed (the vectors' tombstones are the rest)."""
        if self._db.execute("SELECT count(*) FROM chunks WHERE key BETWEEN ? AND ?", (lo, hi)
                            ).fetchone()[0] == hi - lo + 1:  # all (keys are mostly one run)
            return np.arange(lo, hi + 1, dtype=np.uint64)
        rows = self._db.execute("SELECT key FROM chunks WHERE key BETWEEN ? AND ? ORDER BY key",
                                (lo, hi)).fetchall()
        return np.fromiter((r[0] for r in rows), np.uint64, len(rows))

    def _count(self) -> int:
        return self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def _state(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _newest(self) -> int:  # when the newest change applied here was committed (0: none)
        return int(self._state("newest") or 0)

    # -- reading ------------------------------------------------------------------------------
    def search(self, query: str, k: int, scope: Scope = EVERYTHING) -> list[Hit]:
        """The k chunks that best match `query`'s terms (BM25) within `scope`."""
        score = self.terms.search(query, k, scope)
        with self._lock:
            rows = self._select("id", list(score))
        hits = [chunk_hit(row, score[row[1]]) for row in rows]
        return sorted(hits, key=lambda h: (-h.score, h.chunk.id))

    def nearest(self, vector: Sequence[float], k: int, scope: Scope = EVERYTHING) -> list[Hit]:
        """The k chunks nearest to `vector` (cosine similarity) within `scope`."""
        allowed, share = None, 1.0
        if scope != EVERYTHING:
            with self._lock:
                allowed, share = self._within(scope)
        fetch = int(2 * k / share)
        while True:
            score = dict(found := self.vectors.search(vector, fetch, allowed))
            with self._lock:
                rows = self._select("key", list(score))
            hits = [h for row in rows if scope.admits(h := chunk_hit(row, score[row[0]]))]
            if len(hits) >= k or len(found) < fetch:
                return sorted(hits, key=lambda h: (-h.score, h.chunk.id))[:k]
            fetch *= 4

    def articles(self, ids: Iterable[str]) -> dict[str, Article]:
        """The indexed articles of these ids (those indexed), texts included."""
        ids = list(dict.fromkeys(ids))
        with self._lock:
            rows = [row for part in parts(ids, SYNC_BATCH) for row in self._db.execute(
                "SELECT id, title, source, url, day, path, text FROM articles "
                f"WHERE id IN ({','.join('?' * len(part))})", part)]
        return {id_: Article(id=id_, title=title, date=day_of(day), source=source or None,
                             url=url or None, path=path, text=text)
                for id_, title, source, url, day, path, text in rows}

    def idf(self, term: str) -> float:
        return self.terms.idf(term)

    def _select(self, column: str, values: list) -> list[tuple]:
        return [row for part in parts(values, SYNC_BATCH) for row in self._db.execute(
            f"SELECT {CHUNK} FROM chunks WHERE {column} IN ({','.join('?' * len(part))})", part)]

    def _within(self, scope: Scope) -> tuple[np.ndarray | None, float]:
        """The keys of the chunks in `scope` when there are at most EXACT_SCOPE of them;
        else None, and the share of all chunks that its days admit."""
        if scope.articles is not None and len(scope.articles) <= EXACT_SCOPE // 10:
            rows = [row for part in parts(sorted(scope.articles), SYNC_BATCH)
                    for row in self._db.execute(
                        "SELECT key FROM chunks WHERE day BETWEEN ? AND ? AND article_id IN "
                        f"({','.join('?' * len(part))})", (*scope.days, *part))]
        else:
            inside = self._db.execute("SELECT count(*) FROM chunks WHERE day BETWEEN ? AND ?",
                                      scope.days).fetchone()[0]
            if inside > EXACT_SCOPE:
                return None, max(inside, 1) / max(self._total, 1)
            rows = self._db.execute("SELECT key FROM chunks WHERE day BETWEEN ? AND ?",
                                    scope.days).fetchall()
        return np.fromiter((r[0] for r in rows), np.uint64, len(rows)), 1.0

    def close(self) -> None:
        self._db.close()
