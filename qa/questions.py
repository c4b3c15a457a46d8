"""What kind of answer a question asks for: the entity labels a short answer should carry."""

from __future__ import annotations

import re

from index.terms import stem
from qa.entities import noun_phrases

PERSON = frozenset({"PERSON"})
ORG = frozenset({"ORG"})
TEAM = frozenset({"ORG", "NORP"})  # the tagger calls "the Jets" a nationality
PLACE = frozenset({"GPE", "LOC", "FAC"})
COUNTRY = frozenset({"GPE"})  # a country, state or city: not "Earth" nor "the Pacific Ocean"
DATE = frozenset({"DATE"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
WORK = frozenset({"WORK_OF_ART", "PRODUCT"})
EVENT = frozenset({"EVENT", "DATE"})
PRODUCT = frozenset({"PRODUCT", "ORG", "WORK_OF_ART"})
PHRASE = frozenset({"PHRASE"})  # a noun phrase: "which invasive species?", "treats what?"

# Each kind's nouns; a list, as two kinds may share their labels.
_NOUNS = [
    (PERSON, "person man woman people actor actress singer player star leader ceo executive "
             "president senator judge official rapper author writer director host athlete "
             "coach quarterback founder chairman governor minister candidate king queen pope "
             "billionaire musician comedian celebrity lawmaker spokesperson golfer gymnast "
             "swimmer skater boxer fighter tennis pitcher driver rider runner champion mp "
             "politician nominee veteran guest figure artist "
             "anchor journalist reporter scientist astronaut chef designer entrepreneur "
             "investor mogul heir prince princess mayor congressman congresswoman "
             "representative secretary attorney lawyer prosecutor justice officer general "
             "commander manager owner winner contestant influencer youtuber podcaster "
             "composer producer playwright poet novelist painter dancer drummer guitarist "
             "frontman songwriter son daughter wife husband brother sister royal monarch dictator "
             "activist whistleblower suspect defendant victim republican democrat"),
    (TEAM, "team club squad"),
    (ORG, "company organization organisation network agency firm group party airline bank "
          "brand university college league studio union retailer automaker band chain "
          "corporation business outlet newspaper streamer platform startup giant "
          "maker manufacturer school institution broadcaster carrier store restaurant "
          "hotel publisher label insurer lender exchange "
          "regulator watchdog charity"),
    (COUNTRY, "country state city nation county town province capital territory borough "
              "village"),
    (PLACE, "island continent region place location park river mountain border airport "
            "neighborhood neighbourhood district peninsula volcano"),
    (DATE, "year date day month decade"),
    (WORK, "movie film show series book novel song album play musical remake sequel painting "
           "documentary"),
    (EVENT, "holiday festival event tournament championship"),
    (PRODUCT, "app service product device phone car model website software"),
]
_KINDS: dict[str, frozenset[str]] = {}
for _labels, _words in _NOUNS:
    for _word in _words.split():
        _KINDS.setdefault(stem(_word), _labels)


def labels_of(noun: str) -> frozenset[str]:
    """The entity labels of what a noun names ("chain": an ORG), or none."""
    return _KINDS.get(stem(noun), frozenset())


_SPANS = "years months weeks days hours minutes decades centuries seasons"
_RULES = [
    (re.compile(r"\bhow old\b|\bwhat age\b|\bhow long\b"), NUMBER | DATE),
    # "how many years": spaCy tags "30 years" as a DATE, not a number.
    (re.compile(rf"\bhow many (?:{'|'.join(_SPANS.split())})\b"), NUMBER | DATE | {"TIME"}),
    (re.compile(r"\bhow (?:many|much|tall|far)\b|\bwhat (?:percentage|percent|number|"
                r"amount|price)\b"), NUMBER),
    (re.compile(r"\bwhen\b|\bwhat time\b"), DATE),
    (re.compile(r"\bwhere\b"), PLACE),
    (re.compile(r"\bwho(?:m|se)?\b"), PERSON),
]


# "which ...", "what drug", "balancing what on his finger", but not "what did they say".
_OPEN = re.compile(r"\bwhich\b|\bwhat (?:is|was) the name\b|\bwhat\b(?!\s+(?:is|are|was|were|do|"
                   r"does|did|has|have|had|will|would|can|could|should|happened)\b)")

_COUNTED = re.compile(r"\bhow (?:many|much)\s+([a-z]+)")


def counted(question: str) -> str:
    """What a how-many question counts ("how many years" -> "years"), or ""."""
    found = _COUNTED.findall(question.lower())
    return found[-1] if found else ""


# "which [top-rated] NOUN", "which would-be NOUN", but not "what did the NOUN ..." (a verb
# ends the phrase).
_WH_BEFORE = re.compile(r"\b(?:which|what)\s+(?:(?!(?:is|are|was|were|do|does|did|has|have|had|"
                        r"will|would|can|could)(?![\w’'-]))[\w.’'-]+\s+){0,2}$", re.I)


def asked_kind(question: str) -> tuple[int, str]:
    """Where the last "which"/"what" followed by a noun phrase is, and that phrase:
    "which English national park" -> "English national park"; (-1, "") when none is."""
    found: dict[int, str] = {}
    for phrase in noun_phrases([question])[0]:
        wh = _WH_BEFORE.search(question[: phrase.start])
        if wh:
            found.setdefault(wh.start(), phrase.text)  # the phrase nearest the wh-word
    return max(found.items(), default=(-1, ""))


def answer_labels(question: str, asked: tuple[int, str] | None = None) -> frozenset[str]:
    """Entity labels a direct answer would have, from the noun a "which"/"what" asks for
    (its last word: "which college sport" asks for a sport) or the question words; PHRASE
    when it asks for a thing of no entity kind; empty when the question is open-ended.
    `asked` is the question's asked_kind, when already known."""
    q = question.lower()
    found: list[tuple[int, frozenset[str]]] = []
    for pattern, labels in _RULES:
        found += [(m.start(), labels) for m in pattern.finditer(q)]
    at, kind = asked or asked_kind(question)
    if kind:
        last = kind.split()[-1]  # "singer-songwriter": a singer
        found.append((at, next((_KINDS[stem(w)] for w in (last, *last.split("-"))
                                if stem(w) in _KINDS), PHRASE)))
    found = [(at, labels) for at, labels in found
             if not _relative(q, at, found) and not question[at : at + 2].isupper()]  # "(WHO)"
    if not found:
        return PHRASE if _OPEN.search(q) else frozenset()
    # Quiz questions often set the scene first and ask last: the last wh-phrase wins.
    return max(found, key=lambda f: f[0])[1]


_RELATIVE = re.compile(r"(?:who|whom|whose|where|when)\b")
_PREPOSITIONS = frozenset("by to from with for of in on at about".split())


def _relative(q: str, at: int, found: list[tuple[int, frozenset[str]]]) -> bool:
    """Whether the wh-word at `at` starts a clause about the noun before it ("the leader whose
    bid", "the festival where") after the sentence has already asked its question."""
    if not _RELATIVE.match(q, at):
        return False
    sentence = max(q.rfind(". ", 0, at), q.rfind("? ", 0, at)) + 1
    before = q[sentence:at].split()
    return bool(before) and before[-1].strip(",") not in _PREPOSITIONS \
        and any(sentence <= other < at for other, _ in found)
