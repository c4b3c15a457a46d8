"""Shaping: the answer as printed — the fullest form of a name, the larger place after a
place, a state spelled out, and "As of DATE" when the answer may have changed since."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from index.records import Article
from qa.citations import Quote
from qa.dates import Window
from qa.extractive.lexicon import STATES
from qa.extractive.sentences import Sentence
from qa.extractive.weights import LEAD_CHARS, LEAD_WORDS, SAME_STORY, VOTERS


def norm(text: str) -> str:
    """A candidate as compared: lower case, without a leading article or a final 's."""
    return re.sub(r"^(the|a|an)\s+|['’]s$", "", text.strip().lower())


def led_to(sentence: Sentence, answer: str) -> Quote:
    """The sentence quoted from a few words before the proposed answer when the answer ends
    past its first LEAD_CHARS (as printed, after the opening quote mark), so that what is
    read first holds it without putting it forward; else the whole sentence. A shaped
    answer the sentence does not give whole is found by its first name (of several) or by
    its last word ("age 115": "115", "Lamar Jackson": "Jackson")."""
    text = sentence.text
    parts = (answer, re.split(r",\s|\s+and\s", answer)[0], answer.split()[-1] if answer else "")
    found = next((m for part in parts
                  if part and (m := re.search(rf"\b{re.escape(part)}", text, re.I))), None)
    if found is None or found.end() + len("“") <= LEAD_CHARS:
        return sentence.quote()
    starts = [m.start() for m in re.finditer(r"(?<=\s)\S", text[: found.start()])]
    cut = next((at for at in starts[-LEAD_WORDS:] if found.end() - at + len("“…") <= LEAD_CHARS),
               found.start())
    return Quote(article_id=sentence.article_id, start=sentence.start + cut, end=sentence.end,
                 text=text[cut:])


def as_of_prefix(short: str, support: Sentence, scored: Sequence[Sentence],
                 articles: Mapping[str, Article], named: Window | None = None) -> str:
    """"As of DATE, " when other articles of other dates on the same story give a different
    answer of the same kind (the coverage changed over time, so the answer says when it
    holds), or when the question names days ("this week") and the answer comes from before
    them. An article is on the same story when it has the question's terms about as much as
    the supporting one (SAME_STORY of its share): in a folder of unrelated articles, another
    article's number is no earlier answer."""
    date = articles[support.article_id].date
    if date and named and date < named[0]:
        return f"As of {date}, "
    others = {articles[s.article_id].date for s in scored[:VOTERS]
              if s.entities and s.article_id != support.article_id
              and s.features.about >= SAME_STORY * support.features.about
              and not any(norm(short) in norm(e.text) or norm(e.text) in norm(short)
                          for e in s.entities)}
    return f"As of {date}, " if date and others - {date, None} else ""


def with_region(name: str, sentence: Sentence) -> str:
    """A place with the larger place the sentence names right after it: "Tuscaloosa,
    Alabama", as a dateline or an address would give it."""
    at = sentence.text.find(name)
    after = at + len(name)
    for e in sentence.entities:
        if at >= 0 and e.label == "GPE" and e.start == after + 2 \
                and sentence.text[after : e.start] == ", ":
            return f"{name}, {e.text}"
    return name


def spelled_out(name: str) -> str:
    """A state's abbreviation in full: "S.C." -> "South Carolina", "Tuscaloosa, Ala." ->
    "Tuscaloosa, Alabama"."""
    head, _, last = name.rpartition(" ")
    return head + (" " if head else "") + STATES.get(last, last)


_NAME_BEFORE = re.compile(r"(?:\b[A-Z0-9][\w’'.-]* ){1,3}$")


def fullest(name: str, texts: Sequence[str]) -> str:
    """The fullest form the retrieved sentences give a one-word name, past their first
    word: "New York Jets" for "Jets" when the tagger knew only "his Jets debut"."""
    if " " in name:
        return name
    pattern = re.compile(rf"(?<=\s)(?:[A-Z][a-z]+ ){{1,3}}{re.escape(name)}\b")
    fuller = Counter(m.group() for text in texts for m in pattern.finditer(text))
    return max(fuller, key=fuller.get) if fuller else name


_PLUS_AFTER = re.compile(r"(?: [A-Z]\w*)?\+")  # "Apple TV+", "Disney+"


def widened(name: str, sentence: str) -> str:
    """The name with the capitalised words or numbers right before it in the sentence, and
    a "+" right after, which the entity tagger sometimes leaves out: "Three 6 Mafia",
    "House Speaker Kevin McCarthy", "Apple TV+"."""
    at = sentence.find(name)
    plus = _PLUS_AFTER.match(sentence, at + len(name)) if at >= 0 else None
    name += plus.group() if plus else ""
    before = _NAME_BEFORE.search(sentence[:at]) if at > 0 else None
    if not before or before.start() == 0 or not sentence[before.start() - 1].isspace():
        return name  # not at the start of the sentence (a capital there says nothing)
    return sentence[before.start() : at] + name
