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
from qa.extractive.sentences import Sentence
from qa.extractive.shaping import fullest, norm, spelled_out, widened, with_region
from qa.extractive.weights import COUNT_CHARS, SLOT_CHARS, VOTERS, Weights
from qa.questions import PERSON


@dataclass(frozen=True)
class Vote:
    """The outcome of the vote: the answer (empty when none leads), the best sentence that
    states it, and how strongly the evidence agrees on it."""

    answer: str = ""
    support: Sentence | None = None
    share: float = 0.0  # of all the votes
    margin: float = 0.0  # share over the runner-up's
    articles: int = 0  # voting articles that name it
    from_lead: bool = False  # the best sentence names it
    # each candidate's vote features, summed over the sentences naming it
    candidates: Mapping[str, Mapping[str, float]] = field(default_factory=dict, compare=False)

def short_answer(scored: Sequence[Sentence], question: Question, w: Weights,
                 fit: Mapping[str, float] | None = None, context: Sequence[str] = ()) -> Vote:
    """The entity the best sentences agree on, and the best sentence that states it; for a
    who-question whose best sentence names several people, all of them."""
    typed = apt_only([s for s in scored if s.entities], question)
    if not typed:
        return Vote()
    tallies, shown = _tallies(typed, question, w, fit or {})
    votes = {name: w.score(tally) for name, tally in tallies.items()}
    ranked = sorted(votes, key=votes.get, reverse=True)
    total = sum(votes.values()) or 1.0
    lead = typed[0]

    def agreement(names: Sequence[str], support: Sentence) -> dict:
        share = sum(votes[n] for n in names) / total
        runner_up = next((votes[n] for n in ranked if n not in names), 0.0) / total
        naming = {s.article_id for s in typed[:VOTERS]
                  if any(norm(e.text) in names for e in s.entities)}
        return {"share": share, "margin": share - runner_up, "articles": len(naming),
                "from_lead": support is lead, "candidates": tallies}

    if question.labels == PERSON and question.asks_who:
        people = list(dict.fromkeys(e.text for e in lead.entities if norm(e.text) in votes))
        people = people[:4]
        if len(people) > 1:
            return Vote(", ".join(people[:-1]) + " and " + people[-1], lead,
                        **agreement([norm(p) for p in people], lead))
    winner = ranked[0]
    support = next(s for s in typed if any(winner in norm(e.text) or norm(e.text) in winner
                                           for e in s.entities))
    agreed = agreement([winner], support)
    if agreed["share"] >= w.min_share or support is lead:
        name = with_region(widened(shown[winner], support.text), support)
        if question.labels & {"PERSON", "ORG"} and not question.labels & {"GPE"}:
            name = fullest(name, context)
        return Vote(spelled_out(name), support, **agreed)
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
             fit: Mapping[str, float]) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Per candidate (as compared), its vote's features summed over the best sentences
    naming it, and the candidate as first written."""
    tallies: dict[str, dict[str, float]] = {}
    shown: dict[str, str] = {}
    for s in typed[:VOTERS]:
        weight = math.exp((s.score - typed[0].score) / w.vote_temperature)
        best: dict[str, dict[str, float]] = {}
        for e in s.entities:
            features = {"named": 1.0, "slot": float(bool(question.slot and question.slot.search(
                s.text[max(0, e.start - SLOT_CHARS) : e.start])))}
            name = norm(e.text)
            if fit:
                factor = math.exp((fit.get(name, 0.0) - 1.0) / w.fit_temperature)
                features = {k: v * factor for k, v in features.items()}
            if name not in best or w.score(features) > w.score(best[name]):
                best[name] = features
            shown.setdefault(name, e.text)
        for name, features in best.items():
            tally = tallies.setdefault(name, dict.fromkeys(features, 0.0))
            for k, v in features.items():
                tally[k] += weight * v
    _merge_partial_names(tallies, shown, typed, w)
    return tallies, shown


def _merge_partial_names(tallies: dict[str, dict[str, float]], shown: dict[str, str],
                         typed: Sequence[Sentence], w: Weights) -> None:
    """"Iger" and "Bob Iger" are one candidate, also when only a weaker sentence says "Bob
    Iger"."""
    for e in (e for s in typed[VOTERS:] for e in s.entities):
        fuller = norm(e.text)
        if any(fuller.endswith(" " + name) for name in tallies):
            tallies.setdefault(fuller, {})
            shown.setdefault(fuller, e.text)
    for name in sorted(tallies, key=len):
        longer = [o for o in tallies if o != name and re.search(rf"\b{re.escape(name)}\b", o)]
        if longer:
            into = tallies[max(longer, key=lambda o: w.score(tallies[o]))]
            for k, v in tallies.pop(name).items():
                into[k] = into.get(k, 0.0) + v
