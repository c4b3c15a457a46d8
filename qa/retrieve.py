"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused by reciprocal rank."""

from __future__ import annotations

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
from index.store import Store
from qa.terms import terms

RRF_K = 60


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
    chunks: tuple[Chunk, ...]
    bm25: object
    vocab: frozenset[str]
    doc_freq: Counter

    @classmethod
    def of(cls, store: Store) -> SparseIndex:
        import bm25s

        generation = store.generation()
        chunks = tuple(store.all_chunks())
        tokens = [terms(c.text) or ["_"] for c in chunks]
        bm25 = bm25s.BM25()
        if chunks:
            bm25.index(tokens, show_progress=False)
        doc_freq = Counter(t for toks in tokens for t in set(toks))
        return cls(generation, chunks, bm25, frozenset(doc_freq), doc_freq)

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        words = [t for t in terms(query) if t in self.vocab]
        if not words or not self.chunks:
            return []
        scores = self.bm25.get_scores(words)
        top = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, term: str) -> float:
        n = max(len(self.chunks), 1)
        return math.log(1 + n / (1 + self.doc_freq.get(term, 0)))


class HybridRetriever(BaseRetriever):
    """Dense + BM25, fused with reciprocal-rank fusion; returns chunks as Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    embeddings: MiniLMEmbeddings
    k: int = Field(8, ge=1)
    candidates: int = Field(40, ge=1, description="Depth of each ranked list before fusion.")
    _sparse: SparseIndex | None = None
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def sparse(self) -> SparseIndex:
        """The BM25 index, in step with the store (rebuilt after any build changed it)."""
        with self._lock:
            if self._sparse is None or self._sparse.generation != self.store.generation():
                self._sparse = SparseIndex.of(self.store)
            return self._sparse

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        k = k or self.k
        depth = max(self.candidates, k)
        dense = self.store.search(self.embeddings.embed_query(query), depth)
        sparse = self.sparse().search(query, depth)
        fused: dict[str, float] = {}
        by_id: dict[str, Chunk] = {}
        for ranked in ([h.chunk for h in dense], [c for c, _ in sparse]):
            for rank, chunk in enumerate(ranked):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
                by_id[chunk.id] = chunk
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        return [to_document(by_id[i], fused[i]) for i in best]
