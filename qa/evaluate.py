"""`newsqa eval`: retrieval and answer quality on RealTimeQA-format questions."""

from __future__ import annotations

import contextlib
import datetime
import gzip
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.settings import Settings
from qa.grounded import FALLBACK, NEITHER

# Questions that only make sense next to their multiple choices.
MULTIPLE_CHOICE = re.compile(
    r"which of (these|the following)|\bfollowing\b|\bexcept\b|all of the above|none of the above",
    re.I)


ARTICLES_PER_FILE = 1000  # articles per JSONL file the eval indexes (files over 50 MB are refused)

# Questions about the days just before they were asked.
ASKS_RECENT = re.compile(r"\b(this|past|last) (week|weekend|month)\b|\brecent(ly)?\b|"
                         r"\blatest\b|\byesterday\b|\btoday\b", re.I)


def normalise(text: str) -> str:
    text = re.sub(r"[\"'“”‘’*]", "", text.lower())
    return " ".join(text.split()).rstrip(".,;:!?")


def contains(text: str, gold: str) -> bool:
    return normalise(gold) in normalise(text)


_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                 "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()


def answers(text: str, gold: str) -> bool:
    """Whether an answer gives the gold answer: it contains it, or says a small whole number
    the other way ("five" for "5", "6" for "Six")."""
    if contains(text, gold):
        return True
    number = normalise(gold)
    if number.isdigit() and int(number) < len(_NUMBER_WORDS):
        other = _NUMBER_WORDS[int(number)]
    elif number in _NUMBER_WORDS:
        other = str(_NUMBER_WORDS.index(number))
    else:
        return False
    alone = rf"(?<![\w.,]){other}(?![\w.,]\w| (?:hundred|thousand|million|billion|trillion))"
    return re.search(alone, normalise(text)) is not None  # "2", not "2 million" for "two"


@dataclass(frozen=True)
class Row:
    qid: str
    question: str
    gold: str
    answer: str
    abstained: bool
    score: float
    citations: list[str]
    hit_rank: int | None  # rank (1-based) of the first answer-bearing chunk, within k
    seconds: float
    asks_recent: bool  # the question says "this week", "recently", ...
    fresh: bool  # an answer-bearing article was published in the 30 days before the question
    reader: str = "extractive"
    llm_shown: bool = False  # the LLM's own answer was shown, not the extractive fallback


def load_questions(path: Path, limit: int | None, seed: int, answerable: bool) -> list[dict]:
    questions = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    questions = [q for q in questions if not MULTIPLE_CHOICE.search(q["question"])]
    if answerable:
        questions = [q for q in questions if q["gcs_doc_ids_containing_answer"]]
    random.Random(seed).shuffle(questions)
    return questions[:limit] if limit else questions


def write_articles(source: Path, ids: set[str] | None, folder: Path) -> dict[str, str]:
    """Copy the articles with these ids (every article for None) into JSONL files in
    `folder`, each under the loader's size limit; returns their publication dates
    (YYYY-MM-DD)."""
    opener = gzip.open if source.suffix == ".gz" else open
    dates: dict[str, str] = {}
    folder.mkdir(parents=True, exist_ok=True)
    with opener(source, "rt") as src, contextlib.ExitStack() as files:
        written = 0
        for line in src:
            record = json.loads(line) if line.strip() else {}
            if record.get("doc_id") and (ids is None or record["doc_id"] in ids):
                if written % ARTICLES_PER_FILE == 0:
                    part = folder / f"articles-{written // ARTICLES_PER_FILE:03d}.jsonl"
                    out = files.enter_context(part.open("w"))
                out.write(line)
                written += 1
                dates[record["doc_id"]] = str(record.get("publish_date") or "").replace("/", "-")
    return dates


def fresh(question: dict, dates: dict[str, str], days: int = 30) -> bool:
    asked = datetime.date.fromisoformat(question["question_date"].replace("/", "-"))
    since = (asked - datetime.timedelta(days=days)).isoformat()
    return any(since <= dates.get(d, "")[:10] <= asked.isoformat()
               for d in question["gcs_doc_ids_containing_answer"])


def hit_rank(passages: list[tuple[str, str]], question: dict, k: int) -> int | None:
    """Rank of the first (article id, text) passage from an answer-bearing article that
    contains the gold answer."""
    bearing = set(question["gcs_doc_ids_containing_answer"])
    for rank, (article_id, text) in enumerate(passages[:k], start=1):
        if article_id in bearing and contains(text, question["gold_answer"]):
            return rank
    return None


def evaluate(questions: list[dict], k: int,
             retrieve: Callable[[str, int, str | None], list] | None,
             ask: Callable[[str, str | None], object], dates: dict[str, str],
             use_dates: bool = True) -> list[Row]:
    """A row per question; without `retrieve`, no hit rank (retrieval scored elsewhere)."""
    rows = []
    for q in questions:
        as_of = q["question_date"].replace("/", "-") if use_dates else None
        started = time.perf_counter()
        result = ask(q["question"], as_of)
        seconds = time.perf_counter() - started
        rows.append(Row(
            q["qid"], q["question"], q["gold_answer"], result.text, result.abstained, result.score,
            [c.article_id for c in result.citations],
            hit_rank(retrieve(q["question"], k, as_of), q, k) if retrieve else None, seconds,
            bool(ASKS_RECENT.search(q["question"])), fresh(q, dates), result.reader,
            llm_shown(result),
        ))
    return rows


def llm_shown(result) -> bool:
    """Whether an answer is the LLM's own, not the extractive reader's in its place."""
    return result.reader.startswith("llm") and not any(
        note.endswith(FALLBACK) or note == NEITHER for note in result.notes)


