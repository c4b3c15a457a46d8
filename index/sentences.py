"""Sentence boundaries as character spans of the original text (fast, rule based)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a likely start,
# or at a line break. Abbreviations below never end a sentence.
_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])|\n+""")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep", "lt",
    "col", "sgt", "capt", "cmdr", "adm", "rev", "hon", "pres", "supt", "det", "insp",
    "inc", "co", "corp", "ltd", "llc", "bros", "no", "vs", "etc", "approx", "dept", "est",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "d.c", "a.m", "p.m", "e.g", "i.e", "ft", "ave", "blvd", "fig",
}
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.?$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _END.finditer(text, start, end):
        if match.group().startswith((".", "!", "?")) and _is_abbreviation(text, begin, match):
            continue
        stop = match.end() if not match.group().startswith("\n") else match.start()
        _add(text, spans, begin, stop)
        begin = match.end()
    _add(text, spans, begin, end)
    return spans


def _is_abbreviation(text: str, begin: int, match: re.Match) -> bool:
    if match.group()[0] != ".":
        return False
    word = _LAST_WORD.search(text, begin, match.start() + 1)
    if not word:
        return False
    token = word.group(1).rstrip(".").lower()
    # Initials ("J. K. Rowling", "U.S.") and known abbreviations.
    return len(token) == 1 or token in _ABBREVIATIONS


def _add(text: str, spans: list[tuple[int, int]], begin: int, stop: int) -> None:
    while begin < stop and text[begin].isspace():
        begin += 1
    while stop > begin and text[stop - 1].isspace():
        stop -= 1
    if stop > begin:
        spans.append((begin, stop))
