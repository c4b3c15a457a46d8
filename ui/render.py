"""Answers as safe markdown and HTML: everything that comes from an article is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from index.articles import Article
from qa.citations import Answer

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
CONTEXT_CHARS = 160


def safe_markdown(text: str) -> str:
    """Text shown literally by a markdown renderer: HTML entities for < > &, backslashes for
    markdown punctuation; only our own **bold** and [n] markers survive."""
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
    escaped = escaped.replace(r"\*\*", "**")
    return re.sub(r"\\\[(\d+)\\\]", r"[\1]", escaped)


def answer_markdown(answer: Answer) -> str:
    """The answer, then its notes (e.g. that the LLM failed and the extractive reader
    answered instead) in italics."""
    notes = "".join(f"\n\n*{safe_markdown(note)}*" for note in answer.notes)
    return safe_markdown(answer.text) + notes


def sources_html(answer: Answer, articles: Mapping[str, Article]) -> str:
    """A list of the cited sources: title, date, link, and the quote highlighted in context."""
    if not answer.citations:
        return "<p class='newsqa-empty'>No sources.</p>"
    items = []
    for c in answer.citations:
        article = articles.get(c.article_id)
        before = after = ""
        if article is not None:
            before = article.text[max(0, c.start - CONTEXT_CHARS) : c.start]
            after = article.text[c.end : c.end + CONTEXT_CHARS]
        e = html.escape
        also = (f" · <span class='newsqa-also'>also in {e(', '.join(c.also_in))}</span>"
                if c.also_in else "")
        items.append(
            f"<li class='newsqa-source' value='{c.n}'><b>[{c.n}] {e(c.title)}</b>"
            f" · {e(c.date or 'undated')} · {_link(c.url)}{also}"
            f"<blockquote>…{e(before)}<mark>{e(c.quote)}</mark>{e(after)}…</blockquote></li>"
        )
    heading = "Closest sources" if answer.abstained else "Sources"
    return f"<h3>{heading}</h3><ol class='newsqa-sources'>{''.join(items)}</ol>"


def _link(url: str) -> str:
    if urlparse(url).scheme in ("http", "https"):
        return f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener'>" \
               f"{html.escape(urlparse(url).netloc)}</a>"
    return f"<code>{html.escape(Path(url).name)}</code>"
