"""Words as search terms: lowercase, stopwords out, a light plural stem (shared by BM25 and
the reader, so both see the same vocabulary)."""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also said says say according recently week this last year years new one two
    many much s t""".split()
)


@functools.lru_cache(maxsize=1 << 18)  # a language's words, each stemmed once
def stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Content terms of `text`, in order, repeats kept."""
    return [t for t in (stem(w) for w in _WORD.findall(text)) if t and t not in STOPWORDS]


@functools.lru_cache(maxsize=4096)
def term_set(text: str) -> frozenset[str]:
    """The distinct content terms of `text` (each distinct word stemmed once; the texts a
    process reads again, such as the articles of its answers, once)."""
    return frozenset(t for t in map(stem, set(_WORD.findall(text))) if t and t not in STOPWORDS)
