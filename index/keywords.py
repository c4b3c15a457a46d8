"""The keyword (BM25) side of retrieval: a tantivy index of every chunk's terms, on disk
(its top-k search skips what cannot rank, so a query costs little more on millions of chunks
than on thousands). index/derived.py keeps it in step with the store and holds the chunks'
texts; this module only knows terms."""

from __future__ import annotations

import math
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from index.records import Scope
from index.terms import terms

# Memory the tantivy writer fills before it writes a segment, in bytes.
WRITER_HEAP = 64_000_000


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


class Terms:
    """The terms of the chunks, in the folder `path`. Written only by the holder of the
    derived index's write lock (one tantivy writer at a time); searched by any thread."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._idf: dict[str, float] = {}
        self._index = self._open()
        self._searcher = self._index.searcher()

    def _open(self) -> tantivy.Index:
        for attempt in range(2):
            self.path.mkdir(parents=True, exist_ok=True)
            try:
                index = tantivy.Index(TERMS, path=str(self.path), reuse=True)
                index.register_tokenizer("words", tantivy.TextAnalyzerBuilder(
                    tantivy.Tokenizer.whitespace()).build())
                return index
            except (OSError, ValueError):
                if attempt:
                    raise
                shutil.rmtree(self.path)  # derived: written again from the chunks table
        raise AssertionError("unreachable")

    def writer(self) -> tantivy.IndexWriter:
        return self._index.writer(heap_size=WRITER_HEAP, num_threads=1)

    def reload(self) -> None:
        self._index.reload()
        with self._lock:
            self._searcher, self._idf = self._index.searcher(), {}

    @property
    def count(self) -> int:
        return self._searcher.num_docs

    def search(self, query: str, k: int, scope: Scope) -> dict[str, float]:
        """The ids of the k chunks that best match `query`'s terms (BM25) within `scope`,
        with their scores; a word the query repeats weighs once more each time."""
        words = terms(query)
        if not words:
            return {}
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
            return {searcher.doc(address)["chunk"][0]: s for s, address in found}

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks: log(1 + N / (1 + chunks with it))."""
        with self._lock:
            if term not in self._idf:  # counted, not doc_freq(): that counts deleted chunks
                chunks = self._searcher.num_docs
                having = self._searcher.search(Query.term_query(TERMS, "terms", term), 1).count
                self._idf[term] = math.log(1 + max(chunks, 1) / (1 + having))
            return self._idf[term]


def add(writer: tantivy.IndexWriter, rows: Iterable[tuple[str, str, int, str]]) -> None:
    """Chunks as (chunk id, article id, stored day, text)."""
    for chunk_id, article_id, day, text in rows:
        writer.add_document(tantivy.Document(terms=" ".join(terms(text)), chunk=chunk_id,
                                             day=day, article=article_id))
