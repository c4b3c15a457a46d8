"""Article -> Chunks: sentence-aware windows with exact character offsets into the article."""

from __future__ import annotations

import hashlib

from index.records import Article, Chunk
from index.sentences import sentence_spans


def chunk_id(article_id: str, start: int, end: int, text: str) -> str:
    key = f"{article_id}\x1f{start}\x1f{end}\x1f{text}"
    return hashlib.sha1(key.encode()).hexdigest()[:24]


def chunk_article(article: Article, max_chars: int = 600) -> list[Chunk]:
    """Whole sentences packed up to `max_chars`, each chunk repeating the previous one's
    last sentence; a sentence longer than `max_chars` is cut at word boundaries."""
    text = article.text
    pieces = [p for s in sentence_spans(text) for p in _split_long(text, s, max_chars)]
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        j = i + 1
        while j < len(pieces) and pieces[j][1] - pieces[i][0] <= max_chars:
            j += 1
        windows.append((pieces[i][0], pieces[j - 1][1]))
        if j >= len(pieces):
            break
        i = j - 1 if j - 1 > i else j  # overlap by one sentence, but always move forward
    return chunks_at(article, windows)


def chunks_at(article: Article, spans: list[tuple[int, int]]) -> list[Chunk]:
    """The chunks of `article` at these [start, end) spans."""
    return [Chunk(id=chunk_id(article.id, s, e, article.text[s:e]), article_id=article.id,
                  start=s, end=e, text=article.text[s:e]) for s, e in spans]


def _split_long(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    start, end = span
    out = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out
