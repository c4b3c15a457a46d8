"""Opening an index's collections in Chroma (index/layout.py names them), refusing one laid
out by an earlier newsqa, and dropping them all for a rebuild."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

from index.connection import IndexUnavailable, connect, forget_clients, unavailable, where
from index.layout import BUCKETS, names
from index.settings import Settings


class Opened(NamedTuple):
    client: Any
    articles: Any
    contents: Any
    removed: Any
    buckets: int  # chunk collections, as recorded when the index was made


def open_collections(settings: Settings, create: bool) -> Opened:
    """The articles, contents and removed collections (made when `create` and missing)."""
    client = connect(settings, create)
    make = client.get_or_create_collection if create else client.get_collection
    articles_name, contents_name, removed_name, _ = names(settings.collection)
    try:
        articles = make(articles_name, embedding_function=None)
        layout = articles.metadata or {}
        if "buckets" not in layout:
            if layout or articles.count():
                raise IndexUnavailable(
                    f"The index at {where(settings)} was built by an earlier newsqa. "
                    "Run `newsqa index --rebuild` to build it again.")
            layout = {"buckets": BUCKETS, "created": str(time.time_ns())}
            articles.modify(metadata=layout)
        contents, removed = (make(name, embedding_function=None)
                             for name in (contents_name, removed_name))
    except IndexUnavailable:
        raise
    except Exception as e:
        if e.__class__.__name__ in ("NotFoundError", "InvalidCollectionException"):
            raise IndexUnavailable(f"The index at {where(settings)} has no articles yet. "
                                   "Run `newsqa index` to build it.") from e
        raise IndexUnavailable(unavailable(settings, e)) from e
    return Opened(client, articles, contents, removed, int(layout["buckets"]))


def clear(settings: Settings) -> None:
    """Drop every collection of the index (and an earlier newsqa's chunk collection). An
    embedded index that cannot be read is set aside as `<dir>.unreadable-<time>` instead."""
    try:
        client = connect(settings, create=True)
        present = {getattr(c, "name", c) for c in client.list_collections()}
    except Exception:
        if settings.chroma_url or not Path(settings.index_dir).exists():
            raise
        path = Path(settings.index_dir)
        path.rename(path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"))
        forget_clients()  # Chroma remembers the failed open of `path`
        connect(settings, create=True)  # a new, empty index in its place
        return
    articles, contents, removed, chunks = names(settings.collection)
    for name in (settings.collection, articles, contents, removed, *chunks):
        if name in present:
            client.delete_collection(name)
