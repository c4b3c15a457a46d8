"""The vote: the candidate the best sentences agree on, each vote weighted by the
sentence's score and by where the candidate stands in it."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from index.terms import STOPWORDS, terms
from qa.entities import Entity
from qa.extractive.lexicon import STATE_NAMES
from qa.extractive.sentences import Sentence
from qa.extractive.shaping import fullest, norm, spelled_out, widened, with_region
from qa.extractive.weights import COUNT_CHARS, SLOT_CHARS, VOTERS, WORD_STEM_CHARS, Weights
from qa.questions import PERSON, asked_kind, counted


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

def short_answer(scored: Sequence[Sentence], labels: frozenset[str], question: str,
                 w: Weights, fit: Mapping[str, float] | None = None,
                 context: Sequence[str] = ()) -> Vote:
    """The entity the best sentences agree on, and the best sentence that states it; for a
    who-question whose best sentence names several people, all of them."""
    unit = terms(counted(question))  # "how many years": a number followed by "years"
    asks_state = asked_kind(question)[1].lower().endswith("state")

    def counts(s: Sentence, e: Entity) -> bool:
        return bool(unit) and unit[0] in terms(s.text[e.start : e.end + COUNT_CHARS])

    def apt(s: Sentence, e: Entity) -> bool:
        """What the question asks for exactly: a number followed by what it counts ("one
        Super Bowl"), or one of the US states for "which state"."""
        return counts(s, e) or (asks_state and spelled_out(e.text) in STATE_NAMES)

    typed = [s for s in scored if s.entities]
    if any(apt(s, e) for s in typed[:VOTERS] for e in s.entities):
        # Some answers are apt: only those answer (not the "15" of "15 as the team's
        # starting quarterback" for "how many Super Bowls", not "Los Angeles" for a state).
        typed = [t for s in typed if (t := dataclasses.replace(
            s, entities=tuple(e for e in s.entities if apt(s, e)))).entities]
    if not typed:
        return Vote()
    tallies: dict[str, dict[str, float]] = {}  # per candidate, its vote's features
    shown: dict[str, str] = {}
    slot = slot_pattern(question)
    for s in typed[:VOTERS]:
        weight = math.exp((s.score - typed[0].score) / w.vote_temperature)
        best: dict[str, dict[str, float]] = {}
        for e in s.entities:
            features = {"named": 1.0, "slot": float(bool(slot and slot.search(
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
    # "Iger" and "Bob Iger" are one candidate, also when only a weaker sentence says "Bob Iger".
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

    if labels == PERSON and re.match(r"\s*who\b", question.lower()):
        people = [e.text for e in lead.entities if norm(e.text) in votes]
        people = list(dict.fromkeys(people))[:4]
        if len(people) > 1:
            return Vote(", ".join(people[:-1]) + " and " + people[-1], lead,
                        **agreement([norm(p) for p in people], lead))
    winner = ranked[0]
    support = next(s for s in typed if any(winner in norm(e.text) or norm(e.text) in winner
                                           for e in s.entities))
    agreed = agreement([winner], support)
    if agreed["share"] >= w.min_share or support is lead:
        name = with_region(widened(shown[winner], support.text), support)
        if labels & {"PERSON", "ORG"} and not labels & {"GPE"}:
            name = fullest(name, context)
        return Vote(spelled_out(name), support, **agreed)
    return Vote(candidates=tallies)


_BEFORE_WH = re.compile(r"\b([A-Za-z]{4,})(?:\s+(?:of|to|for|on|in|as|with|by|at|from))?"
                        r"\s+(?:what|which)\b", re.I)


def slot_pattern(question: str) -> re.Pattern | None:
    """Where the answer sits in a sentence that says it the question's way: after the word
    before "what" ("balancing what on his finger": "balancing an umbrella")."""
    found = _BEFORE_WH.search(question)
    if not found or found.group(1).lower() in STOPWORDS:
        return None
    word = found.group(1).lower()[:WORD_STEM_CHARS]
    return re.compile(rf"\b{word}\w*(?:\s+\S+){{0,3}}\s+$", re.I)
