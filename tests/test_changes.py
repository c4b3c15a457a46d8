"""How the store is laid out and followed: chunks in bucket collections by a hash of their
article, each writer on one bucket at a time, and replicas that read only the articles
committed or removed since they last looked (by generation), never a chunk collection."""

import itertools

import pytest

from index.build import Shard, build
from index.derived import DerivedIndex
from index.layout import BUCKETS, bucket_of, names
from index.records import Article
from index.settings import Settings
from index.store import Store


def folder_of(tmp_path, count, start=0):
    folder = tmp_path / "wire"
    folder.mkdir(exist_ok=True)
    for n in range(start, start + count):
        (folder / f"{n}.txt").write_text(
            f"date 2023-09-{n % 28 + 1:02d}\nHarbour report {n}: the pilot boat "
            f"Number{n} was moved to berth {n}.")
    return folder


def built_and_synced(tmp_path, settings, embeddings, count):
    """`count` articles built into the index of `settings`, and a replica synced to them."""
    folder = folder_of(tmp_path, count)
    build([folder], settings, embeddings=embeddings)
    derived = DerivedIndex(Store(settings))
    derived.sync()
    return folder, derived


def chunk_buckets(store):
    """The bucket collection each chunk sits in, by chunk id."""
    client = store._client
    present = {c.name if hasattr(c, "name") else c for c in client.list_collections()}
    found = {}
    for bucket, name in enumerate(names(store.settings.collection)[3]):
        if name in present:
            got = client.get_collection(name).get(include=["metadatas"])
            found.update((id_, (bucket, meta["article_id"]))
                         for id_, meta in zip(got["ids"], got["metadatas"], strict=True))
    return found


def test_chunks_sit_in_their_articles_bucket_and_a_shard_writes_only_its_own(
        tmp_path, backend, embeddings, monkeypatch):
    settings = backend(tmp_path)
    folder = folder_of(tmp_path, 24)
    touched = []
    original = Store._chunks
    monkeypatch.setattr(Store, "_chunks", lambda self, b: touched.append(b) or original(self, b))
    build([folder], settings, embeddings=embeddings, shard=Shard(1, 2))
    assert touched and all(b % 2 == 0 for b in touched)  # 2 divides BUCKETS: half of them
    build([folder], settings, embeddings=embeddings, shard=Shard(2, 2))
    placed = chunk_buckets(Store(settings))
    assert len({a for _, a in placed.values()}) == 24
    assert all(bucket == bucket_of(article) for bucket, article in placed.values())
    assert len({bucket for bucket, _ in placed.values()}) > 8


def test_a_whole_build_holds_one_chunk_collection_at_a_time(tmp_path, embeddings,
                                                             monkeypatch):
    from tests.conftest import settings_for

    settings = settings_for(tmp_path, batch_chunks=1)  # a batch per article
    folder = folder_of(tmp_path, 24)
    events = []
    monkeypatch.setattr(Store, "release", lambda self: events.append("release") or
                        self._chunk_collections.clear())
    original = Store._chunks
    monkeypatch.setattr(Store, "_chunks", lambda self, b: events.append(b) or original(self, b))
    build([folder], settings, embeddings=embeddings)
    held = [set()]  # the buckets written before each release
    for event in events:
        if event == "release":
            held.append(set())
        else:
            held[-1].add(event)
    written = [h for h in held if h]
    assert all(len(h) == 1 for h in written) and len(written) == len(set().union(*written)) > 8


def test_a_sync_reads_what_changed_since_and_nothing_else(tmp_path, backend, embeddings,
                                                          monkeypatch):
    settings = backend(tmp_path)
    folder, derived = built_and_synced(tmp_path, settings, embeddings, 6)
    (folder / "2.txt").unlink()
    (folder / "3.txt").write_text("date 2023-10-01\nA zeppelin landed at berth 3.")
    folder_of(tmp_path, 1, start=6)
    build([folder], settings, embeddings=embeddings)
    read = []
    original = Store.derivable
    with monkeypatch.context() as m:
        m.setattr(Store, "derivable", lambda self, ids: read.extend(ids) or original(self, ids))
        m.setattr(Store, "catalog", lambda self: pytest.fail("read the whole catalogue"))
        m.setattr(Store, "_chunks", lambda self, b: pytest.fail("opened a chunk collection"))
        derived.sync()
    assert sorted(read) == ["wire/3.txt", "wire/6.txt"]
    assert {h.chunk.article_id for h in derived.search("zeppelin Number6 Number2", 5)} == {
        "wire/3.txt", "wire/6.txt"}
    assert sorted(derived.articles([f"wire/{n}.txt" for n in range(7)])) == [
        f"wire/{n}.txt" for n in (0, 1, 3, 4, 5, 6)]


