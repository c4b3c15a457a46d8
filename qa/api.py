"""answer(question) -> Answer: input validation and the engine shared across calls."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from collections.abc import Callable, Iterator, Sequence

from langchain_core.runnables import Runnable

from index.embeddings import MiniLMEmbeddings
from index.settings import Settings, go_offline
from index.store import Store
from index.terms import terms
from qa.chain import build_chain, build_stream
from qa.choosing import ChoosingReader
from qa.citations import Answer, Passage, web_address
from qa.extractive import ExtractiveReader
from qa.grounded import LLMReader, rewrite
from qa.llm import llm_from
from qa.retrieve import HybridRetriever, from_document


@dataclasses.dataclass(frozen=True)
class Engine:
    store: Store
    retriever: HybridRetriever
    reader: ExtractiveReader | LLMReader | ChoosingReader
    chain: Runnable
    stream: Callable[[dict], Iterator[str | Answer]]


@functools.lru_cache(maxsize=4)
def engine(settings: Settings) -> Engine:
    """Store, model, reader and chain for these settings, opened once per process."""
    go_offline()
    store = Store(settings)
    embeddings = MiniLMEmbeddings(threads=settings.threads, embedder=settings.embedder)
    store.check_embedder(embeddings.embedder)
    retriever = HybridRetriever(store=store, embeddings=embeddings, k=settings.k)
    reader = extractive = ExtractiveReader(embeddings)
    llm = llm_from(settings)
    if llm and settings.llm_style == "choose":
        reader = ChoosingReader(llm, extractive)
    elif llm:
        reader = LLMReader(llm, extractive, settings.llm_max_tokens)
    return Engine(store, retriever, reader, build_chain(store, retriever, reader),
                  build_stream(store, retriever, reader))


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

    `as_of` is "today" for the question: later articles are not used, and the days just
    before it come first. The days a question names ("this week", "in August") come first
    in any case, counted from `as_of` or else from the newest article's date. `since` and
    `until` keep only articles published in that range; `sources` only articles from those
    outlets or web sites. Raises TypeError/ValueError for bad input, IndexUnavailable when
    there is no index.
    """
    settings = settings or Settings()
    inputs = _inputs(question, history, k, as_of, since, until, sources, settings)
    return dataclasses.replace(engine(settings).chain.invoke(inputs), question=inputs["asked"])


def stream(question: str, *, history: Sequence | None = None, k: int | None = None,
           as_of: datetime.date | str | None = None, since: datetime.date | str | None = None,
           until: datetime.date | str | None = None, sources: Sequence[str] | None = None,
           settings: Settings | None = None) -> Iterator[str | Answer]:
    """As answer(), but yields the reader's text as it is written (LLM readers), then the
    verified Answer, which may differ: unsupported sentences are dropped."""
    settings = settings or Settings()
    inputs = _inputs(question, history, k, as_of, since, until, sources, settings)
    for piece in engine(settings).stream(inputs):
        yield dataclasses.replace(piece, question=inputs["asked"]) \
            if isinstance(piece, Answer) else piece


def search(query: str, *, k: int | None = None, as_of: datetime.date | str | None = None,
           since: datetime.date | str | None = None, until: datetime.date | str | None = None,
           sources: Sequence[str] | None = None, settings: Settings | None = None
           ) -> list[Passage]:
    """The best chunks for `query` (the retrieval answer() reads), best first, with the
    same scope arguments; no reader."""
    settings = settings or Settings()
    inputs = _inputs(query, (), k, as_of, since, until, sources, settings)
    parts = engine(settings)
    documents = parts.retriever.invoke(inputs["question"], k=inputs["k"], as_of=inputs["as_of"],
                                       since=inputs["since"], until=inputs["until"],
                                       sources=inputs["sources"])
    chunks = [from_document(doc) for doc in documents]
    articles = parts.store.get_articles(c.article_id for c in chunks)
    return [Passage(c.article_id, a.title, a.date, a.source, web_address(a.url), c.text, c.start,
                    c.end) for c in chunks if (a := articles.get(c.article_id))]


def _inputs(question, history, k, as_of, since, until, sources, settings: Settings) -> dict:
    question = validate(question, settings)
    if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 50):
        raise ValueError(f"k must be a whole number from 1 to 50. Currently, k is {k!r}.")
    if isinstance(sources, str) or not all(isinstance(s, str) for s in sources or ()):
        raise TypeError("sources must be a list of outlet names or web sites.")
    dates = {name: _date(name, value)
             for name, value in (("as_of", as_of), ("since", since), ("until", until))}
    return {"question": standalone(question, history or (), settings), "asked": question,
            "k": k or settings.k, **dates, "sources": tuple(sources or ())}


def standalone(question: str, history: Sequence, settings: Settings) -> str:
    """A follow-up rewritten to stand alone: by the LLM when there is one, else (or when it
    gives nothing usable) by carrying the previous question's terms."""
    earlier = [_text_of(turn) for turn in history if _role_of(turn) == "user"]
    reader = engine(settings).reader if earlier else None
    if isinstance(reader, LLMReader | ChoosingReader):
        rewritten = rewrite(reader.llm, question, earlier)
        if rewritten:
            return rewritten
    return with_context(question, history)


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
