"""Evidence: the sentences of the retrieved chunks, once each, and the priors that score
them before their meaning does (the days in focus, the unit counted, another year told of)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from index.records import Article, Chunk, Span
from index.sentences import sentence_spans
from index.terms import terms
from qa.citations import Quote
from qa.dates import Window
from qa.entities import Entity
from qa.extractive.weights import RECENT_DAYS, STALE_DAYS, SentenceFeatures
from qa.questions import NUMBER


@dataclass(frozen=True)
class Sentence(Span):
    """A sentence of a retrieved chunk, with what the reader made of it."""

    rank: int  # rank of the chunk it came from
    score: float = 0.0
    entities: tuple[Entity, ...] = ()
    features: SentenceFeatures = field(default=SentenceFeatures(), compare=False)  # of its score

    def quote(self) -> Quote:
        return Quote(article_id=self.article_id, start=self.start, end=self.end, text=self.text)


def sentences_of(chunks: Sequence[Chunk], articles: Mapping[str, Article]) -> list[Sentence]:
    seen: set[str] = set()
    out = []
    for rank, chunk in enumerate(chunks):
        article = articles.get(chunk.article_id)
        if article is None:
            continue
        for start, end in sentence_spans(article.text, chunk.start, chunk.end):
            text = article.text[start:end]
            key = " ".join(text.lower().split())
            if key in seen or len(terms(text)) < 3:
                continue
            seen.add(key)
            out.append(Sentence(article_id=article.id, start=start, end=end, text=text,
                                rank=rank))
    return out


def timeliness(articles: Mapping[str, Article], window: Window | None
               ) -> dict[str, dict[str, float]]:
    """Per article, its features "recent" (from the days in focus) or "stale" (older than
    them, growing to 1 over a year: the news moved on)."""
    if window is None:
        return {}
    since, until = window
    out = {}
    for a in articles.values():
        day = a.date
        if day and since <= day <= until:
            out[a.id] = {"recent": 1.0}
        elif day and day < since:
            out[a.id] = {"stale": min(1.0, (since - day).days / STALE_DAYS)}
    return out


# "In 2022", "by 2029", "in March 2022", "in Nov. 8, 2022": when a sentence's event happened.
_IN_YEAR = re.compile(r"\b(?:[Ii]n|[Bb]y)\s+(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|"
                      r"Dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?)?(\d{4})\b")


def tells_of_elsewhen(labels: frozenset[str], named: Window | None) -> Callable[[str], bool]:
    """For a question about the last days ("this week", "yesterday") that does not ask for
    a date: whether a sentence places its event in another year ("In 2022, an average of
    99.18 million viewers watched ..."), so it tells of another time than the one asked."""
    asks_date = "DATE" in labels and not labels & NUMBER  # "what year", not "how many days"
    if not named or asks_date or (named[1] - named[0]).days > RECENT_DAYS:
        return lambda text: False
    years = {named[0].year, named[1].year}
    return lambda text: any(int(m.group(1)) not in years for m in _IN_YEAR.finditer(text))


def distinct(sentences: Sequence[Sentence], n: int) -> list[Sentence]:
    picks: list[Sentence] = []
    for s in sentences:
        if len(picks) == n:
            break
        if all(len(set(terms(s.text)) ^ set(terms(p.text))) > 3 for p in picks):
            picks.append(s)
    return picks
