"""newsqa for LangChain users: the retriever as a BaseRetriever and the pipeline as LCEL.
Kept apart from the pipeline, which does not import LangChain's runnables (a second of
every cold start)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, Field, PrivateAttr

from index.embeddings import MiniLMEmbeddings
from index.records import Chunk
from index.store import Store
from qa.pipeline import Pipeline
from qa.retrieve import Retriever


def to_document(chunk: Chunk, score: float, copies: Sequence[str] = ()) -> Document:
    """The one place our Chunk becomes a LangChain Document (and back, below). `copies`:
    the articles whose near-identical chunk was left out in favour of this one."""
    return Document(
        id=chunk.id,
        page_content=chunk.text,
        metadata={"article_id": chunk.article_id, "start": chunk.start, "end": chunk.end,
                  "score": score, "copies": list(copies)},
    )


def from_document(doc: Document) -> Chunk:
    meta = doc.metadata
    return Chunk(id=doc.id or "", article_id=meta["article_id"], start=meta["start"],
                 end=meta["end"], text=doc.page_content)


class HybridRetriever(BaseRetriever):
    """qa/retrieve.py's Retriever (dense + BM25, fused) returning chunks as Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    embeddings: MiniLMEmbeddings
    k: int = Field(8, ge=1)
    _retriever: Retriever | None = PrivateAttr(default=None)

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.store, self.embeddings, self.k)
        return self._retriever

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None,
        as_of: datetime.date | None = None, since: datetime.date | None = None,
        until: datetime.date | None = None, sources: Sequence[str] = (),
    ) -> list[Document]:
        retrieved = self.retriever.retrieve(query, k=k, as_of=as_of, since=since, until=until,
                                            sources=sources)
        return [to_document(f.hit.chunk, f.hit.score, f.copies) for f in retrieved.found]


def as_runnable(pipeline: Pipeline) -> Runnable:
    """Query in, Answer out, as LCEL: retrieve | read and verify."""
    return RunnableLambda(pipeline.retrieve) | RunnableLambda(pipeline.concluded)
