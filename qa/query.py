"""Query: a question, its history and its scope, parsed and validated once at the edge; every
step below takes it as it is."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from index.settings import Settings
from qa.errors import BadQuestion

Role = Literal["user", "assistant"]
MAX_K = 50  # the most chunks a reader may be given


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: Role
    text: str


@dataclass(frozen=True)
class Query:
    """What to answer: `question` as asked, its `history` (oldest first), how many chunks to
    read, the day it is asked (`as_of`: nothing later is used), and the articles it may use
    (published between `since` and `until`, from `sources`)."""

    question: str
    history: tuple[Turn, ...] = ()
    k: int = 8
    as_of: datetime.date | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    sources: tuple[str, ...] = ()
    timeline: bool = False  # also the answers the coverage gave over time (qa/timeline.py)

    @classmethod
    def parse(cls, question: object, settings: Settings, *, history: Iterable | None = None,
              k: object = None, as_of: object = None, since: object = None,
              until: object = None, sources: object = None, timeline: object = False
              ) -> Query:
        """A Query from what a caller passed; BadQuestion (a ValueError and a TypeError) with
        a sentence saying what to fix."""
        if k is not None and (not isinstance(k, int) or isinstance(k, bool)
                              or not 1 <= k <= MAX_K):
            raise BadQuestion(f"k must be a whole number from 1 to {MAX_K}. "
                             f"Currently, k is {k!r}.")
        if isinstance(sources, str) or not all(isinstance(s, str) for s in sources or ()):
            raise BadQuestion("sources must be a list of outlet names or web sites.")
        if history is not None and (isinstance(history, str | bytes | dict)
                                    or not isinstance(history, Iterable)):
            raise BadQuestion('history must be a list of messages like {"role": "user", '
                              '"content": "Who attended the talks?"}.')
        if timeline not in (None, True, False):
            raise BadQuestion(f"timeline must be true or false. Currently, it is {timeline!r}.")
        return cls(question=validate(question, settings), history=turns(history or ()),
                   k=k or settings.k, as_of=_date("as_of", as_of),
                   since=_date("since", since), until=_date("until", until),
                   sources=tuple(sources or ()), timeline=bool(timeline))

    @property
    def earlier_questions(self) -> list[str]:
        return [turn.text for turn in self.history if turn.role == "user"]


def turns(history: Iterable) -> tuple[Turn, ...]:
    """Turns from Turn records, {"role", "content"} messages (content as text), or
    (question, answer) pairs."""
    found: list[Turn] = []
    for item in history:
        if isinstance(item, Turn):
            found.append(item)
        elif isinstance(item, dict):
            role = item.get("role")
            if role in ("user", "assistant"):
                found.append(Turn(role=role, text=str(item.get("content") or "")))
        elif isinstance(item, Sequence) and not isinstance(item, str) and item:
            found.append(Turn(role="user", text=str(item[0])))
            if len(item) > 1 and item[1]:
                found.append(Turn(role="assistant", text=str(item[1])))
        else:
            found.append(Turn(role="user", text=str(item)))
    return tuple(found)


def _date(name: str, value: object) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadQuestion(
            f"{name} must be a date like 2023-09-23. Currently, it is {value!r}.") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and newline


def validate(question: object, settings: Settings) -> str:
    """The question with control characters blanked and spaces trimmed; empty, too long or
    not text is refused."""
    if not isinstance(question, str):
        raise BadQuestion(f"The question must be text, not {type(question).__name__}.")
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise BadQuestion("The question is empty. Ask something about the coverage.")
    if len(question) > settings.max_question_chars:
        raise BadQuestion(
            f"The question is {len(question):,} characters long; "
            f"the limit is {settings.max_question_chars:,}. Shorten it."
        )
    return question
