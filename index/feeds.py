"""RSS and Atom feeds: the entries not seen before, remembered in a small state file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from index.articles import iso_date
from index.fetch import FetchError, fetch
from index.settings import Settings

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/feed+json")


@dataclass(frozen=True)
class Entry:
    key: str  # the entry's guid, or its link
    link: str
    title: str
    date: str | None


def read_feed(url: str, settings: Settings) -> list[Entry]:
    import feedparser

    _, body = fetch(url, timeout=settings.fetch_timeout_s, max_bytes=settings.fetch_max_bytes,
                    types=FEED_TYPES, allow_private=settings.allow_private)
    parsed = feedparser.parse(body)
    if not parsed.entries and parsed.get("bozo"):
        raise FetchError(f"{url}: not an RSS or Atom feed")
    entries = []
    for e in parsed.entries:
        link = e.get("link")
        if link:
            published = e.get("published_parsed") or e.get("updated_parsed")
            date = iso_date("{:04d}-{:02d}-{:02d}".format(*published[:3])) if published else None
            entries.append(Entry(e.get("id") or link, link, e.get("title", ""), date))
    return entries


def state_path(settings: Settings) -> Path:
    """Next to the index: `.newsqa/feeds.json` by default."""
    index_dir = Path(settings.index_dir)
    return index_dir.with_name("feeds.json")


PENDING = "(articles saved, index not yet updated)"  # a key no feed URL can be


def _state(settings: Settings) -> dict:
    try:
        state = json.loads(state_path(settings).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _save_state(settings: Settings, state: dict) -> None:
    path = state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1))
    os.replace(temporary, path)  # never a half-written state file


def seen(settings: Settings, feed: str) -> set[str]:
    entries = _state(settings).get(feed, [])
    return set(entries) if isinstance(entries, list) else set()


def remember(settings: Settings, feed: str, keys: set[str], *, pending: bool) -> None:
    """Add `keys` to what `feed` has given; `pending` says that saved articles still wait
    for an index update (the next poll builds even when the feed has nothing new)."""
    state = _state(settings)
    state[feed] = sorted(seen(settings, feed) | keys)
    if pending:
        state[PENDING] = True
    else:
        state.pop(PENDING, None)
    _save_state(settings, state)


def poll(feed: str, settings: Settings, *, embeddings=None):
    """Add the feed's entries not seen before: (one Added per new entry, BuildReport or None).
    An entry is remembered once its article is saved (or found saved); failures are retried
    at the next poll. When the index is busy, the saved articles are indexed by the next
    poll that finds it free."""
    from index.build import build
    from index.fetch import add_urls

    known = seen(settings, feed)
    pending = bool(_state(settings).get(PENDING))
    new = [e for e in read_feed(feed, settings) if e.key not in known]
    added, _ = add_urls([e.link for e in new], settings, embeddings=embeddings, index=False,
                        hints={e.link: {"title": e.title, "date": e.date or ""} for e in new})
    saved = {e.key for e, a in zip(new, added, strict=True) if a.path}
    must_build = pending or any(a.new for a in added)
    remember(settings, feed, saved, pending=must_build)
    if not must_build:
        return added, None
    report = build([settings.articles], settings, embeddings=embeddings)  # may raise busy
    remember(settings, feed, set(), pending=False)
    return added, report
