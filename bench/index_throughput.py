"""Index throughput: `build()` on N articles vs raw encode speed of the model on the same
chunks; then each embedder's raw speed on the same chunks against torch float32, in this
process, with how close its vectors stay to float32's.

    python bench/index_throughput.py ../shared/data/realtimeqa-2023/articles.jsonl.gz --limit 500
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import tempfile
import time
from pathlib import Path

from index.settings import Settings, go_offline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--compare-chunks", type=int, default=1000,
                        help="Chunks each embedder encodes in the comparison.")
    args = parser.parse_args()
    go_offline()
    from index.articles import load_articles
    from index.build import build
    from index.chunking import chunk_article
    from index.embeddings import EMBEDDERS, MiniLMEmbeddings

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "articles.jsonl"
        opener = gzip.open if args.articles.endswith(".gz") else open
        with opener(args.articles, "rt") as src:
            corpus.write_text("".join(itertools.islice(src, args.limit)))
        settings = Settings(index_dir=Path(tmp) / "index")
        embeddings = MiniLMEmbeddings(threads=settings.threads)
        embeddings.encode(["warm up"])

        report = build([corpus], settings, embeddings=embeddings)
        print(report.line())

        articles = load_articles([corpus])
        chunks = [c.text for a in articles for c in chunk_article(a, settings.chunk_chars)]
        started = time.perf_counter()
        for i in range(0, len(chunks), settings.batch_chunks):
            embeddings.encode(chunks[i : i + settings.batch_chunks])
        raw = time.perf_counter() - started

        again = build([corpus], settings, embeddings=embeddings)
    pipeline_rate = report.chunks / report.seconds
    raw_rate = len(chunks) / raw
    print(f"articles {report.new}  chunks {report.chunks}")
    print(f"pipeline {pipeline_rate:.1f} chunks/s   raw encode {raw_rate:.1f} chunks/s   "
          f"ratio {pipeline_rate / raw_rate:.2f}")
    print(f"rerun, nothing changed: {again.line()}")
    print(f"embedder used above: {embeddings.embedder}")
    compare(chunks[: args.compare_chunks], settings.batch_chunks, EMBEDDERS, MiniLMEmbeddings)


def compare(chunks: list[str], batch: int, embedders, make) -> None:
    import numpy as np

    rates, vectors = {}, {}
    for name in embedders:
        embeddings = make(embedder=name)
        embeddings.encode(["warm up"])
        started = time.perf_counter()
        vectors[name] = np.concatenate([embeddings.encode(chunks[i : i + batch])
                                        for i in range(0, len(chunks), batch)])
        rates[name] = len(chunks) / (time.perf_counter() - started)
    for name in embedders:
        cosine = np.sum(vectors[name] * vectors["torch"], axis=1)
        print(f"{name:<12} {rates[name]:6.1f} chunks/s  {rates[name] / rates['torch']:.2f}x torch"
              f"  cosine to torch: min {cosine.min():.4f} mean {cosine.mean():.4f}"
              f"  ({len(chunks)} chunks)")


if __name__ == "__main__":
    main()
