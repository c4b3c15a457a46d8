"""The retrieval chain, in one LCEL composition: retrieve -> read -> verify citations; and
the same steps streamed, for readers that write as they go."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from langchain_core.runnables import Runnable, RunnableLambda

from index.store import Store
from qa.citations import Answer, Draft, verify
from qa.evidence import Evidence, Reader
from qa.retrieve import HybridRetriever, from_document


def evidence_chain(store: Store, retriever: HybridRetriever) -> Runnable:
    """Input {"question": str, "k": int, and optionally "as_of", "since", "until" (dates) and
    "sources"}; output the Evidence: the retrieved chunks, their articles, the outlets that
    ran the same story (by article), the keyword index's idf and the days in focus."""

    def gather(inputs: dict) -> Evidence:
        documents = retriever.invoke(inputs["question"], k=inputs["k"],
                                     as_of=inputs.get("as_of"), since=inputs.get("since"),
                                     until=inputs.get("until"),
                                     sources=inputs.get("sources") or ())
        chunks = tuple(from_document(doc) for doc in documents)
        keywords = retriever.sparse()
        copies: dict[str, dict[str, None]] = {}
        for doc in documents:
            own = keywords.outlet(doc.metadata["article_id"])
            outlets = copies.setdefault(doc.metadata["article_id"], {})
            outlets.update(dict.fromkeys(o for o in map(keywords.outlet, doc.metadata["copies"])
                                         if o != own))
        return Evidence(
            question=inputs["question"], chunks=chunks,
            articles=store.get_articles(c.article_id for c in chunks), idf=keywords.idf,
            focus=retriever.focus(inputs["question"], inputs.get("as_of")),
            copies={id_: tuple(outlets) for id_, outlets in copies.items() if outlets},
            as_of=inputs.get("as_of"))

    return RunnableLambda(gather)


def build_chain(store: Store, retriever: HybridRetriever, reader: Reader) -> Runnable:
    """retrieve -> read -> verify: the same input as evidence_chain; a verified Answer out."""

    def read_and_verify(evidence: Evidence) -> Answer:
        return verify(reader.read(evidence), evidence.articles, reader.name, evidence.copies)

    return evidence_chain(store, retriever) | RunnableLambda(read_and_verify)


def build_stream(store: Store, retriever: HybridRetriever, reader: Reader
                 ) -> Callable[[dict], Iterator[str | Answer]]:
    """The same steps, yielding the reader's text as it is written, then the verified Answer
    (a reader that writes nothing first yields only the Answer)."""
    evidence_of = evidence_chain(store, retriever)

    def stream(inputs: dict) -> Iterator[str | Answer]:
        evidence = evidence_of.invoke(inputs)
        for piece in reader.stream(evidence):
            yield verify(piece, evidence.articles, reader.name, evidence.copies) \
                if isinstance(piece, Draft) else piece

    return stream
