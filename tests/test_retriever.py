"""Our retriever passes LangChain's own standard retriever tests, and fuses two rankings."""

import datetime

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from index.embeddings import MiniLMEmbeddings
from index.store import Store
from qa.langchain import HybridRetriever, from_document
from qa.retrieve import Retriever


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
    best = retriever.retriever.keywords.search("NBCUniversal", 3)[0]
    assert best.chunk.article_id.startswith("seeds/")


def test_sparse_index_follows_the_store(tmp_path, embeddings):
    from index.build import build
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "one.txt").write_text("The zeppelin landed in Lakehurst on Tuesday.")
    build([folder], settings, embeddings=embeddings)
    retriever = Retriever(Store(settings), embeddings)
    retriever.refresh()
    assert retriever.keywords.search("quokka", 3) == []
    (folder / "two.txt").write_text("A quokka was seen near the harbour on Friday.")
    build([folder], settings, embeddings=embeddings)
    assert retriever.keywords.search("quokka", 3) == []  # not until refreshed
    retriever.refresh()
    assert retriever.keywords.search("quokka", 3)[0].chunk.article_id == "a/two.txt"
    assert [f.hit.chunk.article_id for f in retriever.retrieve("quokka", k=1).found] == [
        "a/two.txt"]


def two_articles(tmp_path, embeddings, one="date 2023-09-01\nA quokka was seen near the harbour.",
                 two="date 2023-09-20\nA quokka swam across the harbour."):
    from index.build import build
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "one.txt").write_text(one)
    (folder / "two.txt").write_text(two)
    build([folder], settings, embeddings=embeddings)
    return settings, folder


def test_the_keyword_index_is_kept_on_disk_for_the_next_process(tmp_path, embeddings,
                                                               monkeypatch):
    from index.keywords import KeywordIndex, keyword_path

    settings, _ = two_articles(tmp_path, embeddings)
    first = KeywordIndex(Store(settings))
    first.sync()
    assert keyword_path(settings) == tmp_path / "index" / "keywords.sqlite3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "index"]  # nothing beside it
    found = [h.chunk.article_id for h in first.search("quokka harbour", 3)]
    first.close()
    with monkeypatch.context() as m:  # a new process: nothing is read from the store again
        m.setattr(Store, "hits_of", lambda self, ids: pytest.fail("read from the store"))
        again = KeywordIndex(Store(settings))
        again.sync()
        assert [h.chunk.article_id for h in again.search("quokka harbour", 3)] == found
        assert sorted(found) == ["a/one.txt", "a/two.txt"]


def test_a_build_brings_in_only_the_articles_it_changed(tmp_path, embeddings, monkeypatch):
    from index.build import build
    from index.keywords import KeywordIndex

    settings, folder = two_articles(tmp_path, embeddings)
    keywords = KeywordIndex(Store(settings))
    keywords.sync()
    read: list = []
    original = Store.hits_of
    monkeypatch.setattr(Store, "hits_of", lambda self, ids: read.extend(ids) or
                        original(self, ids))
    (folder / "three.txt").write_text("date 2023-09-21\nA zeppelin landed in Lakehurst.")
    (folder / "one.txt").write_text("date 2023-09-01\nA wombat was seen near the harbour.")
    (folder / "two.txt").unlink()
    build([folder], settings, embeddings=embeddings)
    keywords.sync()
    assert sorted(read) == ["a/one.txt", "a/three.txt"]
    assert [h.chunk.article_id for h in keywords.search("quokka", 3)] == []  # changed, removed
    assert [h.chunk.article_id for h in keywords.search("wombat zeppelin", 3)] == [
        "a/one.txt", "a/three.txt"] or [h.chunk.article_id for h in keywords.search(
            "wombat zeppelin", 3)] == ["a/three.txt", "a/one.txt"]
    assert keywords.catalog.newest().isoformat() == "2023-09-21"


