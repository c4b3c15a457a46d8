"""The vote: the candidate the best sentences agree on, each vote weighted by the
sentence's score and by where the candidate stands in it."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.terms import STOPWORDS, terms
from qa.entities import Entity
from qa.extractive.lexicon import NOT_VERBS, STATE_NAMES, VAGUE
from qa.extractive.sentences import Sentence
from qa.extractive.shaping import fullest, norm, spelled_out, widened, with_region
from qa.extractive.weights import (
    COUNT_CHARS,
    FAR_CHARS,
    NEAR_CHARS,
    SLOT_CHARS,
    VOTERS,
    WORD_STEM_CHARS,
    Weights,
)
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
    votes: dict[str, float] = {}
    shown: dict[str, str] = {}
    q_terms = set(terms(question))
    slot = slot_pattern(question)
    verb, told = verb_slot(question)
    for s in typed[:VOTERS]:
        weight = math.exp((s.score - typed[0].score) / w.vote_temperature)
        near = [m.start() for m in re.finditer(r"[A-Za-z0-9]+", s.text)
                if terms(m.group()) and terms(m.group())[0] in q_terms]
        best: dict[str, float] = {}
        for e in s.entities:
            # An answer tends to stand next to the words the question asked about.
            distance = min((abs(p - e.start) for p in near), default=FAR_CHARS)
            closeness = 1.0 + w.nearness * math.exp(-distance / NEAR_CHARS)
            if counts(s, e):
                closeness += w.counted
            if slot and slot.search(s.text[max(0, e.start - SLOT_CHARS) : e.start]):
                closeness += w.slot
            if verb and verb.match(s.text[e.end : e.end + SLOT_CHARS]) and (
                    not told or told & set(terms(s.text))):
                closeness += w.verb
            name = norm(e.text)
            if fit:
                closeness *= math.exp((fit.get(name, 0.0) - 1.0) / w.fit_temperature)
            best[name] = max(best.get(name, 0.0), closeness)
            shown.setdefault(name, e.text)
        for name, closeness in best.items():
            votes[name] = votes.get(name, 0.0) + weight * closeness
    # "Iger" and "Bob Iger" are one candidate, also when only a weaker sentence says "Bob Iger".
    for e in (e for s in typed[VOTERS:] for e in s.entities):
        fuller = norm(e.text)
        if any(fuller.endswith(" " + name) for name in votes):
            votes.setdefault(fuller, 0.0)
            shown.setdefault(fuller, e.text)
    for name in sorted(votes, key=len):
        longer = [o for o in votes if o != name and re.search(rf"\b{re.escape(name)}\b", o)]
        if longer:
            votes[max(longer, key=votes.get)] += votes.pop(name)
    ranked = sorted(votes, key=votes.get, reverse=True)
    total = sum(votes.values()) or 1.0
    lead = typed[0]

    def agreement(names: Sequence[str], support: Sentence) -> dict:
        share = sum(votes[n] for n in names) / total
        runner_up = next((votes[n] for n in ranked if n not in names), 0.0) / total
        naming = {s.article_id for s in typed[:VOTERS]
                  if any(norm(e.text) in names for e in s.entities)}
        return {"share": share, "margin": share - runner_up, "articles": len(naming),
                "from_lead": support is lead}

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
    return Vote()


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


_VERB_AFTER = re.compile(r"^\s+(?:(?:recently|reportedly|just|has|have|had|will|did|does)\s+|"
                         r"(?:is|are|was|were)\s+(?=[a-z]+ing\b))?"
                         r"([a-z]{3,})\b")


def verb_slot(question: str) -> tuple[re.Pattern | None, set[str]]:
    """Where the answer sits in a sentence that says it the question's way: before the verb
    that follows "who" or "which ..." ("Which tech company confirmed": "Microsoft confirmed");
    and the terms the question says after that verb, which such a sentence shares ("which
    politician announced ... she's running for president": not "Porter announced her bid
    for the seat")."""
    at, phrase = asked_kind(question)
    who = list(re.finditer(r"\bwho\b", question, re.I))
    if who and who[-1].start() > at:
        rest = question[who[-1].end() :]
    elif phrase:
        rest = question[question.find(phrase, at) + len(phrase) :]
    else:
        return None, set()
    found = _VERB_AFTER.match(rest)
    if not found or found.group(1) in NOT_VERBS:
        return None, set()
    word = found.group(1)[:WORD_STEM_CHARS]
    told = set(terms(rest[found.end() :])) - VAGUE
    return re.compile(rf"[’'s]*\s+(?:\S+\s+){{0,2}}?{word}\w*\b", re.I), told
