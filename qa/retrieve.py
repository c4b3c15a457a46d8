"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused by reciprocal rank."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from index.chunking import Chunk
from index.embeddings import MiniLMEmbeddings
from index.store import Hit, Store, day_number
from qa.terms import terms


def to_document(chunk: Chunk, score: float) -> Document:
    """The one place our Chunk becomes a LangChain Document (and back, below)."""
    return Document(
        id=chunk.id,
        page_content=chunk.text,
        metadata={"article_id": chunk.article_id, "start": chunk.start, "end": chunk.end,
                  "score": score},
    )


def from_document(doc: Document) -> Chunk:
    meta = doc.metadata
    return Chunk(doc.id or "", meta["article_id"], doc.page_content, meta["start"], meta["end"])


@dataclass(frozen=True)
class SparseIndex:
    """BM25 over every chunk in the store, rebuilt when the store's generation changes."""

    generation: str
    hits: tuple[Hit, ...]
    days: np.ndarray
    bm25: object
    vocab: frozenset[str]
    doc_freq: Counter

    @classmethod
    def of(cls, store: Store) -> SparseIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
        generation = store.generation()
        hits = tuple(store.all_hits())
        tokens = [terms(h.chunk.text) or ["_"] for h in hits]
        bm25 = bm25s.BM25()
        if hits:
            bm25.index(tokens, show_progress=False)
        doc_freq = Counter(t for toks in tokens for t in set(toks))
        days = np.array([h.day for h in hits], dtype=np.int64)
        return cls(generation, hits, days, bm25, frozenset(doc_freq), doc_freq)

    def search(self, query: str, k: int, until: int | None = None) -> list[Hit]:
        words = [t for t in terms(query) if t in self.vocab]
        if not words or not self.hits:
            return []
        scores = self.bm25.get_scores(words)
        if until:
            scores = np.where(self.days <= until, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [dataclasses.replace(self.hits[i], score=float(scores[i]))
                for i in top if scores[i] > 0]

    def idf(self, term: str) -> float:
        n = max(len(self.hits), 1)
        return math.log(1 + n / (1 + self.doc_freq.get(term, 0)))


class HybridRetriever(BaseRetriever):
    """Dense + BM25, fused with reciprocal-rank fusion; returns chunks as Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    embeddings: MiniLMEmbeddings
    k: int = Field(8, ge=1)
    candidates: int = Field(40, ge=1, description="Depth of each ranked list before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank fusion constant.")
    recent_days: int = Field(10, ge=0, description="With as_of: how far back counts as recent.")
    recent_boost: float = Field(2.0, ge=0, description="Fused-score lift for recent chunks, "
                                "in units of a first place in one ranking.")
    _sparse: SparseIndex | None = None
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def sparse(self) -> SparseIndex:
        """The BM25 index, in step with the store (rebuilt after any build changed it)."""
        with self._lock:
            if self._sparse is None or self._sparse.generation != self.store.generation():
                self._sparse = SparseIndex.of(self.store)
            return self._sparse

    def recent_window(self, as_of: datetime.date | None
                      ) -> tuple[datetime.date, datetime.date] | None:
        """The days whose coverage counts as recent for a question asked on `as_of`."""
        return (as_of - datetime.timedelta(days=self.recent_days), as_of) if as_of else None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None,
        as_of: datetime.date | None = None,
    ) -> list[Document]:
        """The k best chunks; with `as_of`, none from later articles and recent ones first."""
        k = k or self.k
        depth = max(self.candidates, k)
        until = day_number(as_of.isoformat()) if as_of else None
        dense = self.store.search(self.embeddings.embed_query(query), depth, until)
        sparse = self.sparse().search(query, depth, until)
        fused: dict[str, float] = {}
        by_id: dict[str, Hit] = {}
        for ranked in (dense, sparse):
            for rank, hit in enumerate(ranked):
                fused[hit.chunk.id] = (fused.get(hit.chunk.id, 0.0)
                                       + 1.0 / (self.rrf_k + rank + 1))
                by_id[hit.chunk.id] = hit
        if as_of and self.recent_boost:
            since = day_number(self.recent_window(as_of)[0].isoformat())
            for id_, hit in by_id.items():
                if since <= hit.day <= until:
                    fused[id_] += self.recent_boost / (self.rrf_k + 1)
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        return [to_document(by_id[i].chunk, fused[i]) for i in best]
