"""The keyword (BM25) side of retrieval over every committed chunk of the store, on disk,
brought in step with the store article by article: a tantivy index of the chunks' terms
(its top-k search skips what cannot rank, so a query costs little more on millions of
chunks than on thousands) beside an SQLite file of the chunks' texts, their articles and
the store generation last synced. Chroma stays the source of truth: both are derived from
it alone and can be deleted at any time."""

from __future__ import annotations

import hashlib
import math
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from index.catalog import Catalog
from index.records import EVERYTHING, CatalogEntry, Chunk, Hit, Scope, day_number, day_of
from index.settings import Settings
from index.store import Store
from index.terms import terms

# Articles whose chunks are read from the store in one request while catching up. (By
# article, not a page of the whole collection at a time: Chroma's cost for a page grows
# with the collection, ~8 s per 5,000 chunks at 2.5M, against ~1 s per 500 articles.)
SYNC_BATCH = 500
# Chunks read from the SQLite file at a time when the terms are written again from it.
REINDEX_BATCH = 5000
# How long a process waits for another one that is writing the same keyword index, in s.
BUSY_TIMEOUT_S = 60
# Memory the tantivy writer fills before it writes a segment, in bytes.
WRITER_HEAP = 64_000_000
SCHEMA_VERSION = "2"  # a file of another version (1: SQLite FTS5) is rebuilt from the store

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, digest TEXT, title TEXT,
    source TEXT, url TEXT, day INTEGER);
CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, article_id TEXT, start INTEGER,
    "end" INTEGER, day INTEGER, text TEXT);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (article_id);
"""


def _terms_schema() -> tantivy.Schema:
    """Per chunk: its terms (split by index.terms, so the words are whitespace-separated),
    its id, and its article's day and id (filters inside the search; dropping an article)."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("terms", tokenizer_name="words", index_option="freq")
    builder.add_text_field("chunk", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_text_field("article", tokenizer_name="raw", index_option="basic")
    return builder.build()


TERMS = _terms_schema()


def keyword_path(settings: Settings) -> Path:
    """Inside an embedded index's folder (`keywords.sqlite3`, its terms in `keywords.tantivy/`);
    for a Chroma server, in this machine's temporary folder, one per server and collection."""
    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url} {settings.collection}".encode())
        return Path(tempfile.gettempdir()) / f"newsqa-keywords-{key.hexdigest()[:16]}.sqlite3"
    return Path(settings.index_dir) / "keywords.sqlite3"