def test_filters_apply_inside_the_search(tmp_path, embeddings):
    from index.keywords import KeywordIndex
    from index.records import Scope

    settings, _ = two_articles(tmp_path, embeddings)
    keywords = KeywordIndex(Store(settings))
    keywords.sync()
    early = Scope(since=datetime.date(2023, 8, 1), until=datetime.date(2023, 9, 10))
    assert [h.chunk.article_id for h in keywords.search("quokka", 1, early)] == ["a/one.txt"]
    only_two = Scope(articles=frozenset({"a/two.txt"}))
    assert [h.chunk.article_id for h in keywords.search("quokka", 1, only_two)] == ["a/two.txt"]
    assert keywords.search("quokka", 5, Scope(since=datetime.date(2024, 1, 1))) == []


def test_a_broken_keyword_file_is_rebuilt_from_the_store(tmp_path, embeddings):
    from index.keywords import KeywordIndex, keyword_path

    settings, _ = two_articles(tmp_path, embeddings)
    keyword_path(settings).write_bytes(b"not a database" * 100)
    keywords = KeywordIndex(Store(settings))
    keywords.sync()
    assert len(keywords.search("quokka", 5)) == 2
    assert keywords.idf("quokka") < keywords.idf("zeppelin")


def test_lost_terms_are_written_again_from_the_chunks_not_the_store(tmp_path, embeddings,
                                                                   monkeypatch):
    import shutil

    from index.keywords import KeywordIndex

    settings, _ = two_articles(tmp_path, embeddings)
    first = KeywordIndex(Store(settings))
    first.sync()
    found = [h.chunk.id for h in first.search("quokka harbour", 3)]
    first.close()
    shutil.rmtree(first.terms_path)
    monkeypatch.setattr(Store, "hits_of", lambda self, ids: pytest.fail("read from the store"))
    again = KeywordIndex(Store(settings))
    again.sync()
    assert [h.chunk.id for h in again.search("quokka harbour", 3)] == found != []


def test_a_sync_cut_short_after_its_terms_leaves_no_twice_counted_chunk(tmp_path, embeddings):
    from index.keywords import KeywordIndex

    settings, _ = two_articles(tmp_path, embeddings)
    keywords = KeywordIndex(Store(settings))
    keywords.sync()
    before = [h.chunk.id for h in keywords.search("quokka", 5)]
    # As if the process died after writing the terms of a/one.txt but before recording it:
    db = keywords._db
    db.execute("DELETE FROM chunks WHERE article_id = 'a/one.txt'")
    db.execute("DELETE FROM articles WHERE id = 'a/one.txt'")
    db.execute("UPDATE state SET value = 'older' WHERE key = 'generation'")
    again = KeywordIndex(Store(settings))
    again.sync()
    assert [h.chunk.id for h in again.search("quokka", 5)] == before
    assert again.idf("quokka") == keywords.idf("quokka")  # each chunk counted once


def test_a_sync_that_failed_can_be_retried_by_the_same_process(tmp_path, embeddings,
                                                              monkeypatch):
    from index.build import build
    from index.keywords import KeywordIndex
    from index.store import IndexUnavailable

    settings, folder = two_articles(tmp_path, embeddings)
    keywords = KeywordIndex(Store(settings))
    keywords.sync()
    (folder / "three.txt").write_text("date 2023-09-21\nA dirigible landed in Lakehurst.")
    build([folder], settings, embeddings=embeddings)

    def down(self, ids):
        raise IndexUnavailable("The Chroma server is not answering.")

    with monkeypatch.context() as m:
        m.setattr(Store, "hits_of", down)
        with pytest.raises(IndexUnavailable) as failed:
            keywords.sync()
    keywords.sync()  # while the failure (and its traceback) is still held
    assert failed.value and [h.chunk.article_id for h in keywords.search("dirigible", 3)] == [
        "a/three.txt"]


def test_a_word_the_question_repeats_weighs_more(tmp_path, embeddings):
    from index.keywords import KeywordIndex

    settings, _ = two_articles(tmp_path, embeddings, "A wombat was seen near the harbour.",
                               "A zeppelin was seen near the harbour.")
    keywords = KeywordIndex(Store(settings))
    keywords.sync()
    assert keywords.search("zeppelin wombat wombat", 1)[0].chunk.article_id == "a/one.txt"
    assert keywords.search("wombat zeppelin zeppelin", 1)[0].chunk.article_id == "a/two.txt"
