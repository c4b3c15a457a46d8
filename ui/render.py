"""Answers as safe markdown and HTML: everything that comes from an article is escaped."""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from qa.citations import Answer, Citation

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def safe_markdown(text: str) -> str:
    """Text shown literally by a markdown renderer: HTML entities for < > &, backslashes for
    markdown punctuation; only our own **bold** and [n] markers survive."""
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
    escaped = escaped.replace(r"\*\*", "**")
    return re.sub(r"\\\[(\d+)\\\]", r"[\1]", escaped)


def plain_text(markdown: str) -> str:
    """What safe_markdown() was given: its escapes undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def answer_markdown(answer: Answer) -> str:
    """The answer, then its notes (e.g. that the LLM failed and the extractive reader
    answered instead) in italics."""
    notes = "".join(f"\n\n*{safe_markdown(note)}*" for note in answer.notes)
    return safe_markdown(answer.text) + notes


def sources_html(answer: Answer) -> str:
    """The cited articles, each with its title, date and link once, and beneath it its
    quotes highlighted in their context."""
    if not answer.citations:
        return "<p class='newsqa-empty'>No sources.</p>"
    e = html.escape
    quotes = {c.n: c for c in answer.citations}
    items = []
    for source in answer.sources:
        cited = [quotes[n] for n in source.citations]
        also = sorted({outlet for c in cited for outlet in c.also_in})
        also_html = (f" · <span class='newsqa-also'>also in {e(', '.join(also))}</span>"
                     if also else "")
        items.append(
            f"<li class='newsqa-article'><b>{e(source.title)}</b>"
            f" · {e(str(source.date or 'undated'))} · {_link(source.url, source.article_id)}"
            f"{also_html}<ol class='newsqa-quotes'>"
            f"{''.join(_quote_html(c) for c in cited)}</ol></li>")
    heading = "Closest sources" if answer.abstained else "Sources"
    return (timeline_html(answer)
            + f"<h3>{heading}</h3><ul class='newsqa-sources'>{''.join(items)}</ul>")


def timeline_html(answer: Answer) -> str:
    """The answers over time, oldest first, each with its days and citation numbers."""
    if not answer.timeline:
        return ""
    e = html.escape
    stages = "".join(
        f"<li class='newsqa-stage'>{e(str(s.first))}"
        f"{'' if s.last == s.first else ' to ' + e(str(s.last))}: <b>{e(s.answer)}</b> "
        f"{''.join(f'[{n}]' for n in s.citations)}</li>" for s in answer.timeline)
    return f"<h3>Timeline</h3><ol class='newsqa-timeline'>{stages}</ol>"


def _quote_html(c: Citation) -> str:
    e = html.escape
    return (f"<li class='newsqa-source' value='{c.n}'><blockquote><b>[{c.n}]</b> …{e(c.before)}"
            f"<mark>{e(c.quote)}</mark>{e(c.after)}…</blockquote></li>")


def _link(url: str, article_id: str) -> str:
    if urlparse(url).scheme in ("http", "https"):
        return f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener'>" \
               f"{html.escape(urlparse(url).netloc)}</a>"
    return f"<code>{html.escape(article_id)}</code>"
