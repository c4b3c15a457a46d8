"""Candidates: which entities of the best sentences could stand alone as an answer."""

from __future__ import annotations

import dataclasses
import re

from index.terms import stem, terms
from qa.entities import NAMES, Entity
from qa.extractive.lexicon import DEMONYM_ENDINGS, MONTH_PREFIXES, NUMBER_WORDS, PRONOUNS, VAGUE
from qa.extractive.question import Question
from qa.questions import labels_of


def in_question(entity: Entity, q_terms: set[str]) -> bool:
    """Whether the question already names the entity, or its people ("English": England)."""
    words = terms(entity.text)
    return bool(words) and all(w in q_terms or demonym_of(w, q_terms) for w in words)


def demonym_of(word: str, q_terms: set[str]) -> bool:
    return len(word) >= 4 and any(t.startswith(word[:4]) and t.endswith(DEMONYM_ENDINGS)
                                  for t in q_terms)


# A dateline: "ST. LOUIS — ", "NORTH CHARLESTON, S.C. − ", "WASHINGTON (AP) — ".
_DATELINE = re.compile(r"[A-Z][A-Z.' -]+(?:, [A-Z][\w.' ]*)?(?: \(\w+\))? [—–−-] ")


_AGE = re.compile(r"\d+[- ]years?[- ]old")
_ASKS_AGE = re.compile(r"\b(old|age)\b")
_NUMBER_WORD = re.compile(rf"\b(?:{NUMBER_WORDS})\b")


_COMPOUND = re.compile(r"-([a-z]+)")  # "seven-time", "three-day"


def informative(entity: Entity, sentence: str, question: Question) -> bool:
    """Whether an entity could stand alone as an answer: not a dateline ("WASHINGTON —"),
    not a relative date ("this Saturday", "today"), not an age unless one is asked for."""
    text = entity.text.strip()
    if not any(c.isalnum() for c in text) or text.lower() in PRONOUNS:
        return False  # a lone dash, "they"
    if entity.start == 0 and text.isupper() and (len(text) > 3 or _DATELINE.match(sentence)):
        return False
    if entity.label == "PHRASE":
        # Not a time, nor a thing the question already names unless it is a thing of the
        # kind asked ("which seed": "sesame seeds").
        words = terms(text)
        q_terms = question.terms
        named = words[-1:] != terms(question.kind)[-1:] or all(t in q_terms for t in words)
        vague = stem(text.split()[-1]) in VAGUE
        return bool(words) and not vague and not (named and words[-1] in q_terms)
    unit = question.unit_terms
    if unit and entity.label in ("DATE", "TIME") and unit[0] not in terms(text):
        return False  # "how many years": "30 years", not "March 2022"
    compound = _COMPOUND.match(sentence, entity.end)
    if unit and compound and stem(compound.group(1)) != unit[0]:
        return False  # "how many seasons": not the "seven" of "seven-time winner"
    if entity.label == "DATE":
        lowered = text.lower()
        counting = question.unit and _NUMBER_WORD.search(lowered)
        if not (any(c.isdigit() for c in text) or any(m in lowered for m in MONTH_PREFIXES)
                or counting):  # "how many years": "eight years", not "this week"
            return False
        if _AGE.search(lowered) and not _ASKS_AGE.search(question.text.lower()):
            return False
    return True


_NOUN_BEFORE = re.compile(r"\b([a-z]+) $")


def as_introduced(entity: Entity, sentence: str, labels: frozenset[str]) -> Entity:
    """A name the sentence introduces with what it is ("chain Panera Bread", "automaker
    Tesla") is of that kind, whatever the tagger said ("Panera Bread": a PERSON)."""
    before = _NOUN_BEFORE.search(sentence, 0, entity.start)
    kind = labels_of(before.group(1)) & labels if before else None
    if not kind or entity.label in labels or entity.label not in NAMES:
        return entity
    return dataclasses.replace(entity, label=min(kind))
