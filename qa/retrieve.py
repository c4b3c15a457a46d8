"""Hybrid retrieval: dense and BM25 over the same chunks (both served from the derived index,
index/derived.py), fused by reciprocal rank."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.derived import DerivedIndex
from index.embeddings import MiniLMEmbeddings
from index.records import Hit, Scope
from index.store import Store
from qa.dates import Window, question_window


@dataclass(frozen=True)
class Found:
    """A retrieved chunk (its fused score and its article's day) and the articles whose
    near-identical chunk (a wire copy) was left out in its favour."""

    hit: Hit
    copies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retrieved:
    """What retrieval found for a question: the chunks, best first, and the days in focus."""

    found: tuple[Found, ...]
    focus: Window | None


@dataclass
class Retriever:
    """Dense + BM25, fused with reciprocal-rank fusion. (qa/langchain.py wraps it as a
    LangChain BaseRetriever; the pipeline uses it directly, without importing LangChain's
    runnables, a second of every cold start.)"""

    store: Store
    embeddings: MiniLMEmbeddings
    k: int = 8
    candidates: int = 40  # depth of each ranked list before fusion
    rrf_k: int = 60  # reciprocal-rank fusion constant
    recent_days: int = 10  # with as_of: how far back counts as recent
    recent_boost: float = 2.0  # fused-score lift for recent chunks, in first places
    _derived: DerivedIndex | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def derived(self) -> DerivedIndex:
        """The derived index (texts, terms and vectors of the store's chunks), as of the last
        refresh()."""
        with self._lock:
            if self._derived is None:
                self._derived = DerivedIndex(self.store)
            return self._derived

    def refresh(self) -> None:
        """Bring the derived index in step with the store: the articles a build changed
        since the last refresh are brought in (nothing when the store is unchanged)."""
        self.derived.sync()

    def recent_window(self, as_of: datetime.date | None
                      ) -> tuple[datetime.date, datetime.date] | None:
        """The days whose coverage counts as recent for a question asked on `as_of`."""
        return (as_of - datetime.timedelta(days=self.recent_days), as_of) if as_of else None

    def focus(self, query: str, as_of: datetime.date | None = None) -> Window | None:
        """The days a question is about: those its own words name ("this week", "in August"),
        counted from `as_of` (default: the newest article's date); else, when `as_of` is
        given, the days just before it (a question asked on a given day is about them)."""
        newest = self.derived.catalog.newest()
        named = question_window(query, as_of or newest or datetime.date.today())
        return named or self.recent_window(as_of)

    def scope(self, as_of: datetime.date | None = None, since: datetime.date | None = None,
              until: datetime.date | None = None, sources: Sequence[str] = ()) -> Scope:
        """Nothing published after `as_of` or `until`, nor before `since`; only `sources`."""
        last = min((d for d in (as_of, until) if d), default=None)
        return Scope(
            since=since, until=last,
            articles=self.derived.catalog.articles_from(sources) if sources else None,
        )

    def retrieve(self, question: str, *, k: int | None = None,
                 as_of: datetime.date | None = None, since: datetime.date | None = None,
                 until: datetime.date | None = None, sources: Sequence[str] = ()
                 ) -> Retrieved:
        """The k best chunks within the scope, those of the days in focus first, one of each
        set of near-identical chunks (wire copies); the index is refreshed first."""
        self.refresh()
        k = k or self.k
        depth = max(self.candidates, k)
        scope = self.scope(as_of, since, until, sources)
        dense = self.derived.nearest(self.embeddings.embed_query(question), depth, scope)
        fused = fuse([dense, self.derived.search(question, depth, scope)], self.rrf_k)
        focus = self.focus(question, as_of)
        if focus and self.recent_boost:
            first, last = focus
            lift = self.recent_boost / (self.rrf_k + 1)
            fused = [Hit(chunk=h.chunk, score=h.score + lift, day=h.day)
                     if h.day and first <= h.day <= last else h for h in fused]
        ranked = sorted(fused, key=lambda h: h.score, reverse=True)
        found = tuple(Found(hit=hit, copies=copies) for hit, copies in collapse(ranked)[:k])
        return Retrieved(found=found, focus=focus)


def fuse(rankings: Sequence[Sequence[Hit]], rrf_k: int) -> list[Hit]:
    """Reciprocal-rank fusion: each hit scored by the sum of 1/(rrf_k + rank) over the
    rankings it is in, in the order first seen."""
    fused: dict[str, float] = {}
    by_id: dict[str, Hit] = {}
    for ranked in rankings:
        for rank, hit in enumerate(ranked):
            fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (rrf_k + rank + 1)
            by_id[hit.chunk.id] = hit
    return [Hit(chunk=hit.chunk, score=fused[id_], day=hit.day) for id_, hit in by_id.items()]


def collapse(ranked: list[Hit], similar: float = 0.9) -> list[tuple[Hit, tuple[str, ...]]]:
    """One chunk per set of near-identical chunks (the same wire story in several outlets),
    at the best rank of the set, keeping the earliest-dated copy; with each, the other
    articles of its set."""
    kept: list[Hit] = []
    sets: list[list[Hit]] = []
    shingles: list[set] = []
    for hit in ranked:
        words = hit.chunk.text.lower().split()
        mine = {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
        for n, theirs in enumerate(shingles):
            if len(mine & theirs) >= similar * min(len(mine), len(theirs)):
                sets[n].append(hit)
                if hit.day and kept[n].day and hit.day < kept[n].day:
                    kept[n] = hit
                break
        else:
            kept.append(hit)
            sets.append([hit])
            shingles.append(mine)
    return [(hit, tuple(dict.fromkeys(h.chunk.article_id for h in copies
                                      if h.chunk.article_id != hit.chunk.article_id)))
            for hit, copies in zip(kept, sets, strict=True)]
