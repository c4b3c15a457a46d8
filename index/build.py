"""Incremental (re)build: embed only new or changed articles, drop removed ones."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.articles import load_articles, warn_skip
from index.chunking import chunk_article
from index.embeddings import MiniLMEmbeddings
from index.lock import exclusive
from index.records import Article, Chunk
from index.settings import Settings
from index.store import Store

Progress = Callable[[int, int, int, int], None]  # chunks done, to do; articles done, to do


@dataclass(frozen=True)
class Shard:
    """A stable share of the articles, by a hash of their ids: shard `number` of `count`
    (1-based), so that `count` indexers can build one index together."""

    number: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            number, count = (int(part) for part in text.split("/"))
        except ValueError:
            number = count = 0
        if not 1 <= number <= count:
            raise ValueError(f"--shard must look like 1/4 (shard 1 of 4), not {text!r}.")
        return cls(number, count)

    def owns(self, article_id: str) -> bool:
        if self.count == 1:
            return True
        digest = hashlib.sha256(article_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.number - 1

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


WHOLE = Shard()


@dataclass(frozen=True)
class BuildReport:
    new: int
    changed: int
    removed: int
    unchanged: int
    chunks: int  # chunks embedded in this run
    skipped: int  # files (or lines) that could not be read
    seconds: float

    def line(self) -> str:
        return (
            f"indexed: {self.new} new, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged articles ({self.chunks} chunks) in {self.seconds:.1f} s"
        )


def build(
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    rebuild: bool = False,
    embeddings: MiniLMEmbeddings | None = None,
    progress: Progress | None = None,
    on_skip=warn_skip,
    embed_text: Callable[[Article, Chunk], str] = lambda article, chunk: chunk.text,
    shard: Shard = WHOLE,
) -> BuildReport:
    """Bring the index in line with the articles under `paths`. `embed_text` is what the
    model sees of a chunk (the stored text is always the chunk's own). With a `shard`, only
    its share of the articles is added, changed or removed: its indexers can run at once."""
    settings = settings or Settings()
    if rebuild and shard != WHOLE:
        raise ValueError("--rebuild starts the whole index over: run it once without --shard, "
                         "then the shards.")
    embeddings = embeddings or MiniLMEmbeddings(threads=settings.threads,
                                                embedder=settings.embedder)
    started = time.perf_counter()
    paths = [Path(p) for p in paths]

    # 1. Load every readable article; remember files that failed so their articles are kept.
    unreadable: set[str] = set()

    def skip(path: str, reason: str) -> None:
        unreadable.add(path)
        on_skip(path, reason)

    articles = [a for a in load_articles(paths, on_skip=skip) if shard.owns(a.id)]
    with exclusive(settings, shard):
        # 2. Compare with what the store holds.
        store = Store.reset(settings) if rebuild else Store(settings, create=True)
        store.check_embedder(embeddings.embedder, record=True)
        indexed = store.catalog()
        new = [a for a in articles if a.id not in indexed]
        changed = [a for a in articles if a.id in indexed and indexed[a.id].digest != a.digest]
        loaded = {a.id for a in articles}
        removed = [i.id for i in indexed.values() if i.id not in loaded
                   and _under(i.path, paths) and i.path not in unreadable and shard.owns(i.id)]
        # 3. Embed and write the new and changed articles; 4. forget those whose files are gone.
        total = _embed_and_write(store, new + changed, indexed, settings, embeddings,
                                 embed_text, progress)
        store.remove(removed)
    return BuildReport(
        new=len(new), changed=len(changed), removed=len(removed),
        unchanged=len(articles) - len(new) - len(changed), chunks=total,
        skipped=len(unreadable), seconds=time.perf_counter() - started,
    )


def _embed_and_write(store: Store, todo: list[Article], indexed: dict, settings: Settings,
                     embeddings: MiniLMEmbeddings,
                     embed_text: Callable[[Article, Chunk], str],
                     progress: Progress | None) -> int:
    """Chunk, embed and write articles batch by batch; the number of chunks written."""
    work = [(a, chunk_article(a, settings.chunk_chars)) for a in todo]
    total = sum(len(chunks) for _, chunks in work)
    done = articles_done = 0
    for batch in _batches(work, settings.batch_chunks):
        chunks = [c for _, cs in batch for c in cs]
        vectors = embeddings.encode([embed_text(a, c) for a, cs in batch for c in cs])
        _write(store, batch, chunks, vectors, indexed)
        done += len(chunks)
        articles_done += len(batch)
        if progress:
            progress(done, total, articles_done, len(todo))
    return total


def _write(store: Store, batch: list[tuple[Article, list[Chunk]]], chunks: list[Chunk],
           vectors, stored: Container[str]) -> None:
    """One batch, marked in progress until its chunks are all written (see Store.begin)."""
    articles = [a for a, _ in batch]
    store.begin(articles, stored)
    store.add_chunks(chunks, vectors, {a.id: a.date for a in articles})
    store.commit(articles)


def _under(path: str, roots: Sequence[Path]) -> bool:
    file = Path(path)
    return any(file == root.resolve() or root.resolve() in file.parents for root in roots)


def _batches(
    work: list[tuple[Article, list[Chunk]]], size: int
) -> Iterator[list[tuple[Article, list[Chunk]]]]:
    batch: list[tuple[Article, list[Chunk]]] = []
    count = 0
    for article, chunks in work:
        batch.append((article, chunks))
        count += len(chunks)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch
