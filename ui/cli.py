"""The `newsqa` command: index, add, feed, ask, chat, mcp, eval."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

import ui.cli_articles  # noqa: F401 (registers index, add, feed)
import ui.cli_follow  # noqa: F401 (registers follow)
import ui.cli_serve  # noqa: F401 (registers chat, mcp)
from index.offline import go_offline
from ui.cli_common import (
    ChromaUrl,
    IndexDir,
    LLMGguf,
    LLMKey,
    LLMModel,
    LLMStyle,
    LLMUrl,
    Since,
    Sources,
    Until,
    app,
    fail,
    settings_from,
)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    k: Annotated[int | None, typer.Option("-k", help="Chunks to read.", show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Answer as of this date "
                     "(YYYY-MM-DD): later articles are not used.", show_default=False)] = None,
    since: Since = None,
    until: Until = None,
    source: Sources = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the LLM's answer as it is "
                      "written; the verified answer and sources follow.")] = False,
    timeline: Annotated[bool, typer.Option("--timeline", help="Also how the answer changed "
                        "across the coverage, oldest first.")] = False,
    llm_url: LLMUrl = None,
    llm_model: LLMModel = None,
    llm_api_key: LLMKey = None,
    llm_gguf: LLMGguf = None,
    llm_style: LLMStyle = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Answer a question from the indexed articles, with numbered sources."""
    from qa.citations import Answer

    settings = settings_from(index_dir, chroma_url, llm_url=llm_url, llm_model=llm_model,
                             llm_api_key=llm_api_key, llm_gguf=llm_gguf, llm_style=llm_style)
    asked = {"question": question, "k": k, "as_of": as_of, "since": since, "until": until,
             "sources": source, **({"timeline": True} if timeline else {})}
    streamed = ""
    reply = None if stream else ask_running(settings, asked)
    if reply is not None:
        result = Answer.from_dict(reply)
    else:
        for piece in answer_locally(settings, asked):
            if isinstance(piece, Answer):
                result = piece
            elif stream and not as_json:
                streamed += piece
                typer.echo(piece, nl=False)
    if as_json:
        typer.echo(result.to_json(indent=2))
        return
    if streamed:
        typer.echo("\n\nVerified answer:")
    print_answer(result)


def print_answer(result) -> None:
    """The answer (its timeline first, when asked for), its sources grouped by article with
    their quotes, the reader, the notes."""
    if result.timeline:
        from qa.timeline import timeline_text

        typer.echo(f"Timeline: {timeline_text(result.timeline)}\n")
    typer.echo(result.text)
    if result.citations:
        typer.echo("\nSources:")
    quotes = {c.n: c for c in result.citations}
    for article in result.sources:
        typer.echo(f"{article.title} ({article.date or 'undated'}) "
                   f"{article.url or article.article_id}")
        for c in map(quotes.get, article.citations):
            also = f"\n      also in: {', '.join(c.also_in)}" if c.also_in else ""
            typer.echo(f"  [{c.n}] “{c.quote}”{also}")
    typer.echo(f"\nReader: {result.reader}")
    for note in result.notes:
        typer.echo(f"Note: {note}")


def ask_running(settings, asked: dict) -> dict | None:
    """The answer of a chat server running for the same index (in about 0.1 s, where loading
    the model takes seconds), or None when there is none."""
    from ui.running import Refused, running

    remote = running(settings)
    try:
        return remote.post("/api/answer", asked) if remote else None
    except Refused as e:
        raise fail(str(e), 2 if e.status == 400 else 1) from None


def answer_locally(settings, asked: dict):
    """The reader's pieces, then the Answer, from this process."""
    from qa.api import stream  # the model's stack: only when this process answers
    from qa.errors import BadQuestion, UserError

    options = {name: value for name, value in asked.items() if name != "question"}
    try:
        yield from stream(asked["question"], settings=settings, **options)
    except UserError as e:  # exit 2 for a question to fix, 1 for the rest
        raise fail(str(e), 2 if isinstance(e, BadQuestion) else 1) from None


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(
        help="Questions: RealTimeQA JSONL, or natural questions (qa/natural.py).")],
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
    llm_url: LLMUrl = None,
    llm_model: LLMModel = None,
    llm_gguf: LLMGguf = None,
    llm_styles: Annotated[str, typer.Option("--llm-styles", help="With an LLM, the styles "
                          "scored next to the extractive reader.")] = "write,choose",
    every_article: Annotated[bool, typer.Option("--every-article", help="Index every article "
                             "of the file, not only the questions' own.")] = False,
    haystack: Annotated[Path | None, typer.Option("--haystack", help="Natural questions: "
                        "the RealTimeQA questions whose articles form the haystack.")] = None,
    half: Annotated[str | None, typer.Option("--half", help="Natural questions: only this "
                    "half (fit or held).")] = None,
) -> None:
    """Score retrieval (hit@k, MRR) and answers (gold answer in the first 60/300 characters)."""
    from qa import natural
    from qa.evaluate import run

    for path in (questions, articles, *([haystack] if haystack else [])):
        if not path.exists():
            raise fail(f"no such file: {path}", 2)
    llm, styles = llm_options(llm_url, llm_gguf, llm_model, llm_styles)
    if natural.is_natural(questions):
        if half not in (None, "fit", "held"):
            raise fail(f"--half takes fit or held, not {half!r}.", 2)
        with_llm = {**llm, "llm_style": styles[-1]} if llm else None
        print_halves(natural.run(questions, articles, haystack=haystack, index_dir=index_dir,
                                 out=out, only=half, llm=with_llm))
        return
    scores = run(questions, articles, limit=limit, seed=seed, k=k, index_dir=index_dir,
                 out=out, answerable=not include_unanswerable, baseline=baseline,
                 use_dates=not ignore_dates, llm=llm or None, styles=styles,
                 every_article=every_article)
    for name, value in scores.items():
        typer.echo(f"{name:>18}  {value:.3f}" if isinstance(value, float) else
                   f"{name:>18}  {value}")


def llm_options(url: str | None, gguf: Path | None, model: str | None, styles: str
                ) -> tuple[dict, tuple[str, ...]]:
    """The LLM settings `newsqa eval` was given, and the styles it scores."""
    llm = {name: value for name, value in (("llm_url", url), ("llm_gguf", gguf),
                                           ("llm_model", model)) if value}
    chosen = tuple(s.strip() for s in styles.split(",") if s.strip())
    if not set(chosen) <= {"write", "choose"}:
        raise fail(f"--llm-styles takes write and/or choose, not {styles!r}.", 2)
    return llm, chosen


def print_halves(halves: dict[str, dict[str, float]]) -> None:
    """A line per score: its value in each half asked (a half without a question of that
    kind shows none) and in both."""
    for name in halves["both"]:
        values = [(h, scores[name]) for h, scores in halves.items()
                  if scores["questions"] and name in scores]
        typer.echo(f"{name:>26}  " + "  ".join(
            f"{h} {v:>5}" if isinstance(v, int) else f"{h} {v:.3f}" for h, v in values))


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
