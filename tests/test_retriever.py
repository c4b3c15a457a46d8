"""Our retriever passes LangChain's own standard retriever tests, and fuses two rankings."""

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from index.embeddings import MiniLMEmbeddings
from index.store import Store
from qa.retrieve import HybridRetriever, from_document


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, news_index):
        type(self).settings = news_index

    @property
    def retriever_constructor(self):
        return HybridRetriever

    @property
    def retriever_constructor_params(self):
        return {"store": Store(self.settings), "embeddings": MiniLMEmbeddings()}

    @property
    def retriever_query_example(self):
        return "Who attended the WGA talks?"


def test_dense_and_sparse_both_contribute(news_index, embeddings):
    retriever = HybridRetriever(store=Store(news_index), embeddings=embeddings, k=5)
    docs = retriever.invoke("Zaslav Sarandos Langley")
    chunks = [from_document(d) for d in docs]
    assert "Langley" in chunks[0].text
    assert [d.metadata["score"] for d in docs] == sorted(
        (d.metadata["score"] for d in docs), reverse=True)
    # An exact rare term only BM25 can match precisely.
    assert retriever.sparse().search("NBCUniversal", 3)[0].chunk.article_id.startswith("seeds/")


def test_sparse_index_follows_the_store(tmp_path, embeddings):
    from index.build import build
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "one.txt").write_text("The zeppelin landed in Lakehurst on Tuesday.")
    build([folder], settings, embeddings=embeddings)
    retriever = HybridRetriever(store=Store(settings), embeddings=embeddings)
    assert retriever.sparse().search("quokka", 3) == []
    (folder / "two.txt").write_text("A quokka was seen near the harbour on Friday.")
    build([folder], settings, embeddings=embeddings)
    assert retriever.sparse().search("quokka", 3)[0].chunk.article_id == "a/two.txt"


def test_the_bm25_index_is_kept_for_the_next_process(tmp_path, embeddings, monkeypatch):
    from index.build import build
    from qa.retrieve import SparseIndex
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "one.txt").write_text("A quokka was seen near the harbour on Friday.")
    build([folder], settings, embeddings=embeddings)
    first = SparseIndex.of(Store(settings))
    assert (tmp_path / "index.bm25" / "generation").read_text() == first.generation

    with monkeypatch.context() as m:  # a new process: the cache, not every chunk, is read
        m.setattr(Store, "all_hits", lambda self: pytest.fail("rebuilt from the store"))
        again = SparseIndex.of(Store(settings))
        assert again.hits == first.hits and again.doc_freq == first.doc_freq
        assert [h.chunk.id for h in again.search("quokka harbour", 3)] == \
            [h.chunk.id for h in first.search("quokka harbour", 3)] != []

    (folder / "two.txt").write_text("The zeppelin landed in Lakehurst on Tuesday.")
    build([folder], settings, embeddings=embeddings)
    changed = SparseIndex.of(Store(settings))  # a new generation: built again
    assert changed.generation != first.generation
    assert changed.search("zeppelin", 3)[0].chunk.article_id == "a/two.txt"
    (tmp_path / "index.bm25" / "hits.jsonl").write_text("not json\n")
    (tmp_path / "index.bm25" / "generation").write_text(changed.generation)
    assert SparseIndex.of(Store(settings)).hits == changed.hits  # a broken cache is rebuilt
