import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from index.build import build
from index.derived import DerivedIndex
from index.store import Store
from tests.conftest import ROOT, corpus_records, settings_for


def write_corpus(folder, records):
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        (folder / f"{r['doc_id']}.json").write_text(json.dumps(r))


def chunk_ids(settings):
    return sorted(c.id for c in Store(settings).all_chunks())


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "articles"
    write_corpus(folder, corpus_records(5, start=200))
    return folder


def test_incremental_build_counts_new_unchanged_changed_removed(tmp_path, corpus, embeddings,
                                                                backend):
    settings = backend(tmp_path)
    before = embeddings.calls
    first = build([corpus], settings, embeddings=embeddings)
    assert (first.new, first.changed, first.removed, first.unchanged) == (5, 0, 0, 0)
    assert embeddings.calls - before == first.chunks == len(chunk_ids(settings))

    before = embeddings.calls
    again = build([corpus], settings, embeddings=embeddings)
    assert (again.new, again.changed, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert embeddings.calls == before  # nothing re-embedded
    assert re.fullmatch(
        r"indexed: 0 new, 0 changed, 0 removed, 5 unchanged articles \(0 chunks\) in \d+\.\d s",
        again.line())

    files = sorted(corpus.iterdir())
    record = json.loads(files[0].read_text())
    record["text"] += "\n\nA correction was appended to this story on Friday."
    files[0].write_text(json.dumps(record))
    files[1].unlink()
    before = embeddings.calls
    third = build([corpus], settings, embeddings=embeddings)
    assert (third.new, third.changed, third.removed, third.unchanged) == (0, 1, 1, 3)
    assert embeddings.calls - before == third.chunks  # only the changed article's chunks

    store = Store(settings)
    indexed = store.catalog()
    assert set(indexed) == {json.loads(f.read_text())["doc_id"] for f in files[:1] + files[2:]}
    chunks = store.all_chunks()
    assert {c.article_id for c in chunks} == set(indexed)
    changed = [c for c in chunks if c.article_id == record["doc_id"]]
    assert any("A correction was appended" in c.text for c in changed)
    assert len(chunks) == len({c.id for c in chunks})


def test_an_unreadable_file_keeps_its_indexed_articles(tmp_path, corpus, embeddings, backend):
    settings = backend(tmp_path)
    build([corpus], settings, embeddings=embeddings)
    victim = sorted(corpus.iterdir())[0]
    victim.write_text("{ not json any more")
    skipped = []
    report = build([corpus], settings, embeddings=embeddings,
                   on_skip=lambda path, reason: skipped.append(path))
    assert skipped == [str(victim)]
    assert (report.removed, report.unchanged) == (0, 4)
    assert len(Store(settings).catalog()) == 5


def test_removal_is_limited_to_the_given_paths(tmp_path, embeddings):
    settings = settings_for(tmp_path)
    write_corpus(tmp_path / "a", corpus_records(2, start=300))
    write_corpus(tmp_path / "b", corpus_records(2, start=310))
    build([tmp_path / "a", tmp_path / "b"], settings, embeddings=embeddings)
    report = build([tmp_path / "a"], settings, embeddings=embeddings)
    assert (report.removed, report.unchanged) == (0, 2)
    assert len(Store(settings).catalog()) == 4


def test_rebuild_starts_over_with_the_same_chunk_ids(tmp_path, corpus, embeddings, backend):
    settings = backend(tmp_path)
    build([corpus], settings, embeddings=embeddings)
    ids = chunk_ids(settings)
    report = build([corpus], settings, embeddings=embeddings, rebuild=True)
    assert report.new == 5 and chunk_ids(settings) == ids


def test_kill_9_in_the_middle_of_a_build_then_rerun_ends_consistent(tmp_path, embeddings):
    corpus = tmp_path / "articles"
    write_corpus(corpus, corpus_records(40, start=400))
    env = {**os.environ, "NEWSQA_INDEX_DIR": str(tmp_path / "index"), "NEWSQA_BATCH_CHUNKS": "8"}
    terminal, tty = pty.openpty()  # a terminal, so that the progress bar is drawn
    fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 120 columns
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "index", str(corpus)], cwd=ROOT, env=env,
        stderr=tty, stdout=subprocess.DEVNULL,
    )
    os.close(tty)
    # Wait until some chunks are written (the progress bar counts them), then kill -9.
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen += os.read(terminal, 4096)
        done = [int(n) for n in re.findall(rb"\| *(\d+)/\d+ ", seen)]
        if done and max(done) >= 24:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    os.close(terminal)

    settings = settings_for(tmp_path)
    committed = [i for i in Store(settings).catalog().values() if i.digest]
    assert 0 < len(committed) < 40, "the kill should land mid-build"
    midway = DerivedIndex(Store(settings))
    midway.sync()  # as a chat would, reading the half-built index

    report = build([corpus], settings, embeddings=embeddings)
    assert report.unchanged == len(committed)
    clean = settings_for(tmp_path / "clean")
    build([corpus], clean, embeddings=embeddings)
    assert chunk_ids(settings) == chunk_ids(clean)
    assert {c.article_id for c in Store(settings).all_chunks()} == set(Store(settings).catalog())

    midway.sync()
    fresh = DerivedIndex(Store(clean))
    fresh.sync()
    for query in ["president election vote", "police said on Monday", "company shares fell"]:
        ranked = [sorted((round(h.score, 6), h.chunk.id) for h in keywords.search(query, 10))
                  for keywords in (midway, fresh)]
        assert ranked[0] == ranked[1] != []


