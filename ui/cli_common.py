"""What every `newsqa` command shares: the Typer app, its options, settings and errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from index.config import CONFIG_NAME, ConfigError, load_settings

if TYPE_CHECKING:
    from index.settings import Settings

# Plain help (rich_markup_mode=None): drawing it with rich cost 0.3 s of every `--help`.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Ask questions about a folder of news articles; answers cite their sources.")

IndexDir = Annotated[Path | None, typer.Option("--index-dir", help="Index directory "
                     "[env NEWSQA_INDEX_DIR; default .newsqa/index].", show_default=False)]
ChromaUrl = Annotated[str | None, typer.Option("--chroma-url", help="Use a Chroma server "
                      "instead [env NEWSQA_CHROMA_URL].", show_default=False)]

Since = Annotated[str | None, typer.Option("--since", help="Only articles published on or "
                  "after this date.", show_default=False)]
Until = Annotated[str | None, typer.Option("--until", help="Only articles published on or "
                  "before this date.", show_default=False)]
Sources = Annotated[list[str] | None, typer.Option("--source", help="Only articles from this "
                    "outlet or web site (repeatable).", show_default=False)]


LLMUrl = Annotated[str | None, typer.Option("--llm-url", help="OpenAI-compatible server "
                   "[env NEWSQA_LLM_URL].", show_default=False)]
LLMModel = Annotated[str | None, typer.Option("--llm-model", help="Model name for the server "
                     "[env NEWSQA_LLM_MODEL].", show_default=False)]
LLMKey = Annotated[str | None, typer.Option("--llm-api-key", help="API key for the server "
                   "[env NEWSQA_LLM_API_KEY].", show_default=False)]
LLMGguf = Annotated[Path | None, typer.Option("--llm-gguf", help="A local GGUF model "
                    "[env NEWSQA_LLM_GGUF].", show_default=False)]
LLMStyle = Annotated[str | None, typer.Option("--llm-style", help="choose: the LLM picks a "
                     "short answer among the best sentences (small models); write: it writes "
                     "sentences citing [n] [env NEWSQA_LLM_STYLE; default choose].",
                     show_default=False)]


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
