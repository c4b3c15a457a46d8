"""How an index is laid out in Chroma: which collections hold what, which chunk collection
an article's chunks go to, and how records are written into metadata and read back.

- `<name>_articles`: one record per committed article, metadata only: its catalogue entry,
  its digest and the generation it was committed in.
- `<name>_contents`: per article, its text and its chunks' spans and float16 vectors (all
  as metadata, with the digest of the version they were made from), so that a replica
  derives its indexes from these two collections alone (index/derived.py) and never opens a
  chunk collection, whose first touch loads its whole HNSW. (Not as a document: Chroma
  indexes every document's trigrams, a third of a write's time.)
- `<name>_removed`: the articles removed, with the generation they were removed in.
- `<name>_chunks_NN`: the chunks (float32 vectors and spans), in BUCKETS collections by a
  hash of their article's id, so that no writer loads an unbounded HNSW: `--shard I/N` with
  N dividing BUCKETS writes BUCKETS/N of them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import numpy as np

from index.articles import date_of
from index.chunking import chunks_at
from index.records import Article, CatalogEntry, Chunk, iso

# Chunk collections of an index (recorded in its articles collection's metadata, so a later
# change of this number leaves existing indexes readable). A million articles make about
# 24M chunks: 1.5M per collection, whose HNSW (about 1.7 KB per vector) a writer holds.
BUCKETS = 16


def article_hash(article_id: str) -> int:
    """A stable hash of an article id: its shard (index/build.py) and its chunk collection."""
    return int.from_bytes(hashlib.sha256(article_id.encode()).digest()[:8], "big")


def bucket_of(article_id: str, buckets: int = BUCKETS) -> int:
    return article_hash(article_id) % buckets


def names(collection: str, buckets: int = BUCKETS) -> tuple[str, str, str, list[str]]:
    """The articles, contents and removed collections' names, and the chunk collections'."""
    return (f"{collection}_articles", f"{collection}_contents", f"{collection}_removed",
            [f"{collection}_chunks_{b:02d}" for b in range(buckets)])


@dataclass(frozen=True)
class Derivable:
    """A committed article with its chunks and their vectors (one float16 row each), as a
    replica reads them to derive its indexes."""

    article: Article
    chunks: list[Chunk]
    vectors: np.ndarray


@dataclass(frozen=True)
class Changes:
    """What was committed or removed in generations after the one asked about."""

    committed: dict[str, CatalogEntry]  # in the order they were committed
    committed_in: dict[str, int]  # the generation each was committed in
    removed: set[str]  # and not committed again since
    newest: int  # the latest generation among them (0 when there are none)
    created: str  # when the store was made (a rebuilt store is a new one)


def contents_metadata(article: Article, chunks: list[Chunk], vectors: np.ndarray) -> dict:
    rows = np.asarray(vectors, np.float16).reshape(len(chunks), -1)
    return {"digest": article.digest, "text": article.text,
            "spans": ",".join(f"{c.start}:{c.end}" for c in chunks),
            "vectors": base64.b64encode(rows.tobytes()).decode("ascii")}


def committed_article(id_: str, meta: dict, contents: dict | None) -> Article | None:
    """The committed article of catalogue metadata `meta`, with the text of `contents` when
    it is of this version of it (not while a build is rewriting it)."""
    if not contents or contents.get("digest") != meta.get("digest"):
        return None
    return stored_article(id_, meta, contents["text"])


def derivable(article: Article, contents: dict) -> Derivable:
    """The article with the chunks and vectors of its `contents`."""
    spans = [tuple(map(int, s.split(":"))) for s in contents["spans"].split(",") if s]
    chunks = chunks_at(article, spans)
    vectors = np.frombuffer(base64.b64decode(contents["vectors"]), np.float16)
    return Derivable(article, chunks, vectors.reshape(len(chunks), -1) if chunks
                     else np.zeros((0, 0), np.float16))


def article_metadata(a: Article, generation: int) -> dict:
    return {"title": a.title, "date": iso(a.date) or "", "source": a.source or "",
            "url": a.url or "", "path": a.path, "digest": a.digest, "generation": generation}


def chunk_metadata(c: Chunk, day: int) -> dict:
    """A chunk's article, span and day. Not its text: that is its article's at the span
    (Chroma indexes every metadata string, and the texts made a third of a write)."""
    return {"article_id": c.article_id, "start": c.start, "end": c.end, "day": day}


def stored_chunk(id_: str, meta: dict, article: Article | None) -> Chunk:
    start, end = int(meta["start"]), int(meta["end"])
    return Chunk(id=id_, article_id=meta["article_id"], start=start, end=end,
                 text=article.text[start:end] if article else "")


def stored_article(id_: str, meta: dict, text: str) -> Article:
    return Article(id=id_, title=meta.get("title", ""), date=date_of(meta.get("date")),
                   source=meta.get("source") or None, url=meta.get("url") or None,
                   path=meta.get("path", ""), text=text)


def catalog_entry(id_: str, meta: dict) -> CatalogEntry:
    return CatalogEntry(id=id_, title=meta.get("title", ""), date=date_of(meta.get("date")),
                        source=meta.get("source") or None, url=meta.get("url") or None,
                        path=meta.get("path", ""), digest=meta.get("digest", ""))
