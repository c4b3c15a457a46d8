"""The memory-mapped vector index: exact where small, a rescored int8 graph where large,
removed chunks dropped by compaction, and a write cut short by kill -9 mended."""

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from index import vectors as vectors_module
from index.vectors import VectorIndex


def unit(n, dim=16, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact(x, keys, q, n):
    scores = x.astype(np.float16).astype(np.float32) @ q
    return [int(keys[i]) for i in np.argsort(-scores)[:n]]


def everything_alive(index):
    alive: set[int] = set()

    def lookup(lo, hi):
        return np.array(sorted(k for k in alive if lo <= k <= hi), np.uint64)

    return alive, lookup


def test_small_segments_are_searched_exactly_and_survive_a_reopen(tmp_path):
    x = unit(300)
    index = VectorIndex(tmp_path / "v")
    alive, lookup = everything_alive(index)
    keys = np.arange(300, dtype=np.uint64)
    alive.update(range(300))
    index.write(keys[:200], x[:200], "numpy", lookup)
    index.write(keys[200:], x[200:], "numpy", lookup)
    again = VectorIndex(tmp_path / "v")
    q = x[7]
    assert [k for k, _ in again.search(q, 5)] == exact(x, keys, q, 5)
    assert again.search(q, 1)[0][1] == pytest.approx(1.0, abs=1e-3)
    assert again.embedder == "numpy" and again.next_key == 300
    # Only among given keys: exact over those.
    some = np.array([3, 50, 250, 299], np.uint64)
    assert [k for k, _ in again.search(q, 10, some)] == exact(x[some.astype(int)], some, q, 10)


def test_segments_merge_geometrically_and_drop_removed_chunks(tmp_path):
    x = unit(1000, seed=1)
    index = VectorIndex(tmp_path / "v")
    alive, lookup = everything_alive(index)
    start = 0
    for size in (512, 8, 8, 8, 8, 64, 8, 384):
        keys = np.arange(start, start + size, dtype=np.uint64)
        alive.update(range(start, start + size))
        index.write(keys, x[start : start + size], "numpy", lookup)
        start += size
        sizes = [len(s.keys) for s in index._segments.values()]
        assert all(b < vectors_module.MERGE_RATIO * a for a, b in zip(sizes, sizes[1:],
                                                                      strict=False))
    assert sum(len(s.keys) for s in index._segments.values()) == 1000
    # Remove most of the first segment: a compaction rewrites it without them.
    alive.difference_update(range(0, 500))
    index.write(np.zeros(0, np.uint64), np.zeros((0, 16)), "numpy", lookup)
    held = np.concatenate([np.asarray(s.keys) for s in index._segments.values()])
    assert sorted(held.tolist()) == list(range(500, 1000))
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == sorted(
        [*index._segments, "manifest.json"])  # the old segments' files are gone


def test_a_large_segment_is_searched_through_its_graph_and_rescored(tmp_path, monkeypatch):
    monkeypatch.setattr(vectors_module, "GRAPH_MIN", 1000)
    x = unit(3000, dim=32, seed=2)
    keys = np.arange(10, 3010, dtype=np.uint64)
    index = VectorIndex(tmp_path / "v")
    index.write(keys, x, "numpy", lambda lo, hi: keys[(keys >= lo) & (keys <= hi)])
    (segment,) = index._segments.values()
    assert segment.graph is not None
    queries = unit(50, dim=32, seed=3)
    recall = np.mean([len(set(k for k, _ in index.search(q, 10)) & set(exact(x, keys, q, 10)))
                      / 10 for q in queries])
    assert recall >= 0.95
    found = index.search(queries[0], 10)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    # Scores are exact (float16 vectors), not the graph's int8 distances.
    k, s = found[0]
    assert s == pytest.approx(float(x[k - 10].astype(np.float16).astype(np.float32)
                                    @ queries[0]), abs=1e-5)


def test_a_growing_segment_extends_its_graph_up_to_segment_max(tmp_path, monkeypatch):
    """Parts written one after another: each row is added to a graph once (the newest
    segment's graph is extended, not built again), no segment passes SEGMENT_MAX, and the
    search still finds the exact nearest."""
    from usearch.index import Index

    monkeypatch.setattr(vectors_module, "GRAPH_MIN", 100)
    monkeypatch.setattr(vectors_module, "SEGMENT_MAX", 1000)
    added = []
    add = Index.add
    monkeypatch.setattr(Index, "add", lambda self, keys, vectors, **kw: added.append(len(keys))
                        or add(self, keys, vectors, **kw))
    x = unit(3000, dim=16, seed=4)
    keys = np.arange(3000, dtype=np.uint64)
    index = VectorIndex(tmp_path / "v")
    for start in range(0, 3000, 150):
        index.write(keys[start : start + 150], x[start : start + 150], "numpy",
                    lambda lo, hi: keys[(keys >= lo) & (keys <= hi)])
    sizes = [len(s.keys) for s in index._segments.values()]
    assert sum(sizes) == sum(added) == 3000 and max(sizes) <= 1000 and len(sizes) == 4
    assert all(s.graph is not None for s in index._segments.values())
    queries = unit(30, dim=16, seed=5)
    recall = np.mean([len({k for k, _ in index.search(q, 10)} & set(exact(x, keys, q, 10)))
                      / 10 for q in queries])
    assert recall >= 0.95


@pytest.mark.parametrize("moment", ["segment written", "manifest published"])
def test_a_sync_killed_mid_write_is_mended_by_the_next(tmp_path, embeddings, moment):
    """kill -9 inside the derived index's sync, after a new segment is on disk (not yet
    named by the manifest), or after the manifest names it but before the chunks table
    records its chunks: the next sync answers exactly as a clean index does."""
    from index.build import build
    from index.derived import DerivedIndex
    from index.store import Store
    from tests.conftest import settings_for

    settings = settings_for(tmp_path)
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "one.txt").write_text("date 2023-09-01\nA quokka was seen near the harbour.")
    build([folder], settings, embeddings=embeddings)
    DerivedIndex(Store(settings)).sync()
    (folder / "two.txt").write_text("date 2023-09-02\nA zeppelin landed in Lakehurst.")
    build([folder], settings, embeddings=embeddings)
    patched = ("vectors.VectorIndex._write_segment" if moment == "segment written"
               else "vectors._replace")
    script = textwrap.dedent(f"""
        import os, signal
        from index import vectors
        from index.derived import DerivedIndex
        from index.settings import Settings
        from index.store import Store
        real = {patched}
        def then_die(*args):
            real(*args)
            os.kill(os.getpid(), signal.SIGKILL)
        {patched} = then_die
        DerivedIndex(Store(Settings(index_dir={str(settings.index_dir)!r}))).sync()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(),
                          capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    derived = DerivedIndex(Store(settings))
    derived.sync()
    vector = embeddings.embed_query("airship landing")
    clean = settings_for(tmp_path / "clean")
    build([folder], clean, embeddings=embeddings)
    fresh = DerivedIndex(Store(clean))
    fresh.sync()
    got, want = (
        [(h.chunk.id, round(h.score, 5)) for h in d.nearest(vector, 5)] for d in (derived, fresh))
    assert got == want and len(got) == 2
    names = {p.name for p in derived.vectors.folder.iterdir()}
    assert names == {*derived.vectors.manifest["segments"], "manifest.json"}
    shutil.rmtree(derived.vectors.folder)  # lost altogether: read again from the store
    again = DerivedIndex(Store(settings))
    again.sync()
    assert [(h.chunk.id, round(h.score, 5)) for h in again.nearest(vector, 5)] == want
