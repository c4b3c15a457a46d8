"""`newsqa follow`: follow a question, list or drop those followed, read their events."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ui.cli_common import (
    AllowPrivate,
    ChromaUrl,
    IndexDir,
    Since,
    Sources,
    Until,
    app,
    fail,
    settings_from,
)


@app.command()
def follow(
    question: Annotated[str | None, typer.Argument(help="The question to follow.",
                                                   show_default=False)] = None,
    listed: Annotated[bool, typer.Option("--list", help="The followed questions.")] = False,
    drop: Annotated[str | None, typer.Option("--drop", help="Stop following this question "
                    "(its text or its number in --list).", show_default=False)] = None,
    events: Annotated[bool, typer.Option("--events", help="How the followed answers "
                      "changed, newest first (then marked read).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="--events as JSON lines.")] = False,
    webhook: Annotated[str | None, typer.Option("--webhook", help="POST each change of this "
                       "question's answer to this URL as JSON.", show_default=False)] = None,
    since: Since = None,
    until: Until = None,
    source: Sources = None,
    allow_private: AllowPrivate = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Follow a question: after each index update it is answered again, and a change of its
    answer is recorded (--events, the chat, /follow.atom, a --webhook)."""
    from qa.errors import BadQuestion, UserError
    from qa.follow.book import Book

    settings = settings_from(index_dir, chroma_url, allow_private=allow_private)
    book = Book.of(settings)
    chosen = sum(map(bool, (question is not None, listed, drop, events)))
    if chosen != 1:
        raise fail("give a question to follow, or one of --list, --drop QUESTION, --events.",
                   2)
    try:
        if listed:
            for f in book.followed():
                typer.echo(f"{f.id}. {f.query.question} — now: "
                           f"{f.answer.short or 'no short answer'}")
        elif drop:
            typer.echo(f"no longer following “{book.drop(drop).query.question}”")
        elif events:
            echo_events(book, as_json)
        else:
            follow_question(settings, question, webhook or "", since=since, until=until,
                            sources=source)
    except UserError as e:
        raise fail(str(e), 2 if isinstance(e, BadQuestion) else 1) from None


def echo_events(book, as_json: bool) -> None:
    """The events, newest first, as lines or JSON lines; then they count as read."""
    for e in book.events():
        typer.echo(json.dumps(e.to_dict(), ensure_ascii=False) if as_json else
                   f"{e.at:%Y-%m-%d %H:%M} “{e.question}”: {e.old or 'no answer'} → "
                   f"{e.new or 'no answer'} ({e.why})")
    book.mark_read()


def follow_question(settings, question: str, webhook: str, **scope) -> None:
    from qa.follow.following import follow
    from qa.query import Query

    now, followed = follow(Query.parse(question, settings, **scope), settings, webhook=webhook)
    typer.echo(f"following “{followed.query.question}” (number {followed.id}); its answer now:")
    typer.echo(now.short or now.text)
