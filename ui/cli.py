"""The `newsqa` command: index, ask, chat, eval."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from index.config import CONFIG_NAME, ConfigError, load_settings
from index.settings import Settings, go_offline

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Ask questions about a folder of news articles; answers cite their sources.")

IndexDir = Annotated[Path | None, typer.Option("--index-dir", help="Index directory "
                     "[env NEWSQA_INDEX_DIR; default .newsqa/index].", show_default=False)]
ChromaUrl = Annotated[str | None, typer.Option("--chroma-url", help="Use a Chroma server "
                      "instead [env NEWSQA_CHROMA_URL].", show_default=False)]


LLMUrl = Annotated[str | None, typer.Option("--llm-url", help="OpenAI-compatible server "
                   "[env NEWSQA_LLM_URL].", show_default=False)]
LLMModel = Annotated[str | None, typer.Option("--llm-model", help="Model name for the server "
                     "[env NEWSQA_LLM_MODEL].", show_default=False)]
LLMKey = Annotated[str | None, typer.Option("--llm-api-key", help="API key for the server "
                   "[env NEWSQA_LLM_API_KEY].", show_default=False)]
LLMGguf = Annotated[Path | None, typer.Option("--llm-gguf", help="A local GGUF model "
                    "[env NEWSQA_LLM_GGUF].", show_default=False)]


AllowPrivate = Annotated[bool | None, typer.Option(
    "--allow-private", help="Also fetch from loopback and private addresses (your own "
    "network) [env NEWSQA_ALLOW_PRIVATE].", show_default=False)]

config_file: list[Path] = []  # the --config given before the command, if any


@app.callback()
def options(config: Annotated[Path | None, typer.Option(
        "--config", help=f"Settings file [default: ./{CONFIG_NAME} if there is one].",
        show_default=False)] = None) -> None:
    """Ask questions about a folder of news articles; answers cite their sources."""
    if config is not None:
        if not config.is_file():
            raise fail(f"no such settings file: {config}", 2)
        config_file.append(config)


def settings_from(index_dir: Path | None = None, chroma_url: str | None = None,
                  **more) -> Settings:
    """Settings from ./newsqa.toml (or --config), NEWSQA_* variables, then these flags."""
    try:
        return load_settings(config_file[-1] if config_file else None,
                             index_dir=index_dir, chroma_url=chroma_url, **more)
    except ConfigError as e:
        raise fail(str(e), 2) from None


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"newsqa: {message}", err=True)
    return typer.Exit(code)


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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    k: Annotated[int | None, typer.Option("-k", help="Chunks to read.", show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Answer as of this date "
                     "(YYYY-MM-DD): later articles are not used.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only articles published on or "
                     "after this date.", show_default=False)] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only articles published on or "
                     "before this date.", show_default=False)] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only articles from this "
                      "outlet or web site (repeatable).", show_default=False)] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the LLM's answer as it is "
                      "written; the verified answer and sources follow.")] = False,
    llm_url: LLMUrl = None,
    llm_model: LLMModel = None,
    llm_api_key: LLMKey = None,
    llm_gguf: LLMGguf = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Answer a question from the indexed articles, with numbered sources."""
    from index.store import IndexUnavailable
    from qa.api import stream as answer_stream
    from qa.citations import Answer
    from qa.llm import LLMUnavailable

    settings = settings_from(index_dir, chroma_url, llm_url=llm_url, llm_model=llm_model,
                             llm_api_key=llm_api_key, llm_gguf=llm_gguf)
    streamed = ""
    try:
        for piece in answer_stream(question, k=k, as_of=as_of, since=since, until=until,
                                   sources=source, settings=settings):
            if isinstance(piece, Answer):
                result = piece
            elif stream and not as_json:
                streamed += piece
                typer.echo(piece, nl=False)
    except (ValueError, TypeError) as e:
        raise fail(str(e), 2) from None
    except (IndexUnavailable, LLMUnavailable) as e:
        raise fail(str(e), 1) from None
    if as_json:
        typer.echo(result.to_json(indent=2))
        return
    if streamed:
        typer.echo("\n\nVerified answer:")
    typer.echo(result.text)
    if result.citations:
        typer.echo("\nSources:")
    for c in result.citations:
        also = f"\n    also in: {', '.join(c.also_in)}" if c.also_in else ""
        typer.echo(f"[{c.n}] {c.title} ({c.date or 'undated'}) {c.url}\n    “{c.quote}”{also}")
    typer.echo(f"\nReader: {result.reader}")
    for note in result.notes:
        typer.echo(f"Note: {note}")


