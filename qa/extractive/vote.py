"""The vote: the candidate the best sentences agree on, each vote weighted by the
sentence's score and by where the candidate stands in it."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from index.terms import terms
from qa.entities import Entity
from qa.extractive.lexicon import STATE_NAMES
from qa.extractive.question import Question
from qa.extractive.roots import meets, roots
from qa.extractive.sentences import Sentence
from qa.extractive.shaping import fullest, norm, spelled_out, widened, with_region
from qa.extractive.weights import (
    COUNT_CHARS,
    LIST_GAP_CHARS,
    MOST_ITEMS,
    NEAR_CHARS,
    SLOT_CHARS,
    VOTERS,
    VoteFeatures,
    Weights,
)


@dataclass(frozen=True)
class Vote:
    """The outcome of the vote: the answer (empty when none leads), the best sentence that
    states it, and how strongly the evidence agrees on it."""

    answer: str = ""
    support: Sentence | None = None
    share: float = 0.0  # of all the votes
    margin: float = 0.0  # share over the runner-up's
    from_lead: bool = False  # the best sentence names it
    listed: bool = False  # several items the best sentence states together
    chosen: bool = False  # one of the previous answer's items ("which of them")
    # each candidate's vote features, summed over the sentences naming it
    candidates: Mapping[str, VoteFeatures] = field(default_factory=dict, compare=False)

def short_answer(scored: Sequence[Sentence], question: Question, w: Weights,
                 fit: Mapping[str, float] | None = None, context: Sequence[str] = ()) -> Vote:
    """The entity the best sentences agree on, and the best sentence that states it; for a
    question asking for several things, those the best sentence states together; for
    "which of them", the item the best sentence puts nearest the question's words."""
    typed = apt_only(chosen([s for s in scored if s.entities], question.choices), question)
    if not typed:
        return Vote()
    tallies, shown = _tallies(typed, question, w, fit or {})
    votes = {name: w.score(tally) for name, tally in tallies.items()}
    ranked = sorted(votes, key=votes.get, reverse=True)
    total = sum(votes.values()) or 1.0
    lead = typed[0]

    def vote(answer: str, names: Sequence[str], support: Sentence, **marks: bool) -> Vote:
        share = sum(votes[n] for n in names) / total
        runner_up = next((votes[n] for n in ranked if n not in names), 0.0) / total
        return Vote(answer, support, share=share, margin=share - runner_up,
                    from_lead=support is lead, candidates=tallies, **marks)

    if question.choices:  # "which of them": the item the best sentence puts nearest its words
        for s in typed[:VOTERS]:
            if (closest := nearest(s, question)) is not None:
                return vote(closest.text, [norm(closest.text)], s, chosen=True)
    elif question.asks_several:
        items = listed(lead, question, votes)
        if len(items) > 1:
            return vote(", ".join(items[:-1]) + " and " + items[-1], [norm(i) for i in items],
                        lead, listed=True)
    winner = ranked[0]
    support = next(s for s in typed if any(winner in norm(e.text) or norm(e.text) in winner
                                           for e in s.entities))
    agreed = vote("", [winner], support)
    if agreed.share >= w.min_share or support is lead:
        name = with_region(widened(shown[winner], support.text), support)
        if question.labels & {"PERSON", "ORG"} and not question.labels & {"GPE"}:
            name = fullest(name, context)
        return dataclasses.replace(agreed, answer=spelled_out(name))
    return Vote(candidates=tallies)


def apt_only(typed: list[Sentence], question: Question) -> list[Sentence]:
    """When some candidates are what the question asks for exactly (a number followed by
    what it counts, "one Super Bowl", or a US state for "which state"), only those: not the
    "15" of "15 as the team's starting quarterback", not "Los Angeles" for a state."""
    unit = question.unit_terms

    def apt(s: Sentence, e: Entity) -> bool:
        counts = bool(unit) and unit[0] in terms(s.text[e.start : e.end + COUNT_CHARS])
        return counts or (question.asks_state and spelled_out(e.text) in STATE_NAMES)

    if not any(apt(s, e) for s in typed[:VOTERS] for e in s.entities):
        return typed
    return [t for s in typed if (t := dataclasses.replace(
        s, entities=tuple(e for e in s.entities if apt(s, e)))).entities]


def _tallies(typed: Sequence[Sentence], question: Question, w: Weights,
             fit: Mapping[str, float]) -> tuple[dict[str, VoteFeatures], dict[str, str]]:
    """Per candidate (as compared), its vote's features summed over the best sentences
    naming it, and the candidate as first written."""
    tallies: dict[str, VoteFeatures] = {}
    shown: dict[str, str] = {}
    for s in typed[:VOTERS]:
        weight = math.exp((s.score - typed[0].score) / w.vote_temperature)
        best: dict[str, VoteFeatures] = {}
        for e in s.entities:
            features = VoteFeatures(named=1.0, slot=float(bool(
                question.slot and question.slot.search(
                    s.text[max(0, e.start - SLOT_CHARS) : e.start]))))
            name = norm(e.text)
            if fit:
                features = features.scaled(
                    math.exp((fit.get(name, 0.0) - 1.0) / w.fit_temperature))
            if name not in best or w.score(features) > w.score(best[name]):
                best[name] = features
            shown.setdefault(name, e.text)
        for name, features in best.items():
            tallies[name] = tallies.get(name, VoteFeatures()) + features.scaled(weight)
    _merge_partial_names(tallies, shown, typed, w)
    return tallies, shown


