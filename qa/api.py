"""answer(question) -> Answer, stream() and search(): a Query built from their keywords, then
the pipeline shared across calls."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence

from index.settings import Settings
from qa.citations import Answer, Passage, web_address
from qa.pipeline import pipeline
from qa.query import Query

Day = datetime.date | str | None


def answer(question: str, *, history: Iterable | None = None, k: int | None = None,
           as_of: Day = None, since: Day = None, until: Day = None,
           sources: Sequence[str] | None = None, timeline: bool = False,
           settings: Settings | None = None) -> Answer:
    """Answer a question from the indexed coverage, citing verbatim quotes.

    `history`: the conversation so far, as Turn records, {"role", "content"} messages or
    (question, answer) pairs. `as_of` is "today" for the question: later articles are not
    used, and the days just before it come first. The days a question names ("this week",
    "in August") come first in any case, counted from `as_of` or else from the newest
    article's date. `since` and `until` keep only articles published in that range;
    `sources` only articles from those outlets or web sites. `timeline`: also the distinct
    answers the coverage gave over time, oldest first (Answer.timeline). Raises
    TypeError/ValueError for bad input, IndexUnavailable when there is no index.
    """
    settings = settings or Settings()
    query = Query.parse(question, settings, history=history, k=k, as_of=as_of, since=since,
                        until=until, sources=sources, timeline=timeline)
    return pipeline(settings).answer(query)


def stream(question: str, *, history: Iterable | None = None, k: int | None = None,
           as_of: Day = None, since: Day = None, until: Day = None,
           sources: Sequence[str] | None = None, timeline: bool = False,
           settings: Settings | None = None) -> Iterator[str | Answer]:
    """As answer(), but yields the reader's text as it is written (LLM readers), then the
    verified Answer, which may differ: unsupported sentences are dropped."""
    settings = settings or Settings()
    query = Query.parse(question, settings, history=history, k=k, as_of=as_of, since=since,
                        until=until, sources=sources, timeline=timeline)
    yield from pipeline(settings).stream(query)


def search(query: str, *, k: int | None = None, as_of: Day = None, since: Day = None,
           until: Day = None, sources: Sequence[str] | None = None,
           settings: Settings | None = None) -> list[Passage]:
    """The best chunks for `query` (the retrieval answer() reads), best first, with the
    same scope arguments; no reader."""
    settings = settings or Settings()
    asked = Query.parse(query, settings, k=k, as_of=as_of, since=since, until=until,
                        sources=sources)
    parts = pipeline(settings)
    found = parts.retriever.retrieve(asked.question, k=asked.k, as_of=asked.as_of,
                                     since=asked.since, until=asked.until,
                                     sources=asked.sources).found
    chunks = [f.hit.chunk for f in found]
    articles = parts.retriever.derived.articles(c.article_id for c in chunks)
    return [Passage(article_id=c.article_id, title=a.title, date=a.date, source=a.source,
                    url=web_address(a.url), text=c.text, start=c.start, end=c.end)
            for c in chunks if (a := articles.get(c.article_id))]