def test_a_commit_stamped_behind_the_newest_seen_still_reaches_a_replica(
        tmp_path, embeddings, monkeypatch):
    """A writer whose clock lags (or whose commit lands late) stamps an older generation
    than one a replica has already read past: the overlap reads it anyway."""
    import index.derived
    import index.store
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder = folder_of(tmp_path, 2)
    build([folder], settings, embeddings=embeddings)
    newest = Store(settings).changes(0).newest
    overlap = index.derived.OVERLAP_NS
    replicas = {kept: DerivedIndex(Store(settings), tmp_path / f"d{kept}.sqlite3")
                for kept in (overlap, 0)}
    for replica in replicas.values():
        replica.sync()
    clock = itertools.count(newest - overlap // 2)
    with monkeypatch.context() as m:
        m.setattr(index.store.time, "time_ns", lambda: next(clock))
        folder_of(tmp_path, 1, start=2)
        build([folder], settings, embeddings=embeddings)
    found = {}
    for kept, replica in replicas.items():
        monkeypatch.setattr(index.derived, "OVERLAP_NS", kept)
        replica.sync()
        found[kept] = sorted(replica.articles([f"wire/{n}.txt" for n in range(3)]))
    assert found == {overlap: ["wire/0.txt", "wire/1.txt", "wire/2.txt"],
                     0: ["wire/0.txt", "wire/1.txt"]}


def test_a_catch_up_cut_short_resumes_after_its_last_committed_part(tmp_path, embeddings,
                                                                      monkeypatch):
    """A replica's catch-up commits COMMIT_ARTICLES articles at a time: stopped after two of
    its parts, the next sync reads only the articles those parts did not bring in."""
    import index.derived
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    build([folder_of(tmp_path, 6)], settings, embeddings=embeddings)
    monkeypatch.setattr(index.derived, "COMMIT_ARTICLES", 2)
    applied, read = [], []
    apply, derivable = DerivedIndex._apply, Store.derivable

    class Stopped(Exception):
        pass

    def cut_short(self, removed, todo, have, clear=False):
        if len(applied) == 3:  # the removals (none), then two parts of two articles
            raise Stopped
        applied.append(todo)
        apply(self, removed, todo, have, clear)

    with monkeypatch.context() as m:
        m.setattr(DerivedIndex, "_apply", cut_short)
        with pytest.raises(Stopped):
            DerivedIndex(Store(settings)).sync()
    done = sorted(itertools.chain(*applied))
    assert len(done) == 4
    monkeypatch.setattr(Store, "derivable", lambda self, ids: read.extend(ids) or derivable(
        self, ids))
    derived = DerivedIndex(Store(settings))
    derived.sync()
    everything = [f"wire/{n}.txt" for n in range(6)]
    assert sorted(read) == sorted(set(everything) - set(done))
    assert sorted(derived.articles(everything)) == everything
    assert derived.terms.count == derived.vectors.next_key == sum(
        len(derived.search(f"Number{n}", 1)) for n in range(6)) == 6


def test_a_rebuilt_store_is_derived_again_from_scratch(tmp_path, embeddings):
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder, derived = built_and_synced(tmp_path, settings, embeddings, 3)
    (folder / "1.txt").unlink()
    build([folder], settings, embeddings=embeddings, rebuild=True)  # no record of removals
    derived.sync()
    assert sorted(derived.articles([f"wire/{n}.txt" for n in range(3)])) == [
        "wire/0.txt", "wire/2.txt"]
    assert derived.search("Number1", 3) == []


def test_an_article_being_rewritten_is_served_as_committed_or_not_at_all(tmp_path, embeddings):
    """Between a build's chunks and its commit, a replica's sync skips the article (its
    committed text and its new vectors disagree), and takes it up after the commit."""
    from index.chunking import chunk_article
    from index.records import Article
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    build([folder_of(tmp_path, 2)], settings, embeddings=embeddings)
    store = Store(settings, create=True)
    old = store.article("wire/1.txt")
    new = Article(**{**old.__dict__, "text": "A zeppelin landed at berth 1."})
    store.begin([new])
    chunks = chunk_article(new)
    store.add_chunks([new], chunks, embeddings.encode([c.text for c in chunks]))
    assert [d.article.id for d in store.derivable(["wire/0.txt", "wire/1.txt"])] == [
        "wire/0.txt"]
    derived = DerivedIndex(Store(settings))
    derived.sync()
    assert sorted(derived.articles(["wire/0.txt", "wire/1.txt"])) == ["wire/0.txt"]
    store.commit([new])
    derived.sync()
    assert derived.articles(["wire/1.txt"])["wire/1.txt"].text == new.text
    assert [h.chunk.article_id for h in derived.search("zeppelin", 3)] == ["wire/1.txt"]
    assert BUCKETS == Store(settings).buckets


def test_a_server_reaches_chroma_before_the_first_question_after_a_build(seed_index):
    """A cold ask never imports Chroma; a server does so in the background at start, so
    the first question after a build does not wait for it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    DerivedIndex(Store(seed_index)).sync()  # (what a first question would do)
    script = f"""
import sys, threading
from pathlib import Path
from index.settings import Settings
from qa.pipeline import pipeline, ready_in_background
settings = Settings(index_dir=Path({str(seed_index.index_dir)!r}))
pipeline(settings)
print("chromadb" in sys.modules)
ready_in_background(settings)
[t.join(120) for t in threading.enumerate() if t.name == "newsqa-ready"]
print("chromadb" in sys.modules, "_collections" in pipeline(settings).retriever.store.__dict__)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.stdout.split() == ["False", "True", "True"], done.stderr


def test_a_replica_reads_the_changes_of_a_store_past_sqlites_limit_on_variables(tmp_path):
    """More committed articles than one SQLite statement takes variables (32,766): a new
    replica's first read of them, and a later read of one removal."""
    store = Store(Settings(index_dir=tmp_path), create=True)
    articles = [Article(id=f"wire/{n}", title="", date=None, source=None, url=None,
                        path=f"wire/{n}", text="x") for n in range(33_000)]
    for start in range(0, len(articles), 5000):
        store.commit(articles[start : start + 5000])
    first = store.changes(0)
    assert len(first.committed) == 33_000 and not first.removed
    store.remove(["wire/5"])
    later = store.changes(first.newest)
    assert (later.committed, later.removed) == ({}, {"wire/5"})
