"""Citation and Answer records; every quote is checked against its article before it is shown."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from index.articles import date_of
from index.records import Article, Span, plain

# Characters of the article shown on each side of a quote, so that it reads in context.
CONTEXT_CHARS = 160


@dataclass(frozen=True)
class Quote(Span):
    """A reader's claim that `text` stands in article `article_id` at [start:end]."""


@dataclass(frozen=True)
class Claim:
    """A piece of the answer and the quotes that support it; `text` may be empty when the
    quote itself is the claim."""

    text: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Draft:
    """What a reader proposes, before verification."""

    question: str
    claims: tuple[Claim, ...]
    abstained: bool = False
    lead: str = ""  # a sentence shown before the claims (e.g. "The coverage does not say.")
    notes: tuple[str, ...] = ()
    score: float = 0.0  # strength of the best evidence, on the reader's own scale
    short: str = ""  # the short answer put forward in bold, if any


@dataclass(frozen=True)
class Citation:
    """A verified quote as every way out shows it. Its fields keep the names of the public
    JSON and MCP schema (`quote`, not Span's `text`); `span` gives it as a Span."""

    n: int
    article_id: str  # for a local file, its path below the article folder
    title: str
    date: datetime.date | None
    url: str  # the article's web address, or empty: never a path on the server
    quote: str
    start: int
    end: int
    also_in: tuple[str, ...] = ()  # other outlets that ran the same (wire) story
    before: str = ""  # up to CONTEXT_CHARS of the article just before the quote
    after: str = ""  # and just after it: what a front end shows around the quote

    @property
    def span(self) -> Span:
        return Span(article_id=self.article_id, start=self.start, end=self.end, text=self.quote)


@dataclass(frozen=True)
class Source:
    """One cited article and the numbers of its quotes, for showing quotes under their
    article's header."""

    article_id: str
    title: str
    date: datetime.date | None
    url: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Stage:
    """One answer the coverage gave over time (qa/timeline.py): first and last stated on
    those days, by its articles' dates, and quoted in `citations` (the Answer's numbers)."""

    answer: str
    first: datetime.date
    last: datetime.date
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    reader: str = "extractive"
    notes: tuple[str, ...] = field(default=())
    score: float = 0.0
    short: str = ""  # the short answer shown in bold, when the reader put one forward
    timeline: tuple[Stage, ...] = ()  # when asked for: the answers over time, oldest first

    @property
    def sources(self) -> tuple[Source, ...]:
        """The cited articles in the order first cited, each with its citations' numbers."""
        grouped: dict[str, list[Citation]] = {}
        for c in self.citations:
            grouped.setdefault(c.article_id, []).append(c)
        return tuple(Source(article_id=cs[0].article_id, title=cs[0].title, date=cs[0].date,
                            url=cs[0].url, citations=tuple(c.n for c in cs))
                     for cs in grouped.values())

    def to_dict(self) -> dict:
        """The record, plus `sources`: the citations grouped by article."""
        return {**plain(self), "sources": [plain(s) for s in self.sources]}

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """The record again from what to_dict() gave (a server's JSON reply)."""
        citations = tuple(Citation(**{**c, "date": date_of(c.get("date")),
                                      "also_in": tuple(c.get("also_in") or ())})
                          for c in data["citations"])
        return cls(question=data["question"], text=data["text"], citations=citations,
                   abstained=data["abstained"], reader=data.get("reader", "extractive"),
                   notes=tuple(data.get("notes") or ()), score=data.get("score", 0.0),
                   short=data.get("short", ""),
                   timeline=tuple(Stage(answer=s["answer"], first=date_of(s["first"]),
                                        last=date_of(s["last"]),
                                        citations=tuple(s["citations"]))
                                  for s in data.get("timeline") or ()))

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


@dataclass(frozen=True)
class Passage(Span):
    """A retrieved chunk with its article: `text` stands at [start:end] of the article."""

    title: str
    date: datetime.date | None
    source: str | None
    url: str  # a web address, or empty (a local article is named by `article_id`)

    def to_dict(self) -> dict:
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> Passage:
        return cls(**{**data, "date": date_of(data.get("date"))})


def is_verbatim(quote: Quote, articles: Mapping[str, Article]) -> bool:
    article = articles.get(quote.article_id)
    return (
        article is not None
        and 0 <= quote.start < quote.end <= len(article.text)
        and bool(quote.text.strip())
        and article.text[quote.start : quote.end] == quote.text
    )


def verify(draft: Draft, articles: Mapping[str, Article], reader: str = "extractive",
           copies: Mapping[str, tuple[str, ...]] | None = None) -> Answer:
    """The answer with only verified quotes: a quote that is not verbatim at its offsets is
    dropped, and so is a claim left without quotes. Citations are numbered by first use;
    `copies` names, by article, the other outlets that ran the same story."""
    citations: dict[tuple[str, int, int], Citation] = {}
    parts: list[str] = [draft.lead] if draft.lead else []
    dropped = 0
    for claim in draft.claims:
        good = [q for q in claim.quotes if is_verbatim(q, articles)]
        dropped += len(claim.quotes) - len(good)
        if not good:
            continue
        markers = []
        for q in good:
            key = (q.article_id, q.start, q.end)
            if key not in citations:
                citations[key] = citation_of(len(citations) + 1, q, articles[q.article_id],
                                           (copies or {}).get(q.article_id, ()))
            markers.append(f"[{citations[key].n}]")
        body = claim.text or " ".join(f"“{q.text}”" for q in good)
        parts.append(f"{body} {''.join(dict.fromkeys(markers))}")
    notes = draft.notes + ((f"{dropped} unverifiable quote(s) dropped",) if dropped else ())
    abstained = draft.abstained or not citations
    if not citations:
        parts = [draft.lead or "The coverage I have does not answer this."]
    return Answer(question=draft.question, text="\n\n".join(parts),
                  citations=tuple(citations.values()), abstained=abstained, reader=reader,
                  notes=notes, score=round(draft.score, 4),
                  short=draft.short if citations else "")


def citation_of(n: int, q: Quote, article: Article, also_in: tuple[str, ...]) -> Citation:
    return Citation(n=n, article_id=article.id, title=article.title, date=article.date,
                    url=web_address(article.url), quote=q.text, start=q.start, end=q.end,
                    also_in=also_in,
                    before=article.text[max(0, q.start - CONTEXT_CHARS):q.start],
                    after=article.text[q.end:q.end + CONTEXT_CHARS])


def web_address(url: str | None) -> str:
    """An article's URL when it is a web address (http or https), else empty: what a client
    is shown never names a file on the server."""
    return url if urlsplit(url or "").scheme in ("http", "https") else ""
