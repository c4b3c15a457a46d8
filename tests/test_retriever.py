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
    best = retriever.retriever.derived.search("NBCUniversal", 3)[0]
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
    assert retriever.derived.search("quokka", 3) == []
    (folder / "two.txt").write_text("A quokka was seen near the harbour on Friday.")
    build([folder], settings, embeddings=embeddings)
    assert retriever.derived.search("quokka", 3) == []  # not until refreshed
    retriever.refresh()
    assert retriever.derived.search("quokka", 3)[0].chunk.article_id == "a/two.txt"
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
    from index.derived import DerivedIndex, derived_path

    settings, _ = two_articles(tmp_path, embeddings)
    first = DerivedIndex(Store(settings))
    first.sync()
    assert derived_path(settings) == tmp_path / "index" / "derived.sqlite3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "index"]  # nothing beside it
    found = [h.chunk.article_id for h in first.search("quokka harbour", 3)]
    first.close()
    with monkeypatch.context() as m:  # a new process: Chroma is not even opened
        m.setattr("index.collections.connect", lambda *a: pytest.fail("opened Chroma"))
        again = DerivedIndex(Store(settings))
        again.sync()
        assert [h.chunk.article_id for h in again.search("quokka harbour", 3)] == found
        assert sorted(found) == ["a/one.txt", "a/two.txt"]


def test_a_build_brings_in_only_the_articles_it_changed(tmp_path, embeddings, monkeypatch):
    from index.build import build
    from index.derived import DerivedIndex

    settings, folder = two_articles(tmp_path, embeddings)
    derived = DerivedIndex(Store(settings))
    derived.sync()
    read: list = []
    original = Store.derivable
    monkeypatch.setattr(Store, "derivable", lambda self, ids: read.extend(ids) or
                        original(self, ids))
    (folder / "three.txt").write_text("date 2023-09-21\nA zeppelin landed in Lakehurst.")
    (folder / "one.txt").write_text("date 2023-09-01\nA wombat was seen near the harbour.")
    (folder / "two.txt").unlink()
    build([folder], settings, embeddings=embeddings)
    derived.sync()
    assert sorted(read) == ["a/one.txt", "a/three.txt"]
    assert [h.chunk.article_id for h in derived.search("quokka", 3)] == []  # changed, removed
    assert [h.chunk.article_id for h in derived.search("wombat zeppelin", 3)] == [
        "a/one.txt", "a/three.txt"] or [h.chunk.article_id for h in derived.search(
            "wombat zeppelin", 3)] == ["a/three.txt", "a/one.txt"]
    assert derived.catalog.newest().isoformat() == "2023-09-21"


@pytest.mark.parametrize("exact_scope", [50_000, 0])  # scopes searched exactly, or filtered
def test_filters_apply_inside_the_search(tmp_path, embeddings, monkeypatch, exact_scope):
    from index import derived as derived_module
    from index.derived import DerivedIndex
    from index.records import Scope

    monkeypatch.setattr(derived_module, "EXACT_SCOPE", exact_scope)
    settings, _ = two_articles(tmp_path, embeddings)
    derived = DerivedIndex(Store(settings))
    derived.sync()
    vector = embeddings.embed_query("A quokka swam across the harbour.")
    assert [h.chunk.article_id for h in derived.nearest(vector, 2)] == ["a/two.txt",
                                                                        "a/one.txt"]
    early = Scope(since=datetime.date(2023, 8, 1), until=datetime.date(2023, 9, 10))
    only_two = Scope(articles=frozenset({"a/two.txt"}))
    only_one = Scope(articles=frozenset({"a/one.txt"}))
    later = Scope(since=datetime.date(2024, 1, 1))
    for search, query in ((derived.search, "quokka"), (derived.nearest, vector)):
        assert [h.chunk.article_id for h in search(query, 1, early)] == ["a/one.txt"]
        assert [h.chunk.article_id for h in search(query, 1, only_two)] == ["a/two.txt"]
        assert [h.chunk.article_id for h in search(query, 5, only_one)] == ["a/one.txt"]
        assert search(query, 5, later) == []


