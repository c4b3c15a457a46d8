"""The retrieval chain, in one LCEL composition: retrieve -> read -> verify citations."""

from __future__ import annotations

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from index.store import Store
from qa.citations import Answer, verify
from qa.readers import Reader
from qa.retrieve import HybridRetriever, from_document


def build_chain(store: Store, retriever: HybridRetriever, reader: Reader) -> Runnable:
    """Input {"question": str, "k": int, and optionally "as_of", "since", "until" (dates) and
    "sources"}; output a verified Answer."""

    def retrieve(inputs: dict) -> list:
        return retriever.invoke(inputs["question"], k=inputs["k"], as_of=inputs.get("as_of"),
                                since=inputs.get("since"), until=inputs.get("until"),
                                sources=inputs.get("sources") or ())

    def read(inputs: dict) -> dict:
        chunks = [from_document(doc) for doc in inputs["documents"]]
        articles = store.get_articles(c.article_id for c in chunks)
        draft = reader.read(inputs["question"], chunks, articles, retriever.sparse().idf,
                            retriever.focus(inputs["question"], inputs.get("as_of")))
        return {"draft": draft, "articles": articles}

    def check(inputs: dict) -> Answer:
        return verify(inputs["draft"], inputs["articles"], reader.name)

    return (
        RunnablePassthrough.assign(documents=RunnableLambda(retrieve))
        | RunnableLambda(read)
        | RunnableLambda(check)
    )
