"""The web chat (Gradio) and a JSON API, served together by one FastAPI app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from index.settings import Settings, go_offline

log = logging.getLogger("newsqa")

CSS = """
.newsqa-sources { list-style: none; padding-left: 0; }
.newsqa-source blockquote { margin: .3em 0 .8em; color: var(--body-text-color-subdued); }
.newsqa-source mark { background: #fff3a3; color: #000; }
"""


def ask_stream(question: object, history, settings: Settings, **filters
               ) -> Iterator[tuple[str, str | None]]:
    """(answer markdown, None) while an LLM writes, then (verified answer markdown, sources
    HTML); failures become sentences, not traces. `filters`: since, until (YYYY-MM-DD or
    empty) and sources, as for answer()."""
    from index.store import IndexUnavailable
    from qa.api import engine, stream
    from qa.citations import Answer
    from qa.llm import LLMUnavailable
    from ui.render import answer_markdown, safe_markdown, sources_html

    written = ""
    try:
        filters = {name: value or None for name, value in filters.items()}
        for piece in stream(question, history=history, settings=settings, **filters):
            if isinstance(piece, Answer):
                result = piece
            else:
                written += piece
                yield safe_markdown(written), None
    except (ValueError, TypeError, IndexUnavailable, LLMUnavailable) as e:
        yield str(e), ""
        return
    except Exception as e:  # the user gets a sentence; the log keeps the details
        log.exception("answering failed")
        yield (f"Something went wrong while answering ({e.__class__.__name__}). "
               "Try again; if it persists, run `newsqa index`."), ""
        return
    articles = engine(settings).store.get_articles(c.article_id for c in result.citations)
    yield answer_markdown(result), sources_html(result, articles)


def ask(question: object, history, settings: Settings, **filters) -> tuple[str, str]:
    """The final (answer markdown, sources HTML) of ask_stream."""
    *_, last = ask_stream(question, history, settings, **filters)
    return last


def reader_label(settings: Settings) -> str:
    from qa.llm import llm_from

    llm = llm_from(settings)
    return f"**LLM** ({llm.name}), citations verified" if llm else \
        "**extractive** (offline, no LLM)"


def reindex(settings: Settings, progress: Callable[..., None] | None = None) -> str:
    from index.build import build
    from index.store import IndexUnavailable

    if not settings.articles.exists():
        return f"There is no article folder at {settings.articles}."
    try:
        report = build([settings.articles], settings, progress=progress)
    except IndexUnavailable as e:
        return str(e)
    return report.line()


def add_url(url: str, settings: Settings) -> str:
    """Fetch an article from the web into the article folder and index it; one line each."""
    from index.fetch import add_urls
    from index.store import IndexUnavailable

    url = (url or "").strip()
    if not url:
        return "Paste the address (http:// or https://) of an article page."
    try:
        added, report = add_urls([url], settings)
    except IndexUnavailable as e:
        return str(e)
    return "\n".join([a.message for a in added] + ([report.line()] if report else []))


def outlets(catalog: dict[str, dict]) -> list[str]:
    """The outlets (or web sites) of the indexed articles, for the source filter."""
    from urllib.parse import urlparse

    names = {meta.get("source") or (urlparse(meta.get("url") or "").hostname or "")
             .removeprefix("www.") for meta in catalog.values()}
    return sorted(n for n in names if n)


def chat_blocks(settings: Settings, examples: list[str], sources: list[str]):
    import gradio as gr

    from ui.render import safe_markdown

    def respond(message: str, history: list, since: str | None, until: str | None,
                chosen: list[str]):
        history = list(history or [])
        asked = {"role": "user", "content": safe_markdown(message or "")}
        for text, found in ask_stream(message, history, settings, since=(since or "").strip(),
                                      until=(until or "").strip(), sources=chosen):
            turn = history + [asked, {"role": "assistant", "content": text}]
            if found is None:  # still being written
                yield "", turn, gr.skip()
            else:
                yield "", turn, found or "<p>No sources for this message.</p>"

    def update_index(progress=gr.Progress()):  # noqa: B008 (Gradio injects progress this way)
        return reindex(settings, lambda done, total, *_: progress((done, total), unit="chunks"))

    def chat(question: str) -> str:
        """Answer one question; returns the answer as markdown with [n] markers."""
        return ask(question, None, settings)[0]

    with gr.Blocks(title="newsqa") as blocks:
        gr.Markdown("## newsqa\nAsk about the coverage. Every answer quotes its sources. "
                    f"Reader: {reader_label(settings)}.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=460, sanitize_html=True,
                                     feedback_options=None, buttons=["copy", "copy_all"],
                                     elem_id="chat")
                box = gr.Textbox(placeholder="Ask about the coverage…", show_label=False,
                                 elem_id="question", submit_btn="Ask")
                gr.Examples(examples, inputs=box, label="Try")
                with gr.Accordion("Filters", open=False):
                    with gr.Row():
                        since = gr.DateTime(label="Published since", include_time=False,
                                            type="string", elem_id="since")
                        until = gr.DateTime(label="Published until", include_time=False,
                                            type="string", elem_id="until")
                    chosen = gr.Dropdown(sources, value=[], multiselect=True,
                                         allow_custom_value=True, label="Sources",
                                         elem_id="sources-filter")
            with gr.Column(scale=2):
                panel = gr.HTML("<p>Sources appear here.</p>", elem_id="sources")
                with gr.Accordion("Index", open=False):
                    button = gr.Button("Update index", elem_id="update-index")
                    status = gr.Textbox(label="Last update", interactive=False,
                                        elem_id="index-status")
                    url = gr.Textbox(label="Add an article from the web",
                                     placeholder="https://…", elem_id="add-url",
                                     submit_btn="Add")
        box.submit(respond, [box, chatbot, since, until, chosen], [box, chatbot, panel],
                   api_visibility="private")
        button.click(update_index, None, status, api_visibility="private")
        url.submit(lambda u: ("", add_url(u, settings)), url, [url, status],
                   api_visibility="private")
        gr.api(chat, api_name="chat")
    return blocks


def few_malloc_arenas(arenas: int = 2) -> None:
    """Let the server's threads share a few malloc arenas. glibc gives each new thread one
    of its own, and memory freed in one is not reused by another: under 20 concurrent
    clients the server peaked at 1.5 GB with the default, 1.2 GB with two (bench/load.py)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def parse_auth(text: str) -> tuple[str, str]:
    user, _, password = text.partition(":")
    if not user or not password:
        raise ValueError("--auth (or NEWSQA_AUTH) must look like user:password.")
    return user, password


def is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_login(app, user: str, password: str) -> None:
    """HTTP Basic authentication on every route: the chat page, its queue and the JSON API."""
    import base64
    import secrets

    from starlette.responses import PlainTextResponse

    expected = b"Basic " + base64.b64encode(f"{user}:{password}".encode())

    @app.middleware("http")
    async def check(request, call_next):
        given = request.headers.get("authorization", "").encode()
        if secrets.compare_digest(given, expected):
            return await call_next(request)
        return PlainTextResponse("Sign in with the user and password given to newsqa --auth.",
                                 status_code=401,
                                 headers={"WWW-Authenticate": 'Basic realm="newsqa"'})


def create_app(settings: Settings | None = None, auth: tuple[str, str] | None = None):
    """FastAPI app: the chat at /, `POST /api/answer` for programs; with `auth`, both need
    that user and password."""
    go_offline()
    import gradio as gr
    from fastapi import Body, FastAPI
    from fastapi.responses import JSONResponse

    from index.store import IndexUnavailable, Store
    from qa.api import answer
    from ui.examples import example_questions

    settings = settings or Settings()
    app = FastAPI(title="newsqa", docs_url=None, redoc_url=None)

    # Two answers at a time use both cores; more would only queue inside torch and hold
    # memory in every waiting thread.
    answering = threading.BoundedSemaphore(2)

    @app.post("/api/answer")
    def post_answer(body: dict = Body(...)):  # noqa: B008
        """{"question", and optionally "k", "as_of", "since", "until", "sources"}."""
        body = body if isinstance(body, dict) else {}
        options = {name: body.get(name) for name in ("k", "as_of", "since", "until", "sources")}
        try:
            with answering:
                return answer(body.get("question"), settings=settings, **options).to_dict()
        except (ValueError, TypeError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        except IndexUnavailable as e:
            return JSONResponse({"error": str(e)}, status_code=503)

    try:
        store = Store(settings)
        catalog = store.catalog()
        examples = example_questions(store.get_articles(list(catalog)[:200]).values())
    except IndexUnavailable:
        catalog, examples = {}, []
    theme = gr.themes.Base(font=["system-ui", "sans-serif"], font_mono=["monospace"])
    blocks = chat_blocks(settings, examples, outlets(catalog))
    app = gr.mount_gradio_app(app, blocks, path="/", theme=theme, css=CSS, footer_links=[],
                              show_error=False)
    if auth:
        require_login(app, *auth)
    return app
