"""Reaching Chroma: the client for an embedded index or a server, and its failures as
sentences that say what to do."""

from __future__ import annotations

import functools
from pathlib import Path

from index.errors import UserError
from index.settings import Settings, go_offline


class IndexUnavailable(UserError):
    """The index is missing, unreadable or its server is down; the message says what to do."""


class IndexBusy(IndexUnavailable):
    """Another process is updating the index."""


SERVER_TIMEOUT_S = 30.0


def where(settings: Settings) -> str:
    return settings.chroma_url or str(settings.index_dir)


def unavailable(settings: Settings, e: Exception) -> str:
    """What went wrong with the index or its server, and what to do about it."""
    if settings.chroma_url:
        return (f"The Chroma server at {settings.chroma_url} is not answering ({_reason(e)}). "
                "Start it (chroma run --path DIR --port N) or unset NEWSQA_CHROMA_URL.")
    return (f"The index at {settings.index_dir} cannot be read ({_reason(e)}). "
            "Run `newsqa index --rebuild` to set it aside and build a new one.")


def guarded(method):
    """Chroma failures (server down, unreadable files) become IndexUnavailable sentences."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IndexUnavailable:
            raise
        except Exception as e:
            raise IndexUnavailable(unavailable(self.settings, e)) from e

    return call


def connect(settings: Settings, create: bool):
    go_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as e:
            raise IndexUnavailable(unavailable(settings, e)) from e
        session = getattr(getattr(client, "_server", None), "_session", None)
        if session is not None:  # Chroma's client waits forever by default; a hung server
            session.timeout = SERVER_TIMEOUT_S  # should give an error instead
        return client
    path = Path(settings.index_dir)
    if not create and not (path / "chroma.sqlite3").exists():
        raise IndexUnavailable(f"There is no index at {path}. Run `newsqa index` to build it.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as e:
        raise IndexUnavailable(unavailable(settings, e)) from e


def refuse_mixed(settings: Settings, found: str | None, embedder: str) -> None:
    """IndexUnavailable when an index's vectors were made by another embedder than this one."""
    if found is not None and found != embedder:
        raise IndexUnavailable(
            f"The index at {where(settings)} was built with the {found} embedder, "
            f"and this one is {embedder}: set NEWSQA_EMBEDDER={found}, or run "
            f"`newsqa index --rebuild` to embed everything with {embedder}.")


def forget_clients() -> None:
    """The next embedded client opens its folder anew (Chroma keeps one per folder and
    process, with the vectors it has read)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def _reason(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:200] if str(e).strip() else e.__class__.__name__