def reader_scores(rows: list[Row], prefix: str) -> dict[str, float]:
    """Answer quality and speed of one reader (an LLM style) on the same questions."""
    n = len(rows) or 1
    latency = sorted(r.seconds for r in rows) or [0.0]
    return {
        f"{prefix}acc@60": sum(answers(r.answer[:60], r.gold) for r in rows) / n,
        f"{prefix}acc@300": sum(answers(r.answer[:300], r.gold) for r in rows) / n,
        f"{prefix}abstained": sum(r.abstained for r in rows) / n,
        f"{prefix}llm shown": sum(r.llm_shown for r in rows) / n,
        f"{prefix}p50 s": statistics.median(latency),
        f"{prefix}p95 s": latency[min(len(latency) - 1, int(0.95 * len(latency)))],
    }


def retrieval_scores(hits: list[int | None], k: int, prefix: str = "") -> dict[str, float]:
    n = len(hits) or 1
    return {
        f"{prefix}hit@1": sum(1 for h in hits if h and h <= 1) / n,
        f"{prefix}hit@5": sum(1 for h in hits if h and h <= 5) / n,
        f"{prefix}hit@{k}": sum(1 for h in hits if h) / n,
        f"{prefix}mrr@{k}": sum(1 / h for h in hits if h) / n,
    }


def summary(rows: list[Row], k: int) -> dict[str, float]:
    n = len(rows) or 1
    answered = [r for r in rows if not r.abstained]
    latency = sorted(r.seconds for r in rows) or [0.0]
    return {
        "questions": len(rows),
        **retrieval_scores([r.hit_rank for r in rows], k),
        "acc@60": sum(answers(r.answer[:60], r.gold) for r in rows) / n,
        "acc@300": sum(answers(r.answer[:300], r.gold) for r in rows) / n,
        "acc": sum(answers(r.answer, r.gold) for r in rows) / n,
        "abstained": (len(rows) - len(answered)) / n,
        "acc@300 answered": (sum(answers(r.answer[:300], r.gold) for r in answered)
                             / (len(answered) or 1)),
        "p50 s": statistics.median(latency),
        "p95 s": latency[min(len(latency) - 1, int(0.95 * len(latency)))],
        **subset("'this week'", [r for r in rows if r.asks_recent]),
        **subset("fresh gold", [r for r in rows if r.fresh]),
    }


def subset(name: str, rows: list[Row]) -> dict[str, float]:
    """hit@5 and answer accuracy on some of the questions."""
    n = len(rows) or 1
    return {
        f"{name} questions": len(rows),
        f"{name} hit@5": sum(1 for r in rows if r.hit_rank and r.hit_rank <= 5) / n,
        f"{name} acc@60": sum(answers(r.answer[:60], r.gold) for r in rows) / n,
        f"{name} acc@300": sum(answers(r.answer[:300], r.gold) for r in rows) / n,
    }


def _with_llm(settings: Settings, questions: list[dict], k: int, dates: dict[str, str],
              use_dates: bool) -> list[Row]:
    """The rows of one LLM reader on the same questions and index."""
    from qa.api import answer

    answer("warm up", settings=settings)
    return evaluate(questions, k, None,
                    lambda q, as_of: answer(q, as_of=as_of, settings=settings), dates, use_dates)


def run(questions_path: Path, articles_path: Path, *, limit: int | None, seed: int, k: int,
        index_dir: Path | None, out: Path | None, answerable: bool = True,
        baseline: bool = False, use_dates: bool = True, llm: dict | None = None,
        styles: tuple[str, ...] = ("write", "choose"), every_article: bool = False) -> dict:
    """Scores of the extractive reader; with `llm` (settings naming a model), also of each
    LLM style on the same index and questions. The index holds the questions' articles, or
    with `every_article` every article of the file (a larger haystack)."""
    from index.articles import load_articles
    from index.build import build
    from qa.api import answer
    from qa.baseline import tutorial_retriever
    from qa.pipeline import pipeline

    questions = load_questions(questions_path, limit, seed, answerable)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=index_dir or Path(tmp) / "index")
        corpus = Path(tmp) / "articles"
        asked = {d for q in questions for d in q["gcs_doc_ids"]}
        dates = write_articles(articles_path, None if every_article else asked, corpus)
        report = build([corpus], settings)
        retriever = pipeline(settings).retriever

        def retrieve(question: str, depth: int, as_of: str | None):
            as_of = datetime.date.fromisoformat(as_of) if as_of else None
            found = retriever.retrieve(question, k=depth, as_of=as_of).found
            return [(f.hit.chunk.article_id, f.hit.chunk.text) for f in found]

        answer("warm up", settings=settings)
        rows = evaluate(questions, k, retrieve,
                        lambda q, as_of: answer(q, as_of=as_of, settings=settings),
                        dates, use_dates)
        scores = {"index": report.line(), **summary(rows, k)}
        for style in styles if llm else ():
            more = _with_llm(settings.model_copy(update={**llm, "llm_style": style}),
                             questions, k, dates, use_dates)
            scores |= reader_scores(more, f"llm {style} ")
            rows += more
        if baseline:
            articles = load_articles([corpus], on_skip=lambda *_: None)  # reported above
            tutorial = tutorial_retriever(articles, Path(tmp) / "tutorial", retriever.embeddings, k)
            hits = [hit_rank([(d.metadata["article_id"], d.page_content)
                              for d in tutorial.invoke(q["question"])], q, k)
                    for q in questions]
            scores |= retrieval_scores(hits, k, prefix="tutorial ")
            scores["tutorial hit@4"] = sum(1 for h in hits if h and h <= 4) / (len(hits) or 1)
    if out:
        out.write_text("".join(json.dumps(r.__dict__, ensure_ascii=False) + "\n" for r in rows))
    return scores
