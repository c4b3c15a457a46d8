"""What changes the index from a way in: re-index the article folder, add a web page, add
dropped files. Each returns the lines to show; the chat and the command line share them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.build import BuildReport, build
from index.fetch import add_urls
from index.settings import Settings
from index.uploads import save_upload
from qa.errors import IndexUnavailable
from qa.follow.book import Book, Event
from qa.pipeline import pipeline


def reindex(settings: Settings, progress: Callable[..., None] | None = None) -> str:
    """Update the index from the article folder; the derived index takes in the changes
    at once, so the next question costs what any question costs."""
    if not settings.articles.exists():
        return f"There is no article folder at {settings.articles}."
    try:
        report = build([settings.articles], settings, progress=progress)
        if report.updated:
            pipeline(settings).refresh()
    except IndexUnavailable as e:
        return str(e)
    return "\n".join([report.line(), *followed_changes(settings, report)])


def add_url(url: str, settings: Settings) -> str:
    """Fetch an article from the web into the article folder and index it; one line each."""
    url = (url or "").strip()
    if not url:
        return "Paste the address (http:// or https://) of an article page."
    try:
        added, report = add_urls([url], settings)
        if report:
            pipeline(settings).refresh()  # its derived index now, not at the next question
    except IndexUnavailable as e:
        return str(e)
    return "\n".join([a.message for a in added] + ([report.line()] if report else [])
                     + followed_changes(settings, report))


def add_files(files: list[str] | None, settings: Settings) -> str:
    """Save dropped article files into the article folder and index them; one line each."""
    saved = [save_upload(Path(f), Path(f).name, settings.articles) for f in files or []]
    if not saved:
        return "Drop article files (.txt, .md, .html, .json, .jsonl) to add them."
    lines = [s.message for s in saved]
    if any(s.path for s in saved):
        lines.append(reindex(settings))
    return "\n".join(lines)


def followed_changes(settings: Settings, report: BuildReport | None) -> list[str]:
    """After an update: the followed questions it may change re-answered (qa/follow), a line
    per changed answer. Nothing is loaded when nothing is followed."""
    if report is None or not report.updated or not Book.of(settings).followed():
        return []
    from qa.follow.following import reanswer

    return [event_line(e) for e in reanswer(settings)]


def event_line(event: Event) -> str:
    """“Question”: old → new (why)."""
    return (f"followed: “{event.question}”: {event.old or 'no answer'} → "
            f"{event.new or 'no answer'} ({event.why})")
