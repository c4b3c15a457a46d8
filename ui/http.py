"""What every HTTP way in shares: the one login guard (chat, APIs and MCP over HTTP), and the
user's errors as responses, mapped once by a table."""

from __future__ import annotations

import base64
import ipaddress
import secrets

from starlette.responses import JSONResponse, PlainTextResponse

from qa.errors import BadQuestion, Busy, UserError

# The HTTP status of each user error; the first class that matches wins.
STATUS = ((BadQuestion, 400), (Busy, 503), (UserError, 503))
SIGN_IN = ("Sign in with the user and password given to newsqa --auth "
           "(API clients: the key user:password).")


def parse_auth(text: str) -> tuple[str, str]:
    user, _, password = text.partition(":")
    if not user or not password:
        raise ValueError("--auth (or NEWSQA_AUTH) must look like user:password.")
    return user, password


def is_loopback(host: str) -> bool:
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


def guarded(app, login: tuple[str, str]):
    """The ASGI app behind the login: every HTTP request without it gets 401."""

    async def guard(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if not authorized(headers.get(b"authorization", b"").decode("latin-1"), *login):
                response = PlainTextResponse(SIGN_IN, 401,
                                             headers={"WWW-Authenticate": 'Basic realm="newsqa"'})
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return guard


def status_of(error: UserError) -> int:
    return next(status for kind, status in STATUS if isinstance(error, kind))


def error_response(error: UserError, body: dict | None = None) -> JSONResponse:
    """The error as JSON (`{"error": sentence}` unless `body` is given) with its status; a
    Busy one says when to come back."""
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Busy) else None
    return JSONResponse(body or {"error": str(error)}, status_of(error), headers=headers)
