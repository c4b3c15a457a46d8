"""Follow-ups: a question that leans on the conversation made to stand alone. "Which of them
runs Netflix?" chooses among the previous answer's items (its bold answer's, or else the
names of the kind asked for in its first quote); "When did he step down?" is asked of the
previous answer's person; "Who painted them?" of its items; other references ("What
did they say?", "For which county?") carry the previous question's terms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.terms import STOPWORDS, terms
from qa.entities import NAMES, entities
from qa.extractive import NOT_ANSWERED
from qa.query import Query
from qa.questions import answer_labels

# Words by which a follow-up refers back to the previous question ("What did they say?").
REFERRING = {"they", "them", "their", "he", "she", "him", "her", "his", "it", "its", "this",
             "that", "those", "these", "there"}
SHORT_WORDS = 3  # a follow-up this short ("For which county?") leans on the previous question
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITEMS = re.compile(r",\s+(?:and\s+)?|\s+and\s+")
_CHOOSING = re.compile(r"\b(?:which|who|what)(?:\s+one)?\s+of\s+(?:them|these|those)\b|"
                       r"\bwhich one\b", re.I)
_PERSON = re.compile(r"\b(he|she|him|his|her)\b", re.I)
_THING = re.compile(r"\b(it|its)\b", re.I)
_GROUP = re.compile(r"\b(them|they|those|these|their)\b", re.I)


@dataclass(frozen=True)
class Resolved:
    """The question as retrieval and the reader see it, and the items it chooses among."""

    text: str
    choices: tuple[str, ...] = ()


def items_of(answer: str, labels: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The items of an answer's bold short answer: "**A, B and C**" -> (A, B, C). An answer
    that quotes its evidence without one offers the names its first quote gives of the kind
    asked for (`labels`: "Who attended?" -> the people it names); one that found no answer,
    none."""
    bold = _BOLD.search(answer)
    if bold:
        return tuple(i.strip() for i in _ITEMS.split(bold.group(1)) if i.strip())
    quote = answer.partition("“")[2].partition("”")[0]
    if not quote or not labels & NAMES or answer.startswith(NOT_ANSWERED):
        return ()
    return tuple(dict.fromkeys(e.text for e in entities([quote])[0] if e.label in labels))


def resolve(query: Query) -> Resolved:
    """The question made to stand alone with what the conversation says before it."""
    question, earlier = query.question, query.earlier_questions
    answers = [t.text for t in query.history if t.role == "assistant"]
    if not earlier:
        return Resolved(question)
    items = items_of(answers[-1], answer_labels(earlier[-1])) if answers else ()
    asked_who = re.match(r"\s*who\b", earlier[-1], re.I) is not None
    if _CHOOSING.search(question) and len(items) > 1:
        return Resolved(with_context(question, earlier), items)
    if len(items) == 1 and asked_who and _PERSON.search(question):
        return Resolved(_PERSON.sub(lambda m: _named(m, items[0]), question))
    if len(items) == 1 and not asked_who and _THING.search(question):
        return Resolved(_THING.sub(lambda m: items[0] + ("'s" if m.group(1).lower() == "its"
                                                          else ""), question))
    if len(items) > 1 and _GROUP.search(question):
        together = ", ".join(items[:-1]) + " and " + items[-1]
        return Resolved(_GROUP.sub(lambda m: together + ("'s" if m.group(1).lower() == "their"
                                                          else ""), question))
    return Resolved(with_context(question, earlier))


def _named(pronoun: re.Match, name: str) -> str:
    """The name in place of a pronoun: "his" and a possessive "her" ("her union") as
    "Name's"; "her" as an object ("asked her about it") as the name."""
    word = pronoun.group(1).lower()
    following = re.findall(r"[\w'’]+", pronoun.string[pronoun.end():])
    possessive = word == "his" or (word == "her" and bool(following)
                                   and following[0].lower() not in STOPWORDS)
    return f"{name}'s" if possessive else name


def with_context(question: str, earlier: list[str]) -> str:
    """A follow-up that refers back ("What did they say?") or is too short to stand alone
    ("For which county?") carries the key terms of the previous question, so retrieval sees
    what it is about."""
    words = {w.lower().strip("?.,!") for w in question.split()}
    if not earlier or not (words & REFERRING or len(words) <= SHORT_WORDS):
        return question
    carried = [t for t in dict.fromkeys(terms(earlier[-1])) if t not in set(terms(question))]
    return f"{question} ({' '.join(carried)})" if carried else question
