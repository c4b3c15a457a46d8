"""The retrieval chain, in one LCEL composition: retrieve -> read -> verify citations; and
the same steps streamed, for readers that write as they go."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from index.store import Store
from qa.citations import Answer, Draft, verify
from qa.readers import Reader
from qa.retrieve import HybridRetriever, from_document


def evidence_chain(store: Store, retriever: HybridRetriever) -> Runnable:
    """Input {"question": str, "k": int, and optionally "as_of", "since", "until" (dates) and
    "sources"}; adds the retrieved chunks, their articles, the outlets that ran the same
    story (by article), BM25's idf and the days in focus."""

    def retrieve(inputs: dict) -> list:
        return retriever.invoke(inputs["question"], k=inputs["k"], as_of=inputs.get("as_of"),
                                since=inputs.get("since"), until=inputs.get("until"),
                                sources=inputs.get("sources") or ())

    def gather(inputs: dict) -> dict:
        chunks = [from_document(doc) for doc in inputs["documents"]]
        sparse = retriever.sparse()
        copies: dict[str, dict[str, None]] = {}
        for doc in inputs["documents"]:
            own = sparse.outlet(doc.metadata["article_id"])
            outlets = copies.setdefault(doc.metadata["article_id"], {})
            outlets.update(dict.fromkeys(o for o in map(sparse.outlet, doc.metadata["copies"])
                                         if o != own))
        return {**inputs, "chunks": chunks, "idf": sparse.idf,
                "articles": store.get_articles(c.article_id for c in chunks),
                "copies": {id_: tuple(outlets) for id_, outlets in copies.items() if outlets},
                "focus": retriever.focus(inputs["question"], inputs.get("as_of"))}

    return RunnablePassthrough.assign(documents=RunnableLambda(retrieve)) | RunnableLambda(gather)


def build_chain(store: Store, retriever: HybridRetriever, reader: Reader) -> Runnable:
    """retrieve -> read -> verify: the same input as evidence_chain; a verified Answer out."""

    def read(found: dict) -> dict:
        draft = reader.read(found["question"], found["chunks"], found["articles"],
                            found["idf"], found["focus"])
        return {**found, "draft": draft}

    def check(inputs: dict) -> Answer:
        return verify(inputs["draft"], inputs["articles"], reader.name, inputs["copies"])

    return evidence_chain(store, retriever) | RunnableLambda(read) | RunnableLambda(check)


def build_stream(store: Store, retriever: HybridRetriever, reader: Reader
                 ) -> Callable[[dict], Iterator[str | Answer]]:
    """The same steps, yielding the reader's text as it is written, then the verified Answer
    (a reader that cannot stream yields only the Answer)."""
    evidence = evidence_chain(store, retriever)

    def stream(inputs: dict) -> Iterator[str | Answer]:
        found = evidence.invoke(inputs)
        args = (found["question"], found["chunks"], found["articles"], found["idf"],
                found["focus"])
        pieces = reader.stream(*args) if hasattr(reader, "stream") else iter([reader.read(*args)])
        for piece in pieces:
            yield verify(piece, found["articles"], reader.name, found["copies"]) \
                if isinstance(piece, Draft) else piece

    return stream
