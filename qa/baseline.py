"""The common LangChain tutorial pipeline (1000/200-character chunks, the same embedding
model, Chroma, similarity top-k), run beside ours by `newsqa eval --baseline`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from index.records import Article


def tutorial_retriever(articles: Sequence[Article], directory: Path, embeddings: Embeddings,
                       k: int) -> BaseRetriever:
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    documents = splitter.create_documents([a.text for a in articles],
                                          metadatas=[{"article_id": a.id} for a in articles])
    store = Chroma(collection_name="tutorial", embedding_function=embeddings,
                   persist_directory=str(directory),
                   client_settings=ChromaSettings(anonymized_telemetry=False))
    batch = 2000
    for i in range(0, len(documents), batch):
        store.add_documents(documents[i : i + batch])
    return store.as_retriever(search_kwargs={"k": k})