class KeywordIndex:
    """BM25 over the store's committed chunks. `sync()` applies what changed in the store
    since this index last looked: the chunks of new and changed articles are read, those of
    removed ones dropped; nothing else is read. Searches filter by date and article inside
    the query, and read chunk texts from disk only for the hits they return."""

    def __init__(self, store: Store, path: Path | None = None):
        self.store = store
        self.path = path or keyword_path(store.settings)
        self.terms_path = self.path.with_suffix(".tantivy")
        self._lock = threading.RLock()
        self._seen: str | None = None  # the store generation this process last synced to
        self._idf: dict[str, float] = {}
        self._db = self._open()
        self.catalog = Catalog(self._db, self._lock)  # its articles table
        self._terms = self._open_terms()
        self._searcher = self._terms.searcher()

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
            shutil.rmtree(self.terms_path, ignore_errors=True)
        raise AssertionError("unreachable")

    def _open_terms(self) -> tantivy.Index:
        for attempt in range(2):
            self.terms_path.mkdir(parents=True, exist_ok=True)
            try:
                index = tantivy.Index(TERMS, path=str(self.terms_path), reuse=True)
                index.register_tokenizer("words", tantivy.TextAnalyzerBuilder(
                    tantivy.Tokenizer.whitespace()).build())
                return index
            except (OSError, ValueError):
                if attempt:
                    raise
                shutil.rmtree(self.terms_path)  # derived: written again from the chunks table
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
            self._reload()
            if self._searcher.num_docs != self._count():  # a sync cut short after writing
                self._reindex()  # its terms, or terms lost: written again from the chunks
            self._seen, self._idf = generation, {}

    def _catch_up(self, generation: str) -> None:
        committed = {id_: entry for id_, entry in self.store.catalog().items()
                     if entry.digest}  # no digest: being written by a build
        db = self._db
        writer = None
        db.execute("BEGIN IMMEDIATE")  # one process catches up at a time; the others wait
        try:
            if self._state("generation") == generation:  # another process just did it
                db.execute("COMMIT")
                return
            have = dict(db.execute("SELECT id, digest FROM articles"))
            stale = [id_ for id_, digest in have.items()
                     if id_ not in committed or committed[id_].digest != digest]
            todo = [id_ for id_, entry in committed.items() if have.get(id_) != entry.digest]
            writer = self._writer()
            for part in _parts(stale, SYNC_BATCH):
                marks = ",".join("?" * len(part))
                db.execute(f"DELETE FROM chunks WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM articles WHERE id IN ({marks})", part)
            if have:
                for id_ in {*stale, *todo}:  # with what a sync cut short may have left
                    writer.delete_documents_by_term("article", id_)
            else:  # a first sync
                writer.delete_all_documents()
            for part in _parts(todo, SYNC_BATCH):
                self._insert(writer, self.store.hits_of(part))
            self._record({id_: committed[id_] for id_ in todo})
            writer.commit()
            writer.wait_merging_threads()
            db.execute("INSERT OR REPLACE INTO state VALUES ('generation', ?)", (generation,))
            db.execute("COMMIT")
        except BaseException:
            writer = None  # its lock is let go now, not when the traceback is
            db.execute("ROLLBACK")  # (terms written but not recorded are mended by sync)
            raise

    def _reindex(self) -> None:
        """Every chunk's terms written again from the chunks table (the store is not read),
        unless another process mended them meanwhile."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # no other process is syncing
        try:
            self._reload()
            if self._searcher.num_docs == self._count():
                return
            writer = self._writer()
            writer.delete_all_documents()
            cursor = db.execute("SELECT id, article_id, day, text FROM chunks")
            while rows := cursor.fetchmany(REINDEX_BATCH):
                for row in rows:
                    writer.add_document(_document(*row))
            writer.commit()
            writer.wait_merging_threads()
        finally:
            db.execute("COMMIT")
        self._reload()

    def _writer(self) -> tantivy.IndexWriter:
        """The terms' writer: one at a time, taken only under the SQLite write lock."""
        return self._terms.writer(heap_size=WRITER_HEAP, num_threads=1)

    def _reload(self) -> None:
        self._terms.reload()
        self._searcher = self._terms.searcher()

    def _insert(self, writer: tantivy.IndexWriter, hits: Sequence[Hit]) -> None:
        self._db.executemany(
            'INSERT OR REPLACE INTO chunks (id, article_id, start, "end", day, text) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(h.chunk.id, h.chunk.article_id, h.chunk.start, h.chunk.end, day_number(h.day),
              h.chunk.text) for h in hits])
        for h in hits:
            writer.add_document(_document(h.chunk.id, h.chunk.article_id, day_number(h.day),
                                          h.chunk.text))

    def _count(self) -> int:
        return self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def _record(self, metas: dict[str, CatalogEntry]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?)", [
            (id_, m.digest, m.title, m.source or "", m.url or "",
             day_number(m.date)) for id_, m in metas.items()])

    def _state(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- reading ------------------------------------------------------------------------------
    def search(self, query: str, k: int, scope: Scope = EVERYTHING) -> list[Hit]:
        """The k chunks that best match `query`'s terms (BM25) within `scope`; a word the
        query repeats weighs once more each time."""
        words = terms(query)
        if not words:
            return []
        clauses = [(Occur.Must, Query.boolean_query(
            [(Occur.Should, Query.term_query(TERMS, "terms", w)) for w in words]))]
        if scope.dated:
            clauses.append((Occur.Must, Query.const_score_query(Query.range_query(
                TERMS, "day", tantivy.FieldType.Integer, *scope.days), 0.0)))
        if scope.articles is not None:
            clauses.append((Occur.Must, Query.const_score_query(
                Query.term_set_query(TERMS, "article", sorted(scope.articles)), 0.0)))
        with self._lock:
            searcher = self._searcher
            found = searcher.search(Query.boolean_query(clauses), k, count=False).hits
            score = {searcher.doc(address)["chunk"][0]: s for s, address in found}
            marks = ",".join("?" * len(score))
            rows = self._db.execute('SELECT id, article_id, start, "end", day, text FROM chunks'
                                    f" WHERE id IN ({marks})", list(score)).fetchall()
        hits = [Hit(Chunk(id=id_, article_id=article_id, start=start, end=end, text=text),
                    score=score[id_], day=day_of(day))
                for id_, article_id, start, end, day, text in rows]
        return sorted(hits, key=lambda h: (-h.score, h.chunk.id))

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks: log(1 + N / (1 + chunks with it))."""
        if term not in self._idf:
            with self._lock:  # counted, not doc_freq(): that counts deleted chunks too
                chunks = self._searcher.num_docs
                having = self._searcher.search(Query.term_query(TERMS, "terms", term), 1).count
            self._idf[term] = math.log(1 + max(chunks, 1) / (1 + having))
        return self._idf[term]

    def close(self) -> None:
        self._db.close()


def _parts(items: Sequence, size: int) -> Iterable[Sequence]:
    return (items[i : i + size] for i in range(0, len(items), size))


def _document(chunk_id: str, article_id: str, day: int, text: str) -> tantivy.Document:
    return tantivy.Document(terms=" ".join(terms(text)), chunk=chunk_id, day=day,
                            article=article_id)
