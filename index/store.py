"""The Chroma store: articles, their contents (texts, chunk spans and vectors, what a replica
derives its indexes from), their chunks in bucket collections (index/layout.py), in an
embedded index on disk or on a server."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from index.collections import Opened, clear, open_collections
from index.connection import IndexBusy as IndexBusy  # re-exported: raised by index.lock
from index.connection import IndexUnavailable, forget_clients, guarded, refuse_mixed
from index.connection import unavailable as unavailable
from index.connection import where as where
from index.layout import (
    Changes,
    Derivable,
    article_metadata,
    bucket_of,
    catalog_entry,
    chunk_metadata,
    committed_article,
    contents_metadata,
    derivable,
    names,
    stored_chunk,
)
from index.reads import IDS, matching, pages
from index.records import Article, CatalogEntry, Chunk, day_number
from index.settings import Settings
from index.texts import parts

# Beside an embedded index's chroma.sqlite3: the store's generation (Store.generation).
GENERATION_FILE = "generation"

class Store:
    """Chroma's collections for one index (index/layout.py): articles are verified against
    their own text in citations, in either deployment."""

    def __init__(self, settings: Settings, create: bool = False):
        """Chroma is connected to (and imported) at the first use of a collection: a process
        that answers from the derived indexes only reads GENERATION_FILE."""
        self.settings = settings
        self._create = create
        self._chunk_collections: dict[int, object] = {}
        path = Path(settings.index_dir)
        if not create and not settings.chroma_url and not (path / "chroma.sqlite3").exists():
            raise IndexUnavailable(f"There is no index at {path}. Run `newsqa index` to build it.")

    @functools.cached_property
    def _collections(self) -> Opened:
        return open_collections(self.settings, self._create)

    @guarded
    def connect(self) -> None:
        """Reach Chroma now rather than at the first catch-up (a server does this early)."""
        self._collections  # noqa: B018 (opened and kept)

    @property
    def _client(self):
        return self._collections.client

    @property
    def articles(self):
        return self._collections.articles

    def _chunks(self, bucket: int):
        """Chunk collection `bucket` (None while it does not exist and this store only
        reads); its first touch loads its whole HNSW into memory."""
        if bucket not in self._chunk_collections:
            name = names(self.settings.collection)[3][bucket]
            if self._create:
                self._chunk_collections[bucket] = self._client.get_or_create_collection(
                    name, embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}})
            else:
                try:
                    self._chunk_collections[bucket] = self._client.get_collection(
                        name, embedding_function=None)
                except Exception:
                    return None
        return self._chunk_collections[bucket]

    @property
    def buckets(self) -> int:
        return self._collections.buckets

    def release(self) -> None:
        """Let go of the chunk collections read or written so far (an embedded client
        keeps each one's HNSW in memory until it is closed), and give the memory back."""
        self._chunk_collections.clear()
        if not self.settings.chroma_url:
            forget_clients()
            self.__dict__.pop("_collections", None)
            gc.collect()
            with contextlib.suppress(OSError, AttributeError):  # glibc: freed pages back to
                ctypes.CDLL("libc.so.6").malloc_trim(0)  # the system (else RSS only grows)

    @classmethod
    def reset(cls, settings: Settings) -> Store:
        """An empty store (the old collections, if any, dropped). An embedded index that
        cannot be read is set aside as `<dir>.unreadable-<time>`, not deleted."""
        clear(settings)
        store = cls(settings, create=True)
        store._touch()
        return store

    # -- what is indexed -------------------------------------------------------------------
    @guarded
    def generation(self) -> str:
        """Changes whenever an article is committed or removed. An embedded index keeps it
        in GENERATION_FILE too: asking whether anything changed needs no Chroma."""
        if not self.settings.chroma_url:
            with contextlib.suppress(OSError):
                return (Path(self.settings.index_dir) / GENERATION_FILE).read_text()
        return str(self._metadata().get("generation", ""))

    def article(self, article_id: str) -> Article | None:
        return next(iter(self.get_articles([article_id]).values()), None)

    @guarded
    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        """The committed articles of these ids, texts included."""
        return {a.id: a for a, _ in self._committed(list(dict.fromkeys(ids)))}

    @guarded
    def all_chunks(self) -> list[Chunk]:
        found = [(id_, meta) for bucket in range(self.buckets)
                 if (collection := self._chunks(bucket)) is not None
                 for part in pages(collection, ["metadatas"])
                 for id_, meta in zip(part["ids"], part["metadatas"], strict=True)]
        articles = self.get_articles(meta["article_id"] for _, meta in found)
        return [stored_chunk(id_, meta, articles.get(meta["article_id"])) for id_, meta in found]

    @guarded
    def catalog(self) -> dict[str, CatalogEntry]:
        """What the store holds of each article but its text, by id."""
        return {id_: catalog_entry(id_, meta) for part in pages(self.articles, ["metadatas"])
                for id_, meta in zip(part["ids"], part["metadatas"], strict=True)}

    @guarded
    def changes(self, since: int) -> Changes:
        """The articles committed and removed in generations after `since` (0: all), from
        the collections as they are now (a rebuild replaces them)."""
        self.__dict__.pop("_collections", None)
        self._chunk_collections.clear()
        after = {"generation": {"$gt": since}}
        gone = matching(self._collections.removed, after)
        got = dict(sorted(matching(self.articles, after).items(),
                          key=lambda item: item[1]["generation"]))
        generations = [m["generation"] for m in [*gone.values(), *got.values()]]
        return Changes(committed={id_: catalog_entry(id_, meta) for id_, meta in got.items()},
                       committed_in={id_: meta["generation"] for id_, meta in got.items()},
                       removed=set(gone) - set(got), newest=max(generations, default=0),
                       created=str(self._metadata()["created"]))

    @guarded
    def derivable(self, article_ids: Sequence[str]) -> list[Derivable]:
        """These committed articles with their chunks and vectors (from the articles and
        contents collections only); those being rewritten by a build are left out."""
        return [derivable(article, contents) for article, contents
                in self._committed(article_ids)]

    def _committed(self, article_ids: Sequence[str]) -> Iterator[tuple[Article, dict]]:
        """The committed articles of these ids, with their contents."""
        for part in parts(list(article_ids), IDS):
            got = self.articles.get(ids=part, include=["metadatas"])
            if not got["ids"]:
                continue
            contents = self._collections.contents.get(ids=got["ids"], include=["metadatas"])
            texts = dict(zip(contents["ids"], contents["metadatas"], strict=True))
            for id_, meta in zip(got["ids"], got["metadatas"], strict=True):
                if article := committed_article(id_, meta, texts.get(id_)):
                    yield article, texts[id_]

    # -- writing: begin, add_chunks, commit, in this order, keep it whole if interrupted ----
    @guarded
    def begin(self, articles: Sequence[Article]) -> None:
        """Drop whatever chunks these articles have (an earlier version's, or those an
        interrupted build wrote before their article was committed)."""
        for bucket, ids in self._by_bucket([a.id for a in articles]):
            if (collection := self._chunks(bucket)) is not None:
                collection.delete(where={"article_id": {"$in": ids}})

    @guarded
    def add_chunks(self, articles: Sequence[Article], chunks: Sequence[Chunk],
                   vectors: np.ndarray) -> None:
        """Write these articles' chunks (one row of `vectors` each), by bucket, and what a
        replica derives its indexes from."""
        days = {a.id: day_number(a.date) for a in articles}
        rows = {a.id: [] for a in articles}
        for i, c in enumerate(chunks):
            rows[c.article_id].append(i)
        for bucket, ids in self._by_bucket(list(rows)):
            mine = [i for id_ in ids for i in rows[id_]]
            if mine:
                self._chunks(bucket).upsert(
                    ids=[chunks[i].id for i in mine], embeddings=vectors[mine],
                    metadatas=[chunk_metadata(chunks[i], days[chunks[i].article_id])
                               for i in mine])
        self._collections.contents.upsert(
            ids=list(rows), embeddings=[[1.0]] * len(rows),
            metadatas=[contents_metadata(a, [chunks[i] for i in rows[a.id]],
                                         vectors[rows[a.id]]) for a in articles])

    @guarded
    def commit(self, articles: Sequence[Article]) -> None:
        """Write the articles themselves, after their chunks, in a new generation: from now
        on they are skipped while unchanged, and replicas read them. (Until then the
        catalogue holds an article's earlier version, or nothing, so an interrupted build
        does it again.)"""
        if articles:
            generation = time.time_ns()
            self.articles.upsert(
                ids=[a.id for a in articles],
                embeddings=[[1.0]] * len(articles),  # looked up by id only
                metadatas=[article_metadata(a, generation) for a in articles])
            self._touch(generation)

    @guarded
    def remove(self, article_ids: Sequence[str]) -> None:
        """Forget these articles, recorded as removed first (so that replicas drop them even
        when this is cut short)."""
        article_ids = list(article_ids)
        if not article_ids:
            return
        generation = time.time_ns()
        for part in parts(article_ids, IDS):
            self._collections.removed.upsert(ids=part, embeddings=[[1.0]] * len(part),
                                        metadatas=[{"generation": generation}] * len(part))
        for bucket, ids in self._by_bucket(article_ids):
            if (collection := self._chunks(bucket)) is not None:
                for part in parts(ids, IDS):
                    collection.delete(where={"article_id": {"$in": part}})
        for part in parts(article_ids, IDS):
            self.articles.delete(ids=part)
            self._collections.contents.delete(ids=part)
        self._touch(generation)

    def _by_bucket(self, article_ids: Sequence[str]) -> list[tuple[int, list[str]]]:
        found: dict[int, list[str]] = {}
        for id_ in article_ids:
            found.setdefault(bucket_of(id_, self.buckets), []).append(id_)
        return sorted(found.items())

    def _touch(self, generation: int | None = None) -> None:
        """A new generation, after what it stands for is written: a reader that sees it
        finds all that was committed before."""
        generation = generation or time.time_ns()
        if not self.settings.chroma_url:
            path = Path(self.settings.index_dir) / GENERATION_FILE
            path.with_suffix(".tmp").write_text(str(generation))
            path.with_suffix(".tmp").replace(path)
        self._set_metadata(generation=generation)

    def _metadata(self) -> dict:
        return self._client.get_collection(self.articles.name).metadata or {}

    def _set_metadata(self, **values) -> None:
        self.articles.modify(metadata={**self._metadata(), **values})

    @guarded
    def embedder(self) -> str | None:
        """How this index's vectors were made (index.embeddings.EMBEDDERS); None while no
        article was written."""
        return self._metadata().get("embedder")

    @guarded
    def check_embedder(self, embedder: str, record: bool = False) -> None:
        """Refuse to mix vectors: new chunks must be embedded the way the indexed chunks
        were. With `record`, an index with no embedder yet takes this one."""
        found = self.embedder()
        if found is None and record:
            self._set_metadata(embedder=embedder)
        refuse_mixed(self.settings, found, embedder)
