"""How well the compact vector index finds the nearest chunks, against exact search over the
store's float32 vectors: recall@10 on real vectors (every chunk of an index built with the
real model) for the dev questions and 1,000 corpus sentences as queries. Compared, on the
same vectors and queries: usearch's int8 HNSW graph (index/vectors.py, rescored on float16
vectors, as served) and FAISS IVF-PQ (rescored likewise), with build time, bytes per vector
and query time.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/vectors.py --index-dir /tmp/eval-full \
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from index import vectors as vectors_module
from index.embeddings import MiniLMEmbeddings
from index.reads import pages
from index.settings import Settings
from index.store import Store
from index.vectors import VectorIndex

K = 10
SENTENCES = 1000
PART = 5000  # vectors per write when the graph is extended part by part, as a replica's is


def load(settings: Settings) -> tuple[np.ndarray, list[str]]:
    """Every chunk's float32 vector, as the store's chunk collections hold them, and the
    chunks' texts."""
    store = Store(settings)
    vectors = [np.asarray(page["embeddings"], np.float32).reshape(len(page["ids"]), -1)
               for bucket in range(store.buckets)
               if (collection := store._chunks(bucket)) is not None
               for page in pages(collection, ["embeddings"])]
    return np.concatenate(vectors), [c.text for c in store.all_chunks()]


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return statistics.mean(len(set(f[:K]) & set(t.tolist())) / K
                           for f, t in zip(found, truth, strict=True))


def timed_search(search, queries: np.ndarray) -> tuple[list[list[int]], float]:
    found, times = [], []
    for q in queries:
        start = time.perf_counter()
        found.append(search(q))
        times.append(time.perf_counter() - start)
    return found, 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings(index_dir=args.index_dir)
    x, texts = load(settings)
    n, dim = x.shape
    embeddings = MiniLMEmbeddings(embedder=Store(settings).embedder() or "torch")
    questions = [json.loads(line)["question"] for line in args.questions.open()]
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 40]
    random.Random(0).shuffle(sentences)
    queries = np.asarray(embeddings.embed_documents(questions + sentences[:SENTENCES]),
                         np.float32)
    truth = np.argsort(-(queries @ x.T), axis=1)[:, :K]  # exact, float32
    print(f"{n} chunk vectors of {dim} dimensions ({embeddings.embedder}); "
          f"{len(questions)} questions + {SENTENCES} corpus sentences as queries; recall@{K} "
          "against exact float32 search")

    with tempfile.TemporaryDirectory() as tmp:
        keys = np.arange(n, dtype=np.uint64)
        for graph_min, part, name in (
                (n + 1, n, "exact scan of float16 vectors"),
                (0, n, "usearch int8 HNSW, 4x candidates rescored on float16"),
                (0, PART, f"the same, written {PART:,} vectors at a time (the graph extended)")):
            vectors_module.GRAPH_MIN = graph_min
            start = time.perf_counter()
            index = VectorIndex(Path(tmp) / f"{graph_min}-{part}")
            for at in range(0, n, part):
                index.write(keys[at : at + part], x[at : at + part], embeddings.embedder,
                            lambda lo, hi: keys[lo : hi + 1])
            built = time.perf_counter() - start
            size = sum(p.stat().st_size for p in index.folder.rglob("*") if p.is_file())
            found, ms = timed_search(lambda q, index=index: [k for k, _ in index.search(q, K)],
                                     queries)
            print(f"  {name}: recall@{K} {recall(found, truth):.4f} (questions "
                  f"{recall(found[:len(questions)], truth[:len(questions)]):.4f}); "
                  f"build {built:.1f} s; {size / n:.0f} bytes/vector; query p50 {ms:.2f} ms")
            if graph_min == 0 and part == n:
                (segment,) = index._segments.values()
                raw, _ = timed_search(lambda q, s=segment: [int(k) for k in s.graph.search(
                    q, K).keys], queries)
                print(f"    the graph's own int8 ranking, not rescored: recall@{K} "
                      f"{recall(raw, truth):.4f}")

    import faiss

    faiss.omp_set_num_threads(2)
    lists = int(4 * np.sqrt(n))
    start = time.perf_counter()
    quantizer = faiss.IndexFlatIP(dim)
    ivfpq = faiss.IndexIVFPQ(quantizer, dim, lists, dim // 8, 8, faiss.METRIC_INNER_PRODUCT)
    ivfpq.train(x)
    ivfpq.add(x)
    built = time.perf_counter() - start
    half = x.astype(np.float16)
    for probes in (8, 32):
        ivfpq.nprobe = probes

        def rescored(q, index=ivfpq):
            _, ids = index.search(q[None, :], 4 * K)
            ids = ids[0][ids[0] >= 0]
            scores = half[ids].astype(np.float32) @ q
            return ids[np.argsort(-scores)][:K].tolist()

        found, ms = timed_search(rescored, queries)
        print(f"  FAISS IVF{lists},PQ{dim // 8} nprobe {probes}, 4x candidates rescored on "
              f"float16: recall@{K} {recall(found, truth):.4f}; build {built:.1f} s; "
              f"{dim // 8 + 8} bytes/vector in lists + float16 {2 * dim}; query p50 {ms:.2f} ms")


if __name__ == "__main__":
    main()
