"""`newsqa index`, `add` and `feed`: articles into the index, from files, pages and feeds."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from index.config import CONFIG_NAME
from ui.cli_common import (
    AllowPrivate,
    ChromaUrl,
    IndexDir,
    app,
    fail,
    settings_from,
)


@app.command()
def index(
    paths: Annotated[list[Path] | None, typer.Argument(help="Article files or folders "
                     "[default: seeds/].", show_default=False)] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start the index over.")] = False,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="Index only shard I of N of the articles (I/N), beside N-1 other "
        "indexers of the same Chroma server.", show_default=False)] = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Bring the index in line with the articles: embed new and changed ones, drop removed ones."""
    from tqdm import tqdm

    from index.build import WHOLE, Shard, build
    from index.store import IndexUnavailable

    settings = settings_from(index_dir, chroma_url)
    try:
        part = Shard.parse(shard) if shard else WHOLE
    except ValueError as e:
        raise fail(str(e), 2) from None
    paths = paths or [settings.articles]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}", 2)
    bars = []  # created at the first batch, so a run with nothing to embed prints no bar

    def progress(done: int, total: int, articles_done: int, articles: int) -> None:
        if not sys.stderr.isatty():  # logs and pipes get only the summary line below
            return
        if not bars:
            bars.append(tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr,
                             mininterval=0.5))
        bars[0].set_postfix_str(f"{articles_done}/{articles} articles", refresh=False)
        bars[0].update(done - bars[0].n)

    try:
        report = build(paths, settings, rebuild=rebuild, progress=progress, shard=part)
    except ValueError as e:
        raise fail(str(e), 2) from None
    except IndexUnavailable as e:
        raise fail(str(e), 1) from None
    finally:
        for bar in bars:
            bar.close()
    typer.echo(report.line())
    echo_followed(settings, report)


Articles = Annotated[Path | None, typer.Option(
    "--articles", help="Folder the articles are saved in [env NEWSQA_ARTICLES; default seeds/].",
    show_default=False)]


@app.command()
def add(
    urls: Annotated[list[str], typer.Argument(help="Web pages of articles.")],
    articles: Articles = None,
    allow_private: AllowPrivate = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Fetch articles from the web, save them in the articles folder, and index them."""
    from index.fetch import add_urls
    from index.store import IndexUnavailable

    settings = settings_from(index_dir, chroma_url, articles=articles,
                             allow_private=allow_private)
    try:
        added, report = add_urls(urls, settings)
    except IndexUnavailable as e:
        raise fail(str(e), 1) from None
    for a in added:
        typer.echo(a.message)
    if report:
        typer.echo(report.line())
        echo_followed(settings, report)
    if not any(a.path for a in added):
        raise typer.Exit(1)


def seconds_of(every: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", every)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"--every must look like 90s, 15m, 2h or 1d, not {every!r}.")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@app.command()
def feed(
    urls: Annotated[list[str] | None, typer.Argument(
        help="RSS or Atom feeds [default: the feeds of newsqa.toml].", show_default=False)
    ] = None,
    every: Annotated[str | None, typer.Option(
        "--every", help="Keep polling at this interval (90s, 15m, 2h) until interrupted.",
        show_default=False)] = None,
    articles: Articles = None,
    allow_private: AllowPrivate = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Add the feed's new entries (remembered in feeds.json next to the index) and index them."""
    import time

    from index.feeds import poll
    from index.fetch import FetchError
    from index.store import IndexUnavailable

    try:
        interval = seconds_of(every) if every else None
    except ValueError as e:
        raise fail(str(e), 2) from None
    settings = settings_from(index_dir, chroma_url, articles=articles,
                             allow_private=allow_private)
    feeds = urls or list(settings.feeds)
    if not feeds:
        raise fail(f"name a feed URL, or list feeds = [...] in {CONFIG_NAME}.", 2)
    while True:
        for url in feeds:
            try:
                added, report = poll(url, settings)
                for a in added:
                    typer.echo(a.message)
                if report:
                    typer.echo(report.line())
                    echo_followed(settings, report)
                elif not added:
                    typer.echo(f"no new entries in {url}")
            except (FetchError, IndexUnavailable) as e:
                if interval is None and len(feeds) == 1:
                    raise fail(str(e), 1) from None
                typer.echo(f"newsqa: {e}", err=True)  # go on: the feed may come back
        if interval is None:
            return
        time.sleep(interval)


def echo_followed(settings, report) -> None:
    """A line per followed question whose answer the update changed (the model is loaded
    only when a question is followed)."""
    from qa.follow.book import Book

    if not report.updated or not Book.of(settings).followed():
        return
    from ui.actions import followed_changes

    for line in followed_changes(settings, report):
        typer.echo(line)
