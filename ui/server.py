"""The one FastAPI app `newsqa chat` serves: the Gradio chat at /, `POST /api/answer`, the
OpenAI-compatible routes under /v1; its login and its concurrency limit."""

from __future__ import annotations

import base64
import dataclasses
import secrets

from index.settings import Settings, go_offline
from ui.gate import Busy, Gate


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


def authorized(header: str, user: str, password: str) -> bool:
    """HTTP Basic with that user and password, or a bearer token `user:password` (what
    OpenAI and MCP clients send as their API key)."""
    given = header.encode()
    basic = b"Basic " + base64.b64encode(f"{user}:{password}".encode())
    bearer = f"Bearer {user}:{password}".encode()
    return secrets.compare_digest(given, basic) | secrets.compare_digest(given, bearer)


def require_login(app, user: str, password: str) -> None:
    """Authentication on every route: the chat page, its queue and the APIs."""
    from starlette.responses import PlainTextResponse

    @app.middleware("http")
    async def check(request, call_next):
        if authorized(request.headers.get("authorization", ""), user, password):
            return await call_next(request)
        return PlainTextResponse("Sign in with the user and password given to newsqa --auth "
                                 "(API clients: the key user:password).", status_code=401,
                                 headers={"WWW-Authenticate": 'Basic realm="newsqa"'})


def busy_response(error: Busy, body: dict | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse(body or {"error": str(error)}, status_code=503,
                        headers={"Retry-After": str(error.retry_after)})


def create_app(settings: Settings | None = None, auth: tuple[str, str] | None = None,
               gate: Gate | None = None):
    """FastAPI app: the chat at /, `POST /api/answer` and /v1 for programs; with `auth`,
    every route needs that user and password. `gate` limits answers in progress across all
    of them."""
    go_offline()
    import gradio as gr
    from fastapi import Body, FastAPI
    from fastapi.responses import JSONResponse

    from index.store import IndexUnavailable
    from qa.api import answer, search
    from qa.citations import Answer
    from ui.app import CSS, chat_blocks
    from ui.openai_api import add_openai_routes

    settings = settings or Settings()
    gate = gate or Gate()
    app = FastAPI(title="newsqa", docs_url=None, redoc_url=None)

    def served(call, body: object, asked: str):
        """`call(body[asked], **options)` in a slot of the gate; errors as HTTP statuses."""
        body = body if isinstance(body, dict) else {}
        options = {name: body.get(name) for name in ("k", "as_of", "since", "until", "sources")}
        try:
            with gate.slot():
                return call(body.get(asked), settings=settings, **options)
        except Busy as e:
            return busy_response(e)
        except (ValueError, TypeError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        except IndexUnavailable as e:
            return JSONResponse({"error": str(e)}, status_code=503)

    @app.post("/api/answer")
    def post_answer(body: dict = Body(...)):  # noqa: B008
        """{"question", and optionally "k", "as_of", "since", "until", "sources"}."""
        result = served(answer, body, "question")
        return result.to_dict() if isinstance(result, Answer) else result

    @app.post("/api/search")
    def post_search(body: dict = Body(...)):  # noqa: B008
        """{"query", and the same options}: the passages answer() would read."""
        found = served(search, body, "query")
        return [dataclasses.asdict(p) for p in found] if isinstance(found, list) else found

    add_openai_routes(app, settings, gate)
    theme = gr.themes.Base(font=["system-ui", "sans-serif"], font_mono=["monospace"])
    blocks = chat_blocks(settings, gate)
    app = gr.mount_gradio_app(app, blocks, path="/", theme=theme, css=CSS, footer_links=[],
                              show_error=False)
    if auth:
        require_login(app, *auth)
    return app