def test_reading_every_record_works_past_sqlite_variable_limits(tmp_path):
    import chromadb

    from index.reads import pages

    client = chromadb.PersistentClient(path=str(tmp_path / "many"))
    collection = client.create_collection("many", embedding_function=None)
    for i in range(0, 40_000, 5000):
        collection.add(ids=[str(j) for j in range(i, i + 5000)], embeddings=[[1.0, 0.0]] * 5000,
                       metadatas=[{"n": j} for j in range(i, i + 5000)])
    with pytest.raises(Exception, match="too many SQL variables"):
        collection.get(include=["metadatas"])  # why Store reads page by page
    got = [m["n"] for page in pages(collection, ["metadatas"]) for m in page["metadatas"]]
    assert sorted(got) == list(range(40_000))


def test_an_index_of_the_earlier_layout_is_refused_until_rebuilt(tmp_path, corpus, embeddings):
    import chromadb

    from index.connection import forget_clients
    from index.store import IndexUnavailable

    settings = settings_for(tmp_path / "index")
    client = chromadb.PersistentClient(path=str(settings.index_dir))
    client.create_collection(settings.collection, embedding_function=None).add(
        ids=["c1"], embeddings=[[1.0, 0.0]], metadatas=[{"article_id": "a", "text": "x"}])
    client.create_collection(f"{settings.collection}_articles", embedding_function=None,
                             metadata={"embedder": "torch"}).add(
        ids=["a"], embeddings=[[1.0]], documents=["x"], metadatas=[{"digest": "d"}])
    del client
    forget_clients()
    for open_it in (lambda: Store(settings).catalog(),
                    lambda: build([corpus], settings, embeddings=embeddings)):
        with pytest.raises(IndexUnavailable, match=r"built by an earlier newsqa\. Run "
                                                   r"`newsqa index --rebuild`"):
            open_it()
    report = build([corpus], settings, rebuild=True, embeddings=embeddings)
    assert report.new == len(Store(settings).catalog()) == 5
    assert "a" not in Store(settings).catalog()


def test_every_record_is_read_a_page_at_a_time(tmp_path, corpus, embeddings, monkeypatch):
    import index.reads
    import index.store

    settings = settings_for(tmp_path)
    report = build([corpus], settings, embeddings=embeddings)
    monkeypatch.setattr(index.reads, "PAGE", 3)
    sizes = []
    original = index.store.pages
    monkeypatch.setattr(index.store, "pages", lambda *a: (
        sizes.append(len(page["ids"])) or page for page in original(*a)))
    ids = [c.id for c in Store(settings).all_chunks()]
    assert len(ids) == len(set(ids)) == report.chunks and max(sizes) == 3
    sizes.clear()
    assert len(Store(settings).catalog()) == 5 and sizes == [3, 2]  # articles paged the same way
