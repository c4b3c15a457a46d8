"""Question: what a question asks for, read off it once and handed to every reader stage —
the entity labels of its answer, the thing it names with "which"/"what", what it counts,
the names it is about, and the days it speaks of."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.terms import STOPWORDS, stem, terms
from qa.dates import Window, question_window
from qa.entities import NAMES
from qa.extractive.lexicon import NUMBER_WORDS
from qa.extractive.roots import meets, roots
from qa.extractive.weights import WORD_STEM_CHARS
from qa.questions import PERSON, PHRASE, answer_labels, asked_kind, counted


@dataclass(frozen=True)
class Question:
    text: str
    labels: frozenset[str]  # of a direct answer (qa/questions.py); empty: open-ended
    asked: str = ""  # the noun phrase after its last "which"/"what" ("invasive species")
    unit: str = ""  # what a how-many question counts ("seasons")
    terms: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()  # terms of its names and numbers
    tally: re.Pattern | None = None  # a number followed by the unit counted
    slot: re.Pattern | None = None  # where the answer stands in a sentence saying it its way
    days: Window | None = None  # the days it names ("this week"), as of the days in focus
    roots: frozenset[str] = frozenset()  # of its content words (qa/extractive/roots.py)
    choices: tuple[str, ...] = ()  # "which of them": the answer is one of these (names)

    @classmethod
    def of(cls, text: str, focus: Window | None = None, choices: tuple[str, ...] = ()
           ) -> Question:
        asked = asked_kind(text)
        labels = frozenset(NAMES) if choices else answer_labels(text, asked)
        return cls(text=text, labels=labels, asked=asked[1],
                   unit=counted(text), terms=frozenset(terms(text)),
                   named=frozenset(named_terms(text)), tally=tally_pattern(text),
                   slot=slot_pattern(text),
                   days=question_window(text, focus[1]) if focus else None,
                   roots=frozenset(r for r, _, _ in roots(text)), choices=choices)

    def meets(self, said: str) -> bool:
        """Whether a root of a sentence meets one of the question's."""
        return any(meets(asked, said) for asked in self.roots)

    @property
    def kind(self) -> str:
        """The thing asked for when it is no entity ("which invasive species"), else ""."""
        return self.asked if self.labels == PHRASE else ""

    @property
    def unit_terms(self) -> list[str]:
        return terms(self.unit)

    @property
    def asks_state(self) -> bool:
        return self.asked.lower().endswith("state")

    @property
    def asks_who(self) -> bool:
        return re.match(r"\s*who\b", self.text.lower()) is not None

    @property
    def asks_several(self) -> bool:
        """Whether it asks for several things: people ("who attended"), or named things of a
        kind named in the plural ("which countries", "what paintings"). Never noun phrases:
        a sentence's phrases joined by commas are rarely the items asked for ("spread, Miramar
        area and statement" for "which species"; docs/experiments.md)."""
        if self.labels == PHRASE:
            return False
        last = self.asked.split()[-1].lower() if self.asked else ""
        plural = bool(last) and stem(last) != last and not last.endswith("'s")
        return plural or (self.labels == PERSON and self.asks_who)


def named_terms(question: str) -> set[str]:
    """Terms of the capitalised words (past the first) and numbers in the question, but not
    initials ("U.S.", "UK": spelled too many ways to be missed)."""
    words = re.findall(r"[A-Za-z0-9][\w'’.-]*", question)[1:]
    return {t for w in words if w[0].isupper() or w[0].isdigit() for t in terms(w) if len(t) > 2}


def tally_pattern(question: str) -> re.Pattern | None:
    """For "how many seasons": a number followed by seasons ("23 seasons", "a 23-season
    career"), or None for other questions."""
    unit = counted(question)
    if not terms(unit):  # "how many more", "how much does": nothing counted
        return None
    return re.compile(rf"\b(?:\d[\d,.]*|{NUMBER_WORDS})[- ]{re.escape(unit.removesuffix('s'))}",
                      re.I)


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