@app.command()
def chat(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 7860,
    articles: Annotated[Path | None, typer.Option(
        "--articles", help="Article folder kept indexed [env NEWSQA_ARTICLES; default seeds/].",
        show_default=False)] = None,
    auth: Annotated[str | None, typer.Option(
        "--auth", envvar="NEWSQA_AUTH", help="user:password that the chat and API require.",
        show_default=False)] = None,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="Allow a non-loopback --host without --auth.")] = False,
    allow_private: AllowPrivate = None,
    llm_url: LLMUrl = None,
    llm_model: LLMModel = None,
    llm_api_key: LLMKey = None,
    llm_gguf: LLMGguf = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Start the web chat (and POST /api/answer, /v1 for OpenAI clients), after bringing the
    index up to date."""
    import uvicorn

    from ui.app import reindex
    from ui.server import create_app, few_malloc_arenas

    few_malloc_arenas()
    settings = settings_from(index_dir, chroma_url, articles=articles, llm_url=llm_url,
                             llm_model=llm_model, llm_api_key=llm_api_key, llm_gguf=llm_gguf,
                             allow_private=allow_private, auth=auth)
    login = login_for(settings, host, insecure, "chat")
    from qa.llm import LLMUnavailable, llm_from

    try:
        llm_from(settings)
    except LLMUnavailable as e:
        raise fail(str(e), 1) from None
    if settings.articles.exists():
        typer.echo(reindex(settings))
    typer.echo(f"newsqa: chat on http://{host}:{port}  (Ctrl-C stops it)")
    uvicorn.run(create_app(settings, auth=login), host=host, port=port, log_level="warning")


def login_for(settings: Settings, host: str, insecure: bool, what: str
              ) -> tuple[str, str] | None:
    """The user and password a server on `host` requires; refuses a network host without."""
    from ui.server import is_loopback, parse_auth

    try:
        login = parse_auth(settings.auth) if settings.auth else None
    except ValueError as e:
        raise fail(str(e), 2) from None
    if not login and not insecure and not is_loopback(host):
        raise fail(f"--host {host} opens the {what} to the network: add --auth user:password "
                   "(or NEWSQA_AUTH), or --insecure to let anyone in.", 2)
    return login


@app.command()
def mcp(
    port: Annotated[int | None, typer.Option(
        "--port", help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.",
        show_default=False)] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    auth: Annotated[str | None, typer.Option(
        "--auth", envvar="NEWSQA_AUTH", help="user:password that HTTP clients must send.",
        show_default=False)] = None,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="Allow a non-loopback --host without --auth.")] = False,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Serve the index to agents over MCP: tools `ask` and `search` (stdio by default)."""
    settings = settings_from(index_dir, chroma_url, auth=auth)
    if port is None:
        from ui.mcp import build_server

        build_server(settings).run("stdio")
        return
    import uvicorn

    from ui.mcp import http_app

    login = login_for(settings, host, insecure, "MCP server")
    typer.echo(f"newsqa: MCP on http://{host}:{port}/mcp  (Ctrl-C stops it)", err=True)
    uvicorn.run(http_app(settings, login, host), host=host, port=port, log_level="warning")


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
                elif not added:
                    typer.echo(f"no new entries in {url}")
            except (FetchError, IndexUnavailable) as e:
                if interval is None and len(feeds) == 1:
                    raise fail(str(e), 1) from None
                typer.echo(f"newsqa: {e}", err=True)  # go on: the feed may come back
        if interval is None:
            return
        time.sleep(interval)


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help="Questions, RealTimeQA JSONL.")],
    articles: Annotated[Path, typer.Option("--articles", help="Articles JSONL[.gz].")],
    limit: Annotated[int | None, typer.Option("--limit", help="Questions to ask.")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    k: Annotated[int, typer.Option("-k", help="Retrieval depth scored.")] = 10,
    include_unanswerable: Annotated[bool, typer.Option(
        "--all", help="Also questions whose answer is in none of their articles.")] = False,
    index_dir: IndexDir = None,
    out: Annotated[Path | None, typer.Option("--out", help="Per-question rows (JSONL).")] = None,
    baseline: Annotated[bool, typer.Option("--baseline", help="Also score the LangChain "
                        "tutorial pipeline's retrieval on the same questions.")] = False,
    ignore_dates: Annotated[bool, typer.Option("--ignore-dates", help="Ask without the "
                            "question dates (no as_of), to measure what dates bring.")] = False,
) -> None:
    """Score retrieval (hit@k, MRR) and answers (gold answer in the first 60/300 characters)."""
    from qa.evaluate import run

    for path in (questions, articles):
        if not path.exists():
            raise fail(f"no such file: {path}", 2)
    scores = run(questions, articles, limit=limit, seed=seed, k=k, index_dir=index_dir,
                 out=out, answerable=not include_unanswerable, baseline=baseline,
                 use_dates=not ignore_dates)
    for name, value in scores.items():
        typer.echo(f"{name:>18}  {value:.3f}" if isinstance(value, float) else
                   f"{name:>18}  {value}")


def main() -> None:
    go_offline()
    logging.basicConfig(format="newsqa: warning: %(message)s", level=logging.WARNING)
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("newsqa: interrupted; run the same command again to finish.", err=True)
        sys.exit(130)
    except Exception as e:  # a sentence for the user; NEWSQA_DEBUG=1 shows the traceback
        if os.environ.get("NEWSQA_DEBUG"):
            raise
        typer.echo(f"newsqa: unexpected error: {e.__class__.__name__}: {e} "
                   "(set NEWSQA_DEBUG=1 to see where)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
