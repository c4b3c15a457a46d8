"""The Chroma store: chunk vectors plus one record per article (embedded on disk or a server)."""

from __future__ import annotations

import contextlib
import datetime
import functools
import time
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from index.articles import date_of
from index.connection import IndexBusy as IndexBusy  # re-exported: raised by index.lock
from index.connection import IndexUnavailable, connect, forget_clients, guarded, refuse_mixed
from index.connection import unavailable as unavailable
from index.connection import where as where
from index.records import Article, CatalogEntry, Chunk, Hit, day_number, day_of, iso
from index.settings import Settings

# Beside an embedded index's chroma.sqlite3: the store's generation (Store.generation).
GENERATION_FILE = "generation"
# Records read from Chroma in one request when reading everything (SQLite limits the
# variables of one query; a page also bounds the texts held at once).
PAGE = 5000


class Store:
    """Two collections: `<name>` holds chunk vectors; `<name>_articles` holds article texts,
    so citations are verified against the article itself, in either deployment."""

    def __init__(self, settings: Settings, create: bool = False):
        """Chroma is connected to (and imported) at the first use of a collection: a process
        that answers from the derived indexes only reads GENERATION_FILE."""
        self.settings = settings
        self._create = create
        path = Path(settings.index_dir)
        if not create and not settings.chroma_url and not (path / "chroma.sqlite3").exists():
            raise IndexUnavailable(f"There is no index at {path}. Run `newsqa index` to build it.")

    @functools.cached_property
    def _collections(self):
        settings = self.settings
        client = connect(settings, self._create)
        try:
            make = client.get_or_create_collection if self._create else client.get_collection
            chunks = make(
                settings.collection, embedding_function=None,
                **({"configuration": {"hnsw": {"space": "cosine"}}} if self._create else {}),
            )
            articles = make(f"{settings.collection}_articles", embedding_function=None)
        except Exception as e:
            if e.__class__.__name__ == "NotFoundError":
                raise IndexUnavailable(
                    f"The index at {where(settings)} has no articles yet. "
                    "Run `newsqa index` to build it."
                ) from e
            raise IndexUnavailable(unavailable(settings, e)) from e
        return client, chunks, articles

    def _reconnect(self) -> None:
        """A new embedded client, which reads the files as they are now (Chroma keeps one
        client per folder and process, and its vectors as they were when first read)."""
        forget_clients()
        self.__dict__.pop("_collections", None)

    @property
    def _client(self):
        return self._collections[0]

    @property
    def chunks(self):
        """The chunk collection (its first touch loads its whole HNSW into memory)."""
        return self._collections[1]

    @property
    def articles(self):
        return self._collections[2]

    @classmethod
    def reset(cls, settings: Settings) -> Store:
        """An empty store (the old collections, if any, dropped). An embedded index that
        cannot be read is set aside as `<dir>.unreadable-<time>`, not deleted."""
        try:
            client = connect(settings, create=True)
            present = {getattr(c, "name", c) for c in client.list_collections()}
        except Exception:
            if settings.chroma_url or not Path(settings.index_dir).exists():
                raise
            path = Path(settings.index_dir)
            path.rename(path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"))
            forget_clients()  # Chroma remembers the failed open of `path`
            client, present = connect(settings, create=True), set()
        for name in (settings.collection, f"{settings.collection}_articles"):
            if name in present:
                client.delete_collection(name)
        store = cls(settings, create=True)
        store._touch()
        return store

    # -- what is indexed -------------------------------------------------------------------
    @guarded
    def generation(self) -> str:
        """Changes whenever an article is committed or removed; readers use it to refresh
        derived indexes. An embedded index keeps it in GENERATION_FILE too, so that asking
        whether anything changed needs no Chroma."""
        if not self.settings.chroma_url:
            with contextlib.suppress(OSError):
                return (Path(self.settings.index_dir) / GENERATION_FILE).read_text()
        current = self._client.get_collection(self.articles.name).metadata or {}
        return str(current.get("generation", ""))

    def article(self, article_id: str) -> Article | None:
        return next(iter(self.get_articles([article_id]).values()), None)

    @guarded
    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        got = self.articles.get(ids=ids, include=["metadatas", "documents"])
        return {
            id_: _article(id_, meta, text)
            for id_, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
        }

    @guarded
    def all_chunks(self) -> list[Chunk]:
        got = _get_all(self.chunks, ["metadatas", "documents"])
        return [_chunk(id_, meta, text) for id_, meta, text
                in zip(got["ids"], got["metadatas"], got["documents"], strict=True)]

    @guarded
    def catalog(self) -> dict[str, CatalogEntry]:
        """What the store holds of each article but its text, by id."""
        got = _get_all(self.articles, ["metadatas"])
        return {id_: _entry(id_, meta) for id_, meta in zip(got["ids"], got["metadatas"],
                                                            strict=True)}

    @guarded
    def hits_of(self, article_ids: Sequence[str]) -> tuple[list[Hit], np.ndarray]:
        """The chunks of these articles, with their articles' dates (score 0), and their
        vectors (one row each)."""
        if not article_ids:
            return [], np.zeros((0, 0), np.float32)
        where = {"article_id": {"$in": list(article_ids)}}
        include = ["metadatas", "documents", "embeddings"]
        try:
            got = self.chunks.get(where=where, include=include)
        except Exception:
            if self.settings.chroma_url:
                raise
            self._reconnect()  # vectors another process wrote since this client loaded them
            got = self.chunks.get(where=where, include=include)
        hits = [
            Hit(chunk=_chunk(id_, meta, text), score=0.0, day=day_of(int(meta.get("day", 0))))
            for id_, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
        ]
        return hits, np.asarray(got["embeddings"], np.float32).reshape(len(hits), -1)

    # -- writing (build.py decides what; these keep the store consistent if interrupted) -----
    @guarded
    def begin(self, articles: Sequence[Article], stored: Container[str]) -> None:
        """Mark articles as in progress and drop the old chunks of those already `stored`
        (an interrupted build leaves its articles stored, marked in progress)."""
        if not articles:
            return
        self._put_articles(articles, pending=True)
        old = [a.id for a in articles if a.id in stored]
        if old:
            self.chunks.delete(where={"article_id": {"$in": old}})

    @guarded
    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray,
                   dates: Mapping[str, datetime.date | None]) -> None:
        """Write chunks; `dates` maps article ids to their dates, kept for date filters."""
        if chunks:
            # The text goes in the metadata, not in `documents`: Chroma builds a full-text
            # index over documents, which newsqa does not use (it keeps its own BM25) and
            # which doubled the cost of a write.
            self.chunks.upsert(
                ids=[c.id for c in chunks],
                embeddings=vectors,
                metadatas=[{"article_id": c.article_id, "start": c.start, "end": c.end,
                            "day": day_number(dates.get(c.article_id)), "text": c.text}
                           for c in chunks],
            )

    @guarded
    def commit(self, articles: Sequence[Article]) -> None:
        """Mark articles complete: from now on they are skipped while unchanged."""
        if articles:  # the metadata only: the text was written by begin()
            self.articles.update(ids=[a.id for a in articles],
                                 metadatas=[_metadata(a, pending=False) for a in articles])
            self._touch()

    @guarded
    def remove(self, article_ids: Sequence[str]) -> None:
        article_ids = list(article_ids)
        for i in range(0, len(article_ids), 500):  # SQLite limits the variables of a query
            part = article_ids[i : i + 500]
            self.chunks.delete(where={"article_id": {"$in": part}})
            self.articles.delete(ids=part)
        if article_ids:
            self._touch()

    def _put_articles(self, articles: Sequence[Article], pending: bool) -> None:
        self.articles.upsert(
            ids=[a.id for a in articles],
            embeddings=[[1.0]] * len(articles),  # looked up by id only
            documents=[a.text for a in articles],
            metadatas=[_metadata(a, pending) for a in articles],
        )

    def _touch(self) -> None:
        """A new generation: in the file first, so a failure in between makes readers read
        the store once too often, never once too few."""
        generation = time.time_ns()
        if not self.settings.chroma_url:
            path = Path(self.settings.index_dir) / GENERATION_FILE
            path.with_suffix(".tmp").write_text(str(generation))
            path.with_suffix(".tmp").replace(path)
        self._set_metadata(generation=generation)

    def _set_metadata(self, **values) -> None:
        current = self._client.get_collection(self.articles.name).metadata or {}
        self.articles.modify(metadata={**current, **values})

    @guarded
    def embedder(self) -> str | None:
        """How this index's vectors were made (index.embeddings.EMBEDDERS); None while it is
        empty. An index built before embedders were recorded holds float32 torch vectors."""
        recorded = (self._client.get_collection(self.articles.name).metadata or {}).get(
            "embedder")
        return recorded or ("torch" if self.chunks.get(limit=1, include=[])["ids"] else None)

    @guarded
    def check_embedder(self, embedder: str, record: bool = False) -> None:
        """Refuse to mix vectors: new chunks must be embedded the way the indexed chunks
        were. With `record`, an index with no embedder yet takes this one."""
        found = self.embedder()
        if found is None and record:
            self._set_metadata(embedder=embedder)
        refuse_mixed(self.settings, found, embedder)


