"""Example questions built from the indexed articles."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from index.articles import Article

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
    newest = sorted(articles, key=lambda a: (a.date or "", a.id), reverse=True)
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
