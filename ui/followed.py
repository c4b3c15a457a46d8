"""The chat's followed questions: following the question just answered, and the panel that
lists the followed questions with their events (unread ones marked)."""

from __future__ import annotations

import html

from index.settings import Settings
from qa.errors import UserError
from qa.follow.book import Book
from qa.query import Query, Turn
from ui.render import plain_text

SHOWN_EVENTS = 20  # the latest events the panel lists


def follow_last(turns: list[Turn], settings: Settings) -> str:
    """Follow the conversation's last question (with the turns before it, for a follow-up);
    a line saying what happened."""
    from qa.follow.following import follow  # the model's stack: only when following

    asked = [i for i, t in enumerate(turns) if isinstance(t, Turn) and t.role == "user"]
    if not asked:
        return "Ask a question first, then follow it."
    question = plain_text(turns[asked[-1]].text)
    try:
        query = Query.parse(question, settings, history=turns[:asked[-1]])
        now, _ = follow(query, settings)
    except UserError as e:
        return str(e)
    return f"Following “{question}”. Its answer now: {now.short or 'no short answer'}."


def followed_html(settings: Settings) -> str:
    """The followed questions and their latest events, unread ones marked “new”."""
    book = Book.of(settings)
    followed = book.followed()
    if not followed:
        return "<p class='newsqa-empty'>No followed questions. Ask one, then press Follow.</p>"
    e = html.escape
    items = "".join(f"<li>{e(f.query.question)} — <b>{e(f.answer.short or 'no short answer')}"
                    f"</b></li>" for f in followed)
    events = book.events(limit=SHOWN_EVENTS)
    unread = sum(not ev.read for ev in events)
    rows = "".join(
        f"<li class='newsqa-event{'' if ev.read else ' newsqa-unread'}'>"
        f"{'' if ev.read else '<b>new</b> '}{ev.at:%Y-%m-%d %H:%M} {e(ev.question)}: "
        f"{e(ev.old or 'no answer')} → <b>{e(ev.new or 'no answer')}</b> ({e(ev.why)})</li>"
        for ev in events)
    return (f"<h4>Following</h4><ul class='newsqa-followed'>{items}</ul>"
            f"<h4>Changes{f' ({unread} new)' if unread else ''}</h4>"
            f"<ul class='newsqa-events'>{rows or '<li>None yet.</li>'}</ul>")


def mark_read(settings: Settings) -> str:
    Book.of(settings).mark_read()
    return followed_html(settings)