def _pages(collection, include: list[str]) -> Iterator[dict[str, list]]:
    """Every record, PAGE at a time: one large get exceeds SQLite's limit on variables."""
    offset = 0
    while True:
        part = collection.get(include=include, limit=PAGE, offset=offset)
        yield part
        if len(part["ids"]) < PAGE:
            return
        offset += PAGE


def _get_all(collection, include: list[str]) -> dict[str, list]:
    got: dict[str, list] = {"ids": [], **{field: [] for field in include}}
    for part in _pages(collection, include):
        for field in got:
            got[field] += part[field]
    return got


def _metadata(a: Article, pending: bool) -> dict:
    return {"title": a.title, "date": iso(a.date) or "", "source": a.source or "",
            "url": a.url or "",
            "path": a.path, "digest": "" if pending else a.digest}


def _chunk(id_: str, meta: dict, document: str | None) -> Chunk:
    text = meta.get("text", document)  # earlier indexes kept the text in the document
    return Chunk(id=id_, article_id=meta["article_id"], start=int(meta["start"]),
                 end=int(meta["end"]), text=text)


def _article(id_: str, meta: dict, text: str) -> Article:
    return Article(
        id=id_, title=meta.get("title", ""), date=date_of(meta.get("date")),
        source=meta.get("source") or None, url=meta.get("url") or None,
        path=meta.get("path", ""), text=text,
    )


def _entry(id_: str, meta: dict) -> CatalogEntry:
    return CatalogEntry(id=id_, title=meta.get("title", ""), date=date_of(meta.get("date")),
                        source=meta.get("source") or None, url=meta.get("url") or None,
                        path=meta.get("path", ""), digest=meta.get("digest", ""))