def test_a_broken_keyword_file_is_rebuilt_from_the_store(tmp_path, embeddings):
    from index.derived import DerivedIndex, derived_path

    settings, _ = two_articles(tmp_path, embeddings)
    derived_path(settings).write_bytes(b"not a database" * 100)
    derived = DerivedIndex(Store(settings))
    derived.sync()
    assert len(derived.search("quokka", 5)) == 2
    assert derived.idf("quokka") < derived.idf("zeppelin")


def test_lost_terms_are_written_again_from_the_chunks_not_the_store(tmp_path, embeddings,
                                                                   monkeypatch):
    import shutil

    from index.derived import DerivedIndex

    settings, _ = two_articles(tmp_path, embeddings)
    first = DerivedIndex(Store(settings))
    first.sync()
    found = [h.chunk.id for h in first.search("quokka harbour", 3)]
    first.close()
    shutil.rmtree(first.terms_path)
    monkeypatch.setattr(Store, "derivable", lambda self, ids: pytest.fail("read from the store"))
    again = DerivedIndex(Store(settings))
    again.sync()
    assert [h.chunk.id for h in again.search("quokka harbour", 3)] == found != []


def test_a_sync_cut_short_after_its_terms_leaves_no_twice_counted_chunk(tmp_path, embeddings):
    from index.derived import DerivedIndex

    settings, _ = two_articles(tmp_path, embeddings)
    derived = DerivedIndex(Store(settings))
    derived.sync()
    before = [h.chunk.id for h in derived.search("quokka", 5)]
    # As if the process died after writing the terms of a/one.txt but before recording it:
    db = derived._db
    db.execute("DELETE FROM chunks WHERE article_id = 'a/one.txt'")
    db.execute("DELETE FROM articles WHERE id = 'a/one.txt'")
    db.execute("UPDATE state SET value = 'older' WHERE key = 'generation'")
    again = DerivedIndex(Store(settings))
    again.sync()
    assert [h.chunk.id for h in again.search("quokka", 5)] == before
    assert again.idf("quokka") == derived.idf("quokka")  # each chunk counted once


def test_a_sync_that_failed_keeps_the_earlier_index_and_the_next_one_catches_up(
        tmp_path, embeddings, monkeypatch):
    from index.build import build
    from index.derived import DerivedIndex
    from index.store import IndexUnavailable

    settings, folder = two_articles(tmp_path, embeddings)

    def down(self, ids):
        raise IndexUnavailable("The Chroma server is not answering.")

    first = DerivedIndex(Store(settings))
    with monkeypatch.context() as m:
        m.setattr(Store, "derivable", down)
        with pytest.raises(IndexUnavailable):  # nothing to answer from yet
            first.sync()
    first.sync()
    (folder / "three.txt").write_text("date 2023-09-21\nA dirigible landed in Lakehurst.")
    build([folder], settings, embeddings=embeddings)
    with monkeypatch.context() as m:
        m.setattr(Store, "derivable", down)
        first.sync()  # the earlier index goes on answering
        assert [h.chunk.article_id for h in first.search("quokka", 3)] != []
        assert first.search("dirigible", 3) == []
    first.sync()
    assert [h.chunk.article_id for h in first.search("dirigible", 3)] == ["a/three.txt"]


def test_a_word_the_question_repeats_weighs_more(tmp_path, embeddings):
    from index.derived import DerivedIndex

    settings, _ = two_articles(tmp_path, embeddings, "A wombat was seen near the harbour.",
                               "A zeppelin was seen near the harbour.")
    derived = DerivedIndex(Store(settings))
    derived.sync()
    assert derived.search("zeppelin wombat wombat", 1)[0].chunk.article_id == "a/one.txt"
    assert derived.search("wombat zeppelin zeppelin", 1)[0].chunk.article_id == "a/two.txt"


def test_the_newest_articles_day_is_read_from_an_index_not_the_articles_texts(tmp_path):
    """Every question reads the newest article's day: at 100k articles, a scan of the
    articles table (texts included) cost 120 ms a question."""
    from index.texts import open_db

    db = open_db(tmp_path / "d.sqlite3", tmp_path / "d.tantivy")
    plan = " ".join(row[-1] for row in db.execute(
        "EXPLAIN QUERY PLAN SELECT max(day) FROM articles"))
    assert "articles_by_day" in plan and "SCAN articles" not in plan
