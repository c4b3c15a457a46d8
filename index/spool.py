"""Articles waiting to be embedded, kept on disk by chunk collection (index/layout.py) with
their chunks' spans: a build holds one batch of articles in memory, and writes one chunk
collection after another."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from index.articles import date_of
from index.chunking import chunk_article, chunks_at
from index.layout import bucket_of
from index.records import Article, Chunk, iso


class Spool:
    def __init__(self, folder: Path, buckets: int, chunk_chars: int):
        self.folder, self.buckets, self.chunk_chars = folder, buckets, chunk_chars
        self.files = [open(folder / f"{b:02d}.jsonl", "w+") for b in range(buckets)]
        self.articles = self.chunks = 0

    def put(self, article: Article) -> None:
        spans = [(c.start, c.end) for c in chunk_article(article, self.chunk_chars)]
        record = {**article.__dict__, "date": iso(article.date), "spans": spans}
        self.files[bucket_of(article.id, self.buckets)].write(json.dumps(record) + "\n")
        self.articles += 1
        self.chunks += len(spans)

    def bucket(self, bucket: int) -> Iterator[tuple[Article, list[Chunk]]]:
        """The articles of one chunk collection, in the order they were put, with their chunks."""
        file = self.files[bucket]
        file.seek(0)
        for line in file:
            record = json.loads(line)
            spans = record.pop("spans")
            article = Article(**{**record, "date": date_of(record["date"])})
            yield article, chunks_at(article, spans)

    def close(self) -> None:
        for file in self.files:
            file.close()
