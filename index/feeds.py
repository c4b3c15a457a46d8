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
                    types=FEED_TYPES)
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


def seen(settings: Settings, feed: str) -> set[str]:
    try:
        return set(json.loads(state_path(settings).read_text()).get(feed, []))
    except (OSError, ValueError, AttributeError):
        return set()


def remember(settings: Settings, feed: str, keys: set[str]) -> None:
    path = state_path(settings)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        state = {}
    state[feed] = sorted(set(state.get(feed, [])) | keys)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1))
    os.replace(temporary, path)  # never a half-written state file


def poll(feed: str, settings: Settings, *, embeddings=None):
    """Add the feed's entries not seen before: (one Added per new entry, BuildReport or None).
    An entry is remembered once its article is saved (or found saved); failures are retried
    at the next poll."""
    from index.fetch import add_urls

    known = seen(settings, feed)
    new = [e for e in read_feed(feed, settings) if e.key not in known]
    added, report = add_urls([e.link for e in new], settings, embeddings=embeddings,
                             hints={e.link: {"title": e.title, "date": e.date or ""}
                                    for e in new})
    remember(settings, feed, {e.key for e, a in zip(new, added, strict=True) if a.path})
    return added, report
