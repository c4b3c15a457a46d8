"""The dense side of retrieval, on disk and memory-mapped: the store's chunk vectors in
immutable segments, so a serving process reads only the pages a question touches and never
loads a whole HNSW graph (Chroma's first touch of a collection does).

A segment is a folder of its chunk keys (uint64, ascending), their vectors as float16 and,
from GRAPH_MIN vectors up, a usearch int8 HNSW graph opened as a view. A question's
candidates come from the graph, over-fetched, and are rescored exactly on the float16
vectors; a smaller segment (the newest articles, typically) is scanned exactly. A manifest
names the segments, the embedder and the dimension; a segment is written to a temporary
folder and renamed, then the manifest likewise, so a reader sees the old set or the new one.

Which keys are alive is the caller's (index/keywords.py's chunks table): a removed chunk's
vector stays in its segment as a tombstone until a compaction drops it."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Segments smaller than this are scanned exactly rather than given a graph (a scan of 32k
# float16 vectors costs ~10 ms; a graph costs ~1 s per 1,000 vectors to build here).
GRAPH_MIN = 32_768
# Graph candidates per wanted result, rescored exactly (int8 distances are approximate).
OVERFETCH = 4
# usearch HNSW parameters: links per node, and the breadth of the search while building
# and while querying (recall@10 after rescoring is measured by bench/vectors.py).
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128
# Rows converted from float16 at a time during an exact scan.
SCAN_BLOCK = 16_384
# A segment whose share of removed chunks exceeds this is rewritten without them.
DEAD_MAX = 0.25
# Two neighbouring segments are merged when the newer holds at least this share of the
# older, or has enough rows for a graph: segments grow geometrically, so there are about
# log2(N) of them below SEGMENT_MAX.
MERGE_RATIO = 0.5
# Merging stops at this many rows: a segment's graph is extended in memory (about 550 bytes
# a row: int8 vectors and links), so a sync never holds more than ~1.2 GB of graph, and a
# million articles (~24M chunks) make about a dozen segments.
SEGMENT_MAX = 1 << 21
# Rows copied, and converted to float32 for the graph, at a time while a segment is written.
GRAPH_BLOCK = 65_536
MANIFEST = "manifest.json"

Alive = Callable[[int, int], np.ndarray]  # keys in [lo, hi] still in the index, ascending


@dataclass
class Segment:
    name: str
    keys: np.ndarray  # uint64, ascending
    vectors: np.ndarray  # float16, one row per key
    graph: object | None  # usearch.index.Index, a view of the file
    folder: Path | None = None  # None: not written yet

    @classmethod
    def open(cls, folder: Path) -> Segment:
        keys = np.load(folder / "keys.npy", mmap_mode="r")
        vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        graph = None
        if (folder / "graph.usearch").exists():
            from usearch.index import Index

            graph = Index.restore(str(folder / "graph.usearch"), view=True)
            graph.expansion_search = EXPANSION_SEARCH
        return cls(folder.name, keys, vectors, graph, folder)

    @property
    def span(self) -> tuple[int, int]:
        return int(self.keys[0]), int(self.keys[-1])

    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The n nearest keys and their cosine similarities, best first."""
        if self.graph is None:
            return self.scan(query, n)
        found = self.graph.search(query, min(n * OVERFETCH, len(self.keys)))
        rows = np.searchsorted(self.keys, np.asarray(found.keys, dtype=np.uint64))
        return _best(self.keys[rows], _scores(self.vectors, rows, query), n)

    def scan(self, query: np.ndarray, n: int, rows: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
        """Exact search over every row, or over `rows`."""
        if rows is None:
            scores = [self.vectors[i : i + SCAN_BLOCK].astype(np.float32) @ query
                      for i in range(0, len(self.keys), SCAN_BLOCK)]
            return _best(np.asarray(self.keys), np.concatenate([np.zeros(0, np.float32),
                                                                *scores]), n)
        return _best(self.keys[rows], _scores(self.vectors, rows, query), n)

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """The rows of those of `keys` (ascending) that this segment holds."""
        rows = np.searchsorted(self.keys, keys)
        inside = rows < len(self.keys)
        rows = rows[inside]
        return rows[self.keys[rows] == keys[inside]]


def _scores(vectors: np.ndarray, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    order = np.argsort(rows)  # memory-mapped rows read in file order
    scores = np.empty(len(rows), np.float32)
    scores[order] = vectors[rows[order]].astype(np.float32) @ query
    return scores


def _best(keys: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if len(scores) > n:
        top = np.argpartition(-scores, n)[:n]
        keys, scores = keys[top], scores[top]
    order = np.argsort(-scores, kind="stable")
    return np.asarray(keys[order], dtype=np.uint64), scores[order]


class VectorIndex:
    """The segments listed by the folder's manifest. Readers call reload() after the
    caller's sync; one writer at a time (the caller's lock) calls write()."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._segments: dict[str, Segment] = {}
        self.manifest: dict = {}
        self.reload()

    # -- reading ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Open the segments the manifest now names (those already open are kept)."""
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text())
            segments = {name: self._segments.get(name) or Segment.open(self.folder / name)
                        for name in manifest["segments"]}
        except (OSError, ValueError, KeyError, RuntimeError):
            manifest, segments = {}, {}  # none, or unreadable: derived, so written again
        with self._lock:
            self.manifest, self._segments = manifest, segments

    @property
    def embedder(self) -> str | None:
        return self.manifest.get("embedder")

    @property
    def next_key(self) -> int:
        """Every key this index holds is below it (also those of removed chunks)."""
        return int(self.manifest.get("next_key", 0))

    @property
    def readable(self) -> bool:
        return bool(self.manifest)

    def search(self, query: Sequence[float], n: int, keys: np.ndarray | None = None
               ) -> list[tuple[int, float]]:
        """The n nearest keys with their cosine similarity, best first, among all (removed
        ones included: the caller drops those) or only among `keys`, exactly."""
        q = np.asarray(query, dtype=np.float32)
        with self._lock:
            segments = list(self._segments.values())
        if keys is not None:
            keys = np.unique(np.asarray(keys, dtype=np.uint64))
            parts = [s.scan(q, n, s.rows_of(keys)) for s in segments]
        else:
            parts = [s.search(q, n) for s in segments]
        if not parts:
            return []
        found, scores = _best(np.concatenate([p[0] for p in parts]),
                              np.concatenate([p[1] for p in parts]), n)
        return [(int(k), float(s)) for k, s in zip(found, scores, strict=True)]

    # -- writing ------------------------------------------------------------------------------
    def write(self, keys: np.ndarray, vectors: np.ndarray, embedder: str | None,
              alive: Alive) -> None:
        """Add these keys (above every present key) and vectors, compact, and publish the
        new manifest. `alive(lo, hi)`: the keys in that range not removed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        segments = [self._segments[n] for n in self.manifest.get("segments", [])
                    if n in self._segments]
        next_key = self.next_key
        if len(keys):
            next_key = max(next_key, int(keys[-1]) + 1)
            segments.append(Segment("", np.asarray(keys, np.uint64), vectors, None))  # unwritten
        segments = self._compact(segments, alive)
        dim = vectors.shape[1] if len(keys) else self.manifest.get("dim")
        manifest = {"version": 1, "embedder": embedder, "dim": dim, "next_key": next_key,
                    "segments": [s.name for s in segments]}
        _replace(self.folder / MANIFEST, json.dumps(manifest, indent=1))
        self.reload()
        self._sweep()

    def clear(self) -> None:
        """Forget every segment (the caller is about to write everything again)."""
        self.manifest = {**self.manifest, "segments": []}
        self._segments = {}

    def _compact(self, segments: list[Segment], alive: Alive) -> list[Segment]:
        """Neighbours grouped by MERGE_RATIO up to SEGMENT_MAX rows, each group written once."""
        groups: list[list[tuple[Segment, np.ndarray]]] = []
        for s in segments:
            live = alive(*s.span)
            if len(live):
                groups.append([(s, live)])
            while len(groups) > 1 and _mergeable(*map(_rows, groups[-2:])):
                groups[-2:] = [groups[-2] + groups[-1]]
        return [self._write_group(g) for g in groups]

    def _write_group(self, group: list[tuple[Segment, np.ndarray]]) -> Segment:
        """One segment of the group's live rows. A first member whose graph is kept (few of
        its rows removed) is extended by the others' rows: its removed ones stay as
        tombstones, and no row of it is added to a graph again."""
        (first, live), rest = group[0], group[1:]
        whole = len(live) >= (1 - DEAD_MAX) * len(first.keys)
        if not rest and whole and first.name in self._segments:
            return first  # unchanged
        base = first if whole and first.graph is not None else None
        pieces = [(s, None if s is base else s.rows_of(live)) for s, live in group]
        return self._write_segment(pieces, base)

    def _write_segment(self, pieces: list[tuple[Segment, np.ndarray | None]],
                       base: Segment | None) -> Segment:
        """A segment of these segments' rows (None: all), in order; its graph is `base`'s
        extended by the rows after base's, or built anew."""
        keys = np.concatenate([s.keys if rows is None else s.keys[rows] for s, rows in pieces])
        name = f"seg-{int(keys[0]):012d}-{int(keys[-1]):012d}-{len(keys)}"
        if name in self._segments:
            return self._segments[name]
        final = self.folder / name
        shutil.rmtree(final, ignore_errors=True)  # left by a write that was cut short
        temporary = self.folder / f".{name}.tmp"
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        np.save(temporary / "keys.npy", keys)
        vectors = np.lib.format.open_memmap(temporary / "vectors.npy", "w+", np.float16,
                                            (len(keys), pieces[0][0].vectors.shape[1]))
        at = 0
        for s, rows in pieces:
            n = len(s.keys) if rows is None else len(rows)
            for i in range(0, n, GRAPH_BLOCK):
                block = s.vectors[i : i + GRAPH_BLOCK] if rows is None else s.vectors[
                    rows[i : i + GRAPH_BLOCK]]
                vectors[at + i : at + i + len(block)] = block
            at += n
        vectors.flush()
        if len(keys) >= GRAPH_MIN:
            graph, start = _graph(base, vectors.shape[1])
            for i in range(start, len(keys), GRAPH_BLOCK):
                graph.add(keys[i : i + GRAPH_BLOCK],
                          np.asarray(vectors[i : i + GRAPH_BLOCK], np.float32))
            graph.save(str(temporary / "graph.usearch"))
        del vectors
        os.replace(temporary, final)
        return Segment.open(final)

    def _sweep(self) -> None:
        """Remove segments the manifest no longer names, and unfinished ones (a reader that
        still maps one keeps its pages until it reloads)."""
        named = set(self.manifest.get("segments", []))
        for path in self.folder.iterdir():
            if path.is_dir() and path.name not in named:
                shutil.rmtree(path, ignore_errors=True)


def _rows(group: list[tuple[Segment, np.ndarray]]) -> int:
    return sum(len(live) for _, live in group)


def _mergeable(older: int, newer: int) -> bool:
    return older + newer <= SEGMENT_MAX and (newer >= MERGE_RATIO * older or newer >= GRAPH_MIN)


def _graph(base: Segment | None, dim: int):
    """A graph to add rows to, and how many rows it holds: a copy in memory of base's, or
    a new one."""
    from usearch.index import Index

    if base is not None:
        graph = Index.restore(str(base.folder / "graph.usearch"))
        graph.expansion_add = EXPANSION_ADD
        return graph, len(base.keys)
    return Index(ndim=dim, metric="cos", dtype="i8", connectivity=CONNECTIVITY,
                 expansion_add=EXPANSION_ADD), 0


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
