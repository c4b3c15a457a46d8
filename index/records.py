"""The records the index hands out: articles, spans of their text, chunks, search hits, the
scope a search may look at, and the catalogue's entry for an article.

Dates are `datetime.date` (None when undated) everywhere but in storage: the store and the
derived index keep a day as the int YYYYMMDD (0 when undated) for their range filters, and
convert with `day_number` and `day_of`.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass

UNDATED = 0  # the stored day of an undated article
LAST_DAY = 99_991_231  # a stored day after every article's


def day_number(date: datetime.date | None) -> int:
    """The stored form of a date: YYYYMMDD, UNDATED for None."""
    return date.year * 10_000 + date.month * 100 + date.day if date else UNDATED


def day_of(number: int) -> datetime.date | None:
    """The date a stored day stands for."""
    return datetime.date(number // 10_000, number // 100 % 100, number % 100) if number else None


def iso(date: datetime.date | None) -> str | None:
    """A date as people and JSON read it: YYYY-MM-DD, None when undated."""
    return date.isoformat() if date else None


def plain(record) -> dict:
    """A record as JSON takes it: dataclasses.asdict, with dates written YYYY-MM-DD."""
    return dataclasses.asdict(record, dict_factory=lambda items: {
        k: iso(v) if isinstance(v, datetime.date) else v for k, v in items})


@dataclass(frozen=True)
class Article:
    id: str  # for a local file, its path below the article folder
    title: str
    date: datetime.date | None
    source: str | None
    url: str | None
    path: str
    text: str

    @property
    def digest(self) -> str:
        """Content hash: an article whose digest is unchanged is not embedded again."""
        parts = (self.title, iso(self.date) or "", self.source or "", self.url or "", self.text)
        return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Span:
    """`text`, standing at [start:end] of article `article_id`."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk(Span):
    """A piece of an article that is embedded and searched as one."""

    id: str


@dataclass(frozen=True)
class Hit:
    """A chunk a search found, its score, and its article's date."""

    chunk: Chunk
    score: float
    day: datetime.date | None


@dataclass(frozen=True)
class Scope:
    """The chunks a question may use: articles dated within [since, until] (undated ones only
    when no `since` is set), and only `articles` when given."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    articles: frozenset[str] | None = None

    def admits(self, hit: Hit) -> bool:
        if hit.day is None:
            dated = self.since is None
        else:
            dated = (self.since is None or self.since <= hit.day) and (
                self.until is None or hit.day <= self.until)
        return dated and (self.articles is None or hit.chunk.article_id in self.articles)

    @property
    def days(self) -> tuple[int, int]:
        """[since, until] as stored days, for the store's and the derived index's filters."""
        return day_number(self.since), day_number(self.until) if self.until else LAST_DAY

    @property
    def dated(self) -> bool:
        """Whether the scope limits dates at all."""
        return self.since is not None or self.until is not None


EVERYTHING = Scope()


@dataclass(frozen=True)
class CatalogEntry:
    """What the store's catalogue holds of an article: all but its text, and the digest that
    lets an unchanged article be skipped (empty while its chunks are pending)."""

    id: str
    title: str
    date: datetime.date | None
    source: str | None
    url: str | None
    path: str
    digest: str
