"""Incremental (re)build: embed only new or changed articles, drop removed ones."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.articles import scan_articles, warn_skip
from index.embeddings import MiniLMEmbeddings
from index.layout import article_hash
from index.lock import exclusive
from index.records import Article, CatalogEntry, Chunk
from index.settings import Settings
from index.spool import Spool
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
        return self.count == 1 or article_hash(article_id) % self.count == self.number - 1

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

    @property
    def updated(self) -> bool:
        """Whether the index changed (articles new, changed or removed)."""
        return bool(self.new or self.changed or self.removed)

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

    # Files that failed are remembered, so that their articles are kept.
    unreadable: set[str] = set()

    def skip(path: str, reason: str) -> None:
        unreadable.add(path)
        on_skip(path, reason)

    with exclusive(settings, shard), tempfile.TemporaryDirectory() as folder:
        store = Store.reset(settings) if rebuild else Store(settings, create=True)
        store.check_embedder(embeddings.embedder, record=True)
        indexed = store.catalog()
        # 1. Read every article, and spool the new and changed ones (chunked) to disk.
        spool = Spool(Path(folder), store.buckets, settings.chunk_chars)
        loaded = _read(paths, shard, indexed, spool, skip)
        changed = sum(1 for id_ in loaded if id_ in indexed) - (len(loaded) - spool.articles)
        removed = [i.id for i in indexed.values() if i.id not in loaded
                   and _under(i.path, paths) and i.path not in unreadable and shard.owns(i.id)]
        # 2. Embed and write them; 3. forget the articles whose files are gone.
        _embed_and_write(store, spool, settings.batch_chunks, embeddings, embed_text,
                         progress)
        spool.close()
        store.remove(removed)
    return BuildReport(
        new=spool.articles - changed, changed=changed, removed=len(removed),
        unchanged=len(loaded) - spool.articles, chunks=spool.chunks,
        skipped=len(unreadable), seconds=time.perf_counter() - started,
    )


def _read(paths: list[Path], shard: Shard, indexed: dict[str, CatalogEntry], spool: Spool,
          on_skip) -> set[str]:
    """The ids of this shard's articles under `paths`; the new and changed ones spooled."""
    loaded: set[str] = set()
    for article in scan_articles(paths, on_skip=on_skip):
        if shard.owns(article.id):
            loaded.add(article.id)
            if (entry := indexed.get(article.id)) is None or entry.digest != article.digest:
                spool.put(article)
    return loaded


def _embed_and_write(store: Store, spool: Spool, batch_chunks: int,
                     embeddings: MiniLMEmbeddings,
                     embed_text: Callable[[Article, Chunk], str],
                     progress: Progress | None) -> None:
    """Embed and write the spooled articles batch by batch, one chunk collection after
    another (each let go before the next, so a writer holds one HNSW at a time)."""
    done = articles_done = 0
    for bucket in range(store.buckets):
        wrote = False
        for batch in _batches(spool.bucket(bucket), batch_chunks):
            chunks = [c for _, cs in batch for c in cs]
            vectors = embeddings.encode([embed_text(a, c) for a, cs in batch for c in cs])
            _write(store, batch, chunks, vectors)
            done += len(chunks)
            articles_done += len(batch)
            if progress:
                progress(done, spool.chunks, articles_done, spool.articles)
            wrote = True
        if wrote:
            store.release()


def _write(store: Store, batch: list[tuple[Article, list[Chunk]]], chunks: list[Chunk],
           vectors) -> None:
    """One batch: the articles are committed once their chunks are all written."""
    articles = [a for a, _ in batch]
    store.begin(articles)
    store.add_chunks(articles, chunks, vectors)
    store.commit(articles)


def _under(path: str, roots: Sequence[Path]) -> bool:
    file = Path(path)
    return any(file == root.resolve() or root.resolve() in file.parents for root in roots)


def _batches(
    work: Iterable[tuple[Article, list[Chunk]]], size: int
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
