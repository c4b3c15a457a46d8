"""The questions the reader's weights (fit_weights.py) and confidence (fit_confidence.py)
are fitted on, with what retrieval found for each: the RealTimeQA dev questions over one
`newsqa eval` index (cross-validated by quiz week), and the fit half of the natural
questions of bench/natural/questions.jsonl over their own folders or that same index as a
haystack (cross-validated by the article that answers them)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.build import build
from index.settings import Settings
from qa import natural
from qa.evaluate import answers, load_questions
from qa.evidence import Evidence
from qa.pipeline import pipeline
from qa.query import Query

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/realtimeqa-2023"
QUIZ = DATA / "questions-dev.jsonl"
CORPUS = DATA / "articles.jsonl.gz"
NATURAL = ROOT / "bench/natural/questions.jsonl"


@dataclasses.dataclass(frozen=True)
class Case:
    set: str  # "quiz" or "natural"
    group: str  # what it is held out by: its quiz week, or its answering article
    kind: str
    gold: tuple[str, ...]  # any of these answers it (for a list, any item)
    every: tuple[str, ...]  # a list: all of these
    abstain: bool  # unanswerable: the right answer is none
    evidence: Evidence

    def right(self, text: str) -> bool:
        return any(answers(text, g) for g in self.gold)

    def whole(self, text: str) -> bool:
        return bool(self.every) and all(answers(text, g) for g in self.every)


def quiz(index_dir: Path, limit: int | None) -> list[Case]:
    settings = Settings(index_dir=index_dir)
    parts = pipeline(settings)
    out = []
    for q in load_questions(QUIZ, limit, 0, True):
        asked = q["question_date"].replace("/", "-")
        week = datetime.date.fromisoformat(asked).isocalendar()
        out.append(Case("quiz", f"{week[0]}-{week[1]:02d}", "quiz", (q["gold_answer"],), (),
                        False, parts.retrieve(Query.parse(q["question"], settings,
                                                          as_of=asked))))
    return out


def natural_cases(haystack_dir: Path | None, folders_dir: Path) -> list[Case]:
    """The natural questions of the fit half (the held half is only ever scored, by `newsqa
    eval`), each folder indexed once under `folders_dir` (kept between runs); haystack
    questions over `haystack_dir` (left out without it)."""
    out = []
    items = natural.load(NATURAL)
    half = natural.halves(items)
    for item in items:
        if half[item.article] != "fit":
            continue
        if item.articles == natural.HAYSTACK:
            if haystack_dir is None:
                continue
            settings = Settings(index_dir=haystack_dir)
        else:
            name = hashlib.sha1("\n".join(item.articles).encode()).hexdigest()[:12]
            settings = Settings(index_dir=folders_dir / name / "index")
            if not (folders_dir / name).exists():
                folder = natural.folder_of(item.articles, NATURAL.parent, CORPUS,
                                           folders_dir / name / "articles")
                build([folder], settings)
        query = Query.parse(item.question, settings, history=item.history, as_of=item.as_of)
        out.append(Case("natural", item.article, item.kind, item.answer or item.all, item.all,
                        item.abstain, pipeline(settings).retrieve(query)))
    return out


def by_set(cases: Sequence[Case], marks: np.ndarray, names: Sequence[str]) -> str:
    """Mean marks per set, as printed: "quiz acc@60 0.476 ... | natural ..."."""
    parts = []
    for name in ("quiz", "natural"):
        rows = [i for i, c in enumerate(cases) if c.set == name]
        if rows:
            parts.append(f"{name} " + " ".join(
                f"{n} {np.nanmean(marks[rows, j]):.3f}" for j, n in enumerate(names)))
    return " | ".join(parts)


def remember_tagging() -> None:
    """Each sentence tagged once over all the fits (the reader tags its best sentences on
    every pass; the tagger's output depends on the text alone)."""
    from qa.extractive import reader

    def remembered(tag):
        seen: dict[tuple, list] = {}

        def tagged(texts, *args):
            new = [t for t in dict.fromkeys(texts) if (t, *args) not in seen]
            if new:
                seen.update(zip(((t, *args) for t in new), tag(new, *args), strict=True))
            return [seen[(t, *args)] for t in texts]

        return tagged

    reader.entities = remembered(reader.entities)
    reader.noun_phrases = remembered(reader.noun_phrases)
