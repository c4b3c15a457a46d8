"""Roots: words compared beyond their inflection — "owns" meets "owner", "died" meets
"death", "runs" meets "chief executive" — so that a plainly worded question finds the
sentence that answers it in other words. Lighter than a lemmatizer (which would not join
"owns" and "owner" either): irregular forms by table, then common suffixes cut."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from index.terms import STOPWORDS, terms

# Forms whose root no suffix rule finds.
IRREGULAR = dict(pair.split("=") for pair in """died=die dies=die death=die dead=die deaths=die
    led=lead ran=run won=win winner=win winners=win bought=buy buyer=buy sold=sell seller=sell
    paid=pay made=make maker=make stole=steal stolen=steal thief=steal thieves=steal theft=steal
    began=begin begun=begin chose=choose chosen=choose wrote=write written=write writer=write
    took=take taken=take gave=give given=give found=find spoke=speak told=tell said=say
    born=bear held=hold met=meet left=leave lost=lose hit=hit shot=shoot fell=fall
    sang=sing sung=sing drove=drive driven=drive ceo=chief ceos=chief""".split())

# What a role is also called: a question asking who runs a company is answered by its chief
# executive, one asking who owns a café by its owner (roots on both sides).
_ROLE_WORDS = {
    "run": "chief head boss president director leader manager chairman chairwoman chair",
    "lead": "chief head boss president director leader chairman chairwoman chair run",
    "head": "chief boss president director leader chairman chairwoman chair run lead",
    "own": "owner proprietor",
}

# Function words never compared; "own" and "against" carry meaning here ("who owns",
# "voted against").
_SKIP = STOPWORDS - {"own", "against", "new", "last", "one", "two"}
_WORD = re.compile(r"[^\W_]+")
_SUFFIXES = ("ership", "ments", "ment", "ings", "ing", "ers", "er", "ors", "or", "ied", "ies",
             "ed", "es", "s")
MIN_ROOT = 3  # a suffix is cut only when at least this much of the word is left


def root(word: str) -> str:
    """The root a word is compared by: "owns", "owner", "ownership" -> "own"; "died",
    "death" -> "die"; "directed", "director" -> "direct"."""
    word = word.lower()
    if word in IRREGULAR:
        return IRREGULAR[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT:
            base = word[: -len(suffix)]
            if suffix in ("ied", "ies"):
                return base + "y"
            if len(base) > MIN_ROOT and base[-1] == base[-2] and base[-1] not in "aeiouls":
                return base[:-1]  # "planned" -> "plan"
            return base
    return word


def roots(text: str) -> Iterator[tuple[str, int, int]]:
    """The roots of a text's content words with where each word stands."""
    for m in _WORD.finditer(text):
        if m.group().lower() not in _SKIP:
            yield root(m.group()), m.start(), m.end()


ROLES = {verb: frozenset(root(w) for w in words.split()) for verb, words in _ROLE_WORDS.items()}


def meets(asked: str, said: str) -> bool:
    """Whether a root of the question meets a root of a sentence: the same, or a name the
    role asked about goes by ("run" meets "chief")."""
    return asked == said or said in ROLES.get(asked, ())


def weighted(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """The question's roots, each weighted by the IDF of its word as a search term; a word
    that is no search term ("own") weighs as the question's terms do on average."""
    found: dict[str, str] = {}
    for m in _WORD.finditer(question):
        word = m.group()
        if word.lower() not in _SKIP:
            found.setdefault(root(word), word)
    weights = {r: idf(t[0]) if (t := terms(word)) else 0.0 for r, word in found.items()}
    known = [w for w in weights.values() if w]
    mean = sum(known) / len(known) if known else 1.0
    return {r: w or mean for r, w in weights.items()}


def share_met(asked: Mapping[str, float], text: str) -> float:
    """The share of the question's (weighted) roots a text meets."""
    said = {r for r, _, _ in roots(text)}
    total = sum(asked.values()) or 1.0
    return sum(w for r, w in asked.items() if r in said or ROLES.get(r, frozenset()) & said
               ) / total
