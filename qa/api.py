"""answer(question) -> Answer: input validation and the engine shared across calls."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from collections.abc import Sequence

from langchain_core.runnables import Runnable

from index.embeddings import MiniLMEmbeddings
from index.settings import Settings, go_offline
from index.store import Store
from qa.chain import build_chain
from qa.citations import Answer
from qa.readers import ExtractiveReader
from qa.retrieve import HybridRetriever
from qa.terms import terms


@dataclasses.dataclass(frozen=True)
class Engine:
    store: Store
    retriever: HybridRetriever
    chain: Runnable


@functools.lru_cache(maxsize=4)
def engine(settings: Settings) -> Engine:
    """Store, model and chain for these settings, opened once per process."""
    go_offline()
    store = Store(settings)
    embeddings = MiniLMEmbeddings(threads=settings.threads)
    retriever = HybridRetriever(store=store, embeddings=embeddings, k=settings.k)
    return Engine(store, retriever, build_chain(store, retriever, ExtractiveReader(embeddings)))


def answer(
    question: str,
    *,
    history: Sequence | None = None,
    k: int | None = None,
    as_of: datetime.date | str | None = None,
    since: datetime.date | str | None = None,
    until: datetime.date | str | None = None,
    sources: Sequence[str] | None = None,
    settings: Settings | None = None,
) -> Answer:
    """Answer a question from the indexed coverage, citing verbatim quotes.

    `as_of` is "today" for the question (default: the newest article's date): later articles
    are not used, and the days the question names ("this week", "in August"), else the ten
    before `as_of`, come first. `since`/`until` keep only articles published in that range;
    `sources` only articles from those outlets or web sites. Raises TypeError/ValueError for
    bad input, IndexUnavailable when there is no index.
    """
    settings = settings or Settings()
    question = validate(question, settings)
    if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 50):
        raise ValueError(f"k must be a whole number from 1 to 50. Currently, k is {k!r}.")
    if isinstance(sources, str) or not all(isinstance(s, str) for s in sources or ()):
        raise TypeError("sources must be a list of outlet names or web sites.")
    inputs = {"question": with_context(question, history or ()), "k": k or settings.k,
              "as_of": _date("as_of", as_of), "since": _date("since", since),
              "until": _date("until", until), "sources": tuple(sources or ())}
    return dataclasses.replace(engine(settings).chain.invoke(inputs), question=question)


def _date(name: str, value: datetime.date | str | None) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(
            f"{name} must be a date like 2023-09-23. Currently, it is {value!r}.") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and newline


def validate(question: object, settings: Settings) -> str:
    if not isinstance(question, str):
        raise TypeError(f"The question must be text, not {type(question).__name__}.")
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise ValueError("The question is empty. Ask something about the coverage.")
    if len(question) > settings.max_question_chars:
        raise ValueError(
            f"The question is {len(question):,} characters long; "
            f"the limit is {settings.max_question_chars:,}. Shorten it."
        )
    return question


_REFERRING = {"they", "them", "their", "he", "she", "him", "her", "his", "it", "its", "this",
              "that", "those", "these", "there"}


def with_context(question: str, history: Sequence) -> str:
    """A follow-up that refers back ("What did they say?") carries the key terms of the
    previous question, so retrieval sees what "they" are."""
    previous = [_text_of(turn) for turn in history if _role_of(turn) == "user"]
    words = {w.lower() for w in question.replace("?", " ").split()}
    if not previous or not words & _REFERRING:
        return question
    carried = [t for t in dict.fromkeys(terms(previous[-1])) if t not in set(terms(question))]
    return f"{question} ({' '.join(carried)})" if carried else question


def _role_of(turn) -> str:
    if isinstance(turn, dict):
        return turn.get("role", "")
    return "user"  # (user, assistant) pairs: the first element is the user's


def _text_of(turn) -> str:
    if isinstance(turn, dict):
        content = turn.get("content", "")
        if isinstance(content, list):  # Gradio passes content as a list of parts
            return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        return str(content)
    if isinstance(turn, list | tuple):
        return str(turn[0])
    return str(turn)
