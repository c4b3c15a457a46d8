"""What a search finds and what it may look at: a chunk with its score and its article's
day, and the scope (dates, articles) a question allows."""

from __future__ import annotations

from dataclasses import dataclass

from index.chunking import Chunk


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    day: int  # the article's date as YYYYMMDD; 0 when undated


@dataclass(frozen=True)
class Scope:
    """The chunks a question may use: articles dated within [since, until] (YYYYMMDD;
    undated ones only when no `since` is set), and only `articles` when given."""

    since: int = 0
    until: int = 99_991_231
    articles: frozenset[str] | None = None

    def admits(self, hit: Hit) -> bool:
        return (self.since <= hit.day <= self.until
                and (self.articles is None or hit.chunk.article_id in self.articles))

    def where(self) -> dict | None:
        """The same as a Chroma filter (the article list only while it is short)."""
        terms = [{"day": {"$gte": self.since}}, {"day": {"$lte": self.until}}]
        if self.articles is not None and len(self.articles) <= 1000:
            terms.append({"article_id": {"$in": sorted(self.articles) or [""]}})
        return {"$and": terms}


EVERYTHING = Scope()


def day_number(date: str | None) -> int:
    """An ISO date as YYYYMMDD, the form kept on chunks for date filters (0 when undated)."""
    return int(date.replace("-", "")) if date else 0
