"""Index throughput: `build()` on N articles vs raw encode speed of the model on the same chunks.

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
    args = parser.parse_args()
    go_offline()
    from index.articles import load_articles
    from index.build import build
    from index.chunking import chunk_article
    from index.embeddings import MiniLMEmbeddings

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


if __name__ == "__main__":
    main()
