"""The one FastAPI app `newsqa chat` serves: the Gradio chat at /, `POST /api/answer` and
`/api/search`, the OpenAI-compatible routes under /v1; its login and its concurrency limit."""

from __future__ import annotations

import gradio as gr
from fastapi import Body, FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict

from index.settings import Settings, go_offline
from qa.api import answer, search
from qa.citations import Answer
from qa.errors import UserError
from qa.follow.atom import atom
from qa.follow.book import Book
from ui.app import CSS, chat_blocks
from ui.gate import Gate
from ui.http import error_response, guarded
from ui.openai_api import add_openai_routes

FEED_EVENTS = 50  # the latest events /follow.atom lists


def few_malloc_arenas(arenas: int = 2) -> None:
    """Let the server's threads share a few malloc arenas. glibc gives each new thread one
    of its own, and memory freed in one is not reused by another: under 20 concurrent
    clients the server peaked at 1.5 GB with the default, 1.2 GB with two (bench/load.py)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


class Asked(BaseModel):
    """The body of `POST /api/answer` (`question`) and `/api/search` (`query`). Unknown fields
    are ignored; the values are checked by Query.parse, so every way in refuses them with
    the same sentences."""

    model_config = ConfigDict(extra="ignore")

    question: object = None
    query: object = None
    k: object = None
    as_of: object = None
    since: object = None
    until: object = None
    sources: object = None
    history: object = None  # /api/answer: the conversation so far, as {"role", "content"}
    timeline: object = False  # /api/answer: also the answers over time

    @classmethod
    def of(cls, body: object) -> Asked:
        return cls.model_validate(body if isinstance(body, dict) else {})

    def options(self) -> dict:
        return {"k": self.k, "as_of": self.as_of, "since": self.since, "until": self.until,
                "sources": self.sources}


def create_app(settings: Settings | None = None, auth: tuple[str, str] | None = None,
               gate: Gate | None = None):
    """FastAPI app: the chat at /, `POST /api/answer` and `/api/search` and /v1 for programs;
    with `auth`, every route needs that user and password. `gate` limits answers in progress
    across all of them."""
    go_offline()
    settings = settings or Settings()
    gate = gate or Gate()
    app = FastAPI(title="newsqa", docs_url=None, redoc_url=None)

    def served(call, asked: object, options: dict):
        """`call(asked, **options)` in a slot of the gate; user errors as HTTP statuses."""
        try:
            with gate.slot():
                return call(asked, settings=settings, **options)
        except UserError as e:
            return error_response(e)

    @app.post("/api/answer")
    def post_answer(body: object = Body(None)):  # noqa: B008
        """{"question", and optionally "k", "as_of", "since", "until", "sources"}."""
        asked = Asked.of(body)
        result = served(answer, asked.question, {**asked.options(), "history": asked.history,
                                                 "timeline": asked.timeline})
        return result.to_dict() if isinstance(result, Answer) else result

    @app.post("/api/search")
    def post_search(body: object = Body(None)):  # noqa: B008
        """{"query", and the same options}: the passages answer() would read."""
        asked = Asked.of(body)
        found = served(search, asked.query, asked.options())
        return [p.to_dict() for p in found] if isinstance(found, list) else found

    @app.get("/follow.atom")
    def followed_feed(request: Request):
        """The followed questions' change events, newest first, as an Atom feed."""
        events = Book.of(settings).events(limit=FEED_EVENTS)
        return Response(atom(events, str(request.url)), media_type="application/atom+xml")

    add_openai_routes(app, settings, gate)
    theme = gr.themes.Base(font=["system-ui", "sans-serif"], font_mono=["monospace"])
    blocks = chat_blocks(settings, gate)
    app = gr.mount_gradio_app(app, blocks, path="/", theme=theme, css=CSS, footer_links=[],
                              show_error=False)
    return guarded(app, auth) if auth else app
