"""The timeline of an answer: the distinct answers the coverage gave, oldest first, each with
the days it was stated and a verified quote. It is read off the extractive reader's own
candidates (the entities of the kind asked for in its best sentences), grouped by answer
across the dated articles that state them; no second reader."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.records import Article, iso
from qa.citations import Answer, Quote, Stage, citation_of, is_verbatim
from qa.extractive import Reading
from qa.extractive.sentences import Sentence
from qa.extractive.shaping import norm
from qa.extractive.vote import apt_only

TIMELINE_CHUNKS = 16  # chunks read for a timeline: more than for one answer, to span time
MOST_STAGES = 5  # distinct answers shown at most
STAGE_SHARE = 0.2  # an answer is shown when its weight is at least this share of the top's


@dataclass(frozen=True)
class _Group:
    answer: str  # the fullest wording
    keys: frozenset[str]
    weight: float
    sentences: tuple[Sentence, ...]


def _words(key: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", key))


def same_answer(a: str, b: str) -> bool:
    """Whether two candidates are one answer said differently: the words of one stand in
    the other, in order ("John" in "Elton John"; "90 seconds" in "just 90 seconds")."""
    x, y = _words(norm(a)), _words(norm(b))
    if not x or not y:
        return False
    short, long = sorted((x, y), key=len)
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def stages_read(reading: Reading, articles: Mapping[str, Article]
                ) -> list[tuple[str, datetime.date, datetime.date, Quote]]:
    """The stages of the candidates the reader's vote weighs: the entities of the kind asked
    for, and of those, what the question counts when some count it ("3,500 passengers", not
    "six dollars", for "how many passengers")."""
    sentences = [s for s in reading.sentences if s.entities]
    if reading.question is not None:
        sentences = apt_only(sentences, reading.question)
    return stages_of(sentences, articles)


def stages_of(sentences: Sequence[Sentence], articles: Mapping[str, Article]
              ) -> list[tuple[str, datetime.date, datetime.date, Quote]]:
    """(answer, first day, last day, quote) for each distinct answer the scored sentences
    state, oldest first. An answer weighs the scores of the sentences stating it (below
    zero: nothing); undated articles cannot be placed in time and are left out."""
    dated = [s for s in sentences if s.entities and (a := articles.get(s.article_id))
             and a.date is not None]
    if not dated:
        return []
    groups: list[_Group] = []
    for s in dated:
        weight = max(s.score, 0.0) + 1e-6
        for e in dict.fromkeys(e.text for e in s.entities):
            into = next((g for g in groups if any(same_answer(e, k) for k in g.keys)), None)
            if into is None:
                groups.append(_Group(e, frozenset({e}), weight, (s,)))
                continue
            fuller = e if len(e) > len(into.answer) else into.answer
            groups[groups.index(into)] = _Group(
                fuller, into.keys | {e}, into.weight + weight,
                into.sentences + ((s,) if s not in into.sentences else ()))
    groups.sort(key=lambda g: g.weight, reverse=True)
    kept = [g for g in groups[:MOST_STAGES] if g.weight >= STAGE_SHARE * groups[0].weight]
    stages = []
    for g in kept:
        days = [articles[s.article_id].date for s in g.sentences]
        best = max(g.sentences, key=lambda s: s.score)
        stages.append((g.answer, min(days), max(days), best.quote()))
    return sorted(stages, key=lambda st: (st[1], st[2]))


def with_timeline(answer: Answer, stages: Sequence[tuple[str, datetime.date, datetime.date,
                                                         Quote]],
                  articles: Mapping[str, Article]) -> Answer:
    """The answer with its timeline: each stage's quote verified (a stage without one is
    left out) and cited after the answer's own citations (the same quote keeps its number)."""
    citations = list(answer.citations)
    numbers = {(c.article_id, c.start, c.end): c.n for c in citations}
    timeline = []
    for text, first, last, quote in stages:
        if not is_verbatim(quote, articles):
            continue
        key = (quote.article_id, quote.start, quote.end)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(citation_of(numbers[key], quote, articles[quote.article_id], ()))
        timeline.append(Stage(text, first, last, (numbers[key],)))
    return dataclasses.replace(answer, citations=tuple(citations), timeline=tuple(timeline))


def timeline_text(stages: Sequence[Stage]) -> str:
    """"2020-01-23: **100 seconds** [1] → 2023-01-24 to 2023-01-30: **90 seconds** [2]"."""
    def days(s: Stage) -> str:
        return iso(s.first) if s.first == s.last else f"{iso(s.first)} to {iso(s.last)}"

    return " → ".join(f"{days(s)}: **{s.answer}** " + "".join(f"[{n}]" for n in s.citations)
                      for s in stages)
