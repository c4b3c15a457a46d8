"""The one record retrieval hands a reader, and the protocol every reader implements."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from index.records import Article, Chunk
from qa.citations import Draft
from qa.dates import Window


@dataclass(frozen=True)
class Evidence:
    """A question and what retrieval found for it."""

    question: str  # as retrieval saw it (a follow-up made to stand alone)
    chunks: tuple[Chunk, ...]  # best first
    articles: Mapping[str, Article]  # the articles of `chunks`, by id
    idf: Callable[[str], float]  # how rare a term is in the whole index
    focus: Window | None = None  # the days the question is about
    copies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # other outlets, by article
    as_of: datetime.date | None = None  # the day the question is asked
    asked: str = ""  # the question as the person asked it
    choices: tuple[str, ...] = ()  # "which of them": the previous answer's items


class Reader(Protocol):
    """Turns evidence into a Draft (verified by the chain before anyone sees it)."""

    name: str

    def read(self, evidence: Evidence) -> Draft: ...

    def stream(self, evidence: Evidence) -> Iterator[str | Draft]:
        """Text as it is written (if the reader writes), then the Draft."""
        ...
