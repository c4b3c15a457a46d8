"""`newsqa chat` and `newsqa mcp`: the servers, and who may reach them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ui.cli_common import (
    AllowPrivate,
    ChromaUrl,
    IndexDir,
    LLMGguf,
    LLMKey,
    LLMModel,
    LLMStyle,
    LLMUrl,
    app,
    fail,
    settings_from,
)
from ui.running import announced

if TYPE_CHECKING:
    from index.settings import Settings


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
    llm_style: LLMStyle = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Update the index, then serve the chat, POST /api/answer and /v1 (OpenAI clients)."""
    import uvicorn

    from qa.pipeline import ready_in_background
    from ui.actions import reindex
    from ui.server import create_app, few_malloc_arenas

    few_malloc_arenas()
    settings = settings_from(index_dir, chroma_url, articles=articles, llm_url=llm_url,
                             llm_model=llm_model, llm_api_key=llm_api_key, llm_gguf=llm_gguf,
                             llm_style=llm_style, allow_private=allow_private, auth=auth)
    login = login_for(settings, host, insecure, "chat")
    from qa.llm import LLMUnavailable, llm_from

    try:
        llm_from(settings)
    except LLMUnavailable as e:
        raise fail(str(e), 1) from None
    if settings.articles.exists():
        typer.echo(reindex(settings))
    typer.echo(f"newsqa: chat on http://{host}:{port}  (Ctrl-C stops it)")
    served = create_app(settings, auth=login)
    ready_in_background(settings)
    with announced(settings, host, port):  # `newsqa ask` and `mcp` beside it ask this server
        uvicorn.run(served, host=host, port=port, log_level="warning")


def login_for(settings: Settings, host: str, insecure: bool, what: str
              ) -> tuple[str, str] | None:
    """The user and password a server on `host` requires; refuses a network host without."""
    from ui.http import is_loopback, parse_auth

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
    from qa.pipeline import ready_in_background

    ready_in_background(settings)
    if port is None:
        from ui.mcp import build_server

        build_server(settings).run("stdio")
        return
    import uvicorn

    from ui.mcp import http_app

    login = login_for(settings, host, insecure, "MCP server")
    typer.echo(f"newsqa: MCP on http://{host}:{port}/mcp  (Ctrl-C stops it)", err=True)
    uvicorn.run(http_app(settings, login, host), host=host, port=port, log_level="warning")
