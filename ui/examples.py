"""Example questions built from the indexed articles."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from index.catalog import outlet_of
from index.records import Article, CatalogEntry
from index.settings import Settings

# Events a reader asks "who attended / when / what happened" about; plural forms share a noun.
_EVENTS = {
    "talks": "talks", "negotiation": "talks", "negotiations": "talks", "meeting": "meeting",
    "summit": "summit", "hearing": "hearing", "trial": "trial", "strike": "strike",
    "conference": "conference", "election": "election", "funeral": "funeral", "game": "game",
    "ceremony": "ceremony", "vote": "vote", "protest": "protest", "match": "match",
}
_WORD = re.compile(r"[a-z]+")


def example_questions(articles: Iterable[Article], limit: int = 4) -> list[str]:
    """For the newest articles, a question about the event each one is mostly about."""
    newest = sorted(articles, key=lambda a: (a.date or datetime.date.min, a.id), reverse=True)
    questions: list[str] = []
    for article in newest:
        counts = Counter(_EVENTS[w] for w in _WORD.findall(article.text.lower()) if w in _EVENTS)
        if not counts:
            continue
        event = counts.most_common(1)[0][0]
        for question in (f"Who attended the {event}?", f"What happened at the {event}?"):
            if question not in questions:
                questions.append(question)
                break
        if len(questions) >= limit:
            break
    return questions or ["What is the latest news?"]


def outlets(catalog: Mapping[str, CatalogEntry]) -> list[str]:
    """The outlets (or web sites) of the indexed articles, for the source filter."""
    names = {outlet_of(entry.source, entry.url) for entry in catalog.values()}
    return sorted(n for n in names if n)


def offered(settings: Settings) -> tuple[list[str], list[str]]:
    """What the chat offers for the index as it is now: example questions and the outlets to
    filter by (both empty when there is no index yet)."""
    from index.store import IndexUnavailable, Store

    try:
        store = Store(settings)
        catalog = store.catalog()
    except IndexUnavailable:
        return [], []
    return example_questions(store.get_articles(list(catalog)[:200]).values()), outlets(catalog)