def _merge_partial_names(tallies: dict[str, VoteFeatures], shown: dict[str, str],
                         typed: Sequence[Sentence], w: Weights) -> None:
    """"Iger" and "Bob Iger" are one candidate, also when only a weaker sentence says "Bob
    Iger"."""
    for e in (e for s in typed[VOTERS:] for e in s.entities):
        fuller = norm(e.text)
        if any(fuller.endswith(" " + name) for name in tallies):
            tallies.setdefault(fuller, VoteFeatures())
            shown.setdefault(fuller, e.text)
    for name in sorted(tallies, key=len):
        longer = [o for o in tallies if o != name and re.search(rf"\b{re.escape(name)}\b", o)]
        if longer:
            into = max(longer, key=lambda o: w.score(tallies[o]))
            tallies[into] = tallies[into] + tallies.pop(name)


def nearest(s: Sentence, question: Question) -> Entity | None:
    """The candidate of a sentence with the most of the question's words around it (within
    NEAR_CHARS, not past the candidates beside it): "Netflix co-CEO Ted Sarandos" for "runs
    Netflix"; None when no candidate has any."""
    ents = sorted(s.entities, key=lambda e: e.start)
    best, most = None, 0
    for n, e in enumerate(ents):
        # Between two candidates, what stands before a comma goes with the one before it
        # ("Zaslav, Netflix co-CEO Ted Sarandos": "Netflix co-CEO" is Sarandos's).
        start = max(e.start - NEAR_CHARS, _after_comma(s.text, ents[n - 1].end, e.start)
                    if n else 0)
        end = min(e.end + NEAR_CHARS, _before_comma(s.text, e.end, ents[n + 1].start)
                  if n + 1 < len(ents) else len(s.text))
        around = {r for r, _, _ in roots(f"{s.text[start : e.start]} {s.text[e.end : end]}")}
        met = sum(1 for asked in question.roots if any(meets(asked, r) for r in around))
        if met > most:
            best, most = e, met
    return best


def _after_comma(text: str, start: int, end: int) -> int:
    at = max(text.rfind(",", start, end), text.rfind(";", start, end))
    return at + 1 if at >= 0 else start


def _before_comma(text: str, start: int, end: int) -> int:
    found = [at for at in (text.find(",", start, end), text.find(";", start, end)) if at >= 0]
    return min(found, default=end)


def chosen(typed: list[Sentence], choices: Sequence[str]) -> list[Sentence]:
    """With choices ("which of them"), only the candidates that are one of them."""
    if not choices:
        return typed
    names = [norm(c) for c in choices]

    def one_of(e: Entity) -> bool:
        name = norm(e.text)
        return any(name == c or c.endswith(" " + name) or name.endswith(" " + c) for c in names)

    return [t for s in typed if (t := dataclasses.replace(
        s, entities=tuple(e for e in s.entities if one_of(e)))).entities]


def listed(lead: Sentence, question: Question, votes: Mapping[str, float]) -> list[str]:
    """For a question asking for several things: the candidates the best sentence states
    together (a run joined by commas and "and"), the run whose clause meets most of the
    question's words ("Peter Grant and Diane Fox voted against it" for "who voted
    against"), at most MOST_ITEMS."""
    runs: list[list[Entity]] = []
    for e in (e for e in lead.entities if norm(e.text) in votes):
        between = lead.text[runs[-1][-1].end : e.start] if runs else ""
        if runs and len(between) <= LIST_GAP_CHARS and _JOINED.search(between) \
                and not _CLAUSE_BREAK.search(between):
            runs[-1].append(e)
        else:
            runs.append([e])
    if not runs:
        return []
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(lead.text)]

    def met(n: int) -> int:
        """Question words met in the clause (between breaks) the run stands in."""
        start = max((b for b in breaks if b <= runs[n][0].start), default=0)
        end = min((b for b in breaks if b >= runs[n][-1].end), default=len(lead.text))
        return len({r for r, _, _ in roots(lead.text[start:end]) if question.meets(r)})

    best = max(range(len(runs)), key=lambda n: (len(runs[n]) > 1, met(n)))
    return list(dict.fromkeys(e.text for e in runs[best]))[:MOST_ITEMS]


_JOINED = re.compile(r",|\band\b")
_CLAUSE_BREAK = re.compile(r"[;:]\s|[—–]")  # not ".": "Warner Bros. Discovery"
