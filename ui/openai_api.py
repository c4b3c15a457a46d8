"""An OpenAI-compatible API on the chat's app: `GET /v1/models` and `POST /v1/chat/completions`
(plain or streamed as Server-Sent Events), so any OpenAI client or chat front end can ask.
The answer is the verified one: its `[n]` markers in the text, followed by a list of
sources; the citations themselves in the extra field `citations`."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from fastapi import Request  # at module level: FastAPI reads the route's annotation here
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from index.records import iso
from index.settings import Settings
from qa.api import answer
from qa.citations import Answer
from qa.errors import BadQuestion, Busy, UserError
from qa.query import Turn
from ui.gate import Gate
from ui.http import error_response

# Characters per streamed chunk of the verified answer: small enough to show progress,
# large enough not to flood a client with events.
STREAM_CHUNK_CHARS = 48


class BadRequest(BadQuestion):
    """A request an OpenAI client should not have sent; the message says what to fix."""

    def __init__(self, message: str, param: str | None = None, status: int = 400,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.param, self.status, self.code = param, status, code


def model_name(settings: Settings) -> str:
    """The reader's name, as a model id: newsqa-extractive, or newsqa-llm-<model>."""
    if settings.llm_url:
        return f"newsqa-llm-{settings.llm_model}"
    if settings.llm_gguf:
        return f"newsqa-llm-{settings.llm_gguf.stem}"
    return "newsqa-extractive"


def text_of(content: object) -> str:
    """A message's content: a string, or a list of parts of which the text parts count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content
                        if isinstance(p, dict) and p.get("type") == "text")
    if content is None:
        return ""
    raise BadRequest("Each message's content must be text or a list of parts.", "messages")


def parse_request(body: object, settings: Settings) -> tuple[str, list[Turn], bool]:
    """(question, history, stream) of a chat completion request; unknown fields ignored."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or \
            not all(isinstance(m, dict) for m in messages):
        raise BadRequest("messages must be a non-empty list of {role, content} objects.",
                         "messages")
    model = body.get("model")
    if model not in (None, "", model_name(settings)):
        raise BadRequest(f"The model {model!r} does not exist; this server has "
                         f"{model_name(settings)!r} (GET /v1/models).", "model", 404,
                         "model_not_found")
    turns = [Turn(role=m["role"], text=text_of(m.get("content"))) for m in messages
             if m.get("role") in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise BadRequest("The last message must be the user's question.", "messages")
    return turns[-1].text, turns[:-1], body.get("stream") is True


def content_of(result: Answer) -> str:
    """The answer text, then its sources, as a chat client shows them."""
    if not result.citations:
        return result.text
    sources = "\n".join(f"{''.join(f'[{n}]' for n in s.citations)} {s.title} "
                        f"({s.date or 'undated'}) {s.url or s.article_id}"
                        for s in result.sources)
    return f"{result.text}\n\nSources:\n{sources}"


def citations_of(result: Answer) -> list[dict]:
    return [{"n": c.n, "title": c.title, "date": iso(c.date), "url": c.url, "quote": c.quote,
             "start": c.start, "end": c.end, "article_id": c.article_id,
             "also_in": list(c.also_in)} for c in result.citations]


def usage(question: str, content: str) -> dict:
    """Words of the question and of the reply, counted as tokens: the extractive reader has
    no tokenizer, and clients that keep a budget still see the sizes move."""
    asked, replied = len(question.split()), len(content.split())
    return {"prompt_tokens": asked, "completion_tokens": replied,
            "total_tokens": asked + replied}


def completion(result: Answer, model: str) -> dict:
    content = content_of(result)
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
            "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": usage(result.question, content),
            "citations": citations_of(result), "abstained": result.abstained}


def chunks(result: Answer, model: str) -> Iterator[str]:
    """The answer as OpenAI chat.completion.chunk events, then `data: [DONE]`."""
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        chunk = {"id": ident, "object": "chat.completion.chunk", "created": created,
                 "model": model, "choices": [{"index": 0, "delta": delta,
                                              "finish_reason": finish}], **extra}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    text = content_of(result)
    for i in range(0, len(text), STREAM_CHUNK_CHARS):
        yield event({"content": text[i:i + STREAM_CHUNK_CHARS]})
    yield event({}, "stop", citations=citations_of(result), abstained=result.abstained,
                usage=usage(result.question, text))
    yield "data: [DONE]\n\n"


def error_body(message: str, kind: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


# OpenAI's error type and code of each user error; the first class that matches wins.
KINDS = ((BadQuestion, "invalid_request_error", None), (Busy, "server_busy", "rate_limit"),
         (UserError, "server_error", None))


def openai_error(e: UserError) -> JSONResponse:
    """The error in OpenAI's shape, with the status every HTTP way in gives it."""
    kind, code = next((kind, code) for cls, kind, code in KINDS if isinstance(e, cls))
    param = e.param if isinstance(e, BadRequest) else "messages" \
        if isinstance(e, BadQuestion) else None
    code = e.code if isinstance(e, BadRequest) else code
    response = error_response(e, error_body(str(e), kind, param, code))
    if isinstance(e, BadRequest):
        response.status_code = e.status
    return response


def add_openai_routes(app, settings: Settings, gate: Gate) -> None:
    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [{"id": model_name(settings), "object": "model",
                                            "created": 0, "owned_by": "newsqa"}]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return JSONResponse(error_body("The request body is not valid JSON."), 400)
        def answered(question: str, history: list[Turn]) -> Answer:
            with gate.slot():  # a full queue is a 503 before any event is sent
                return answer(question, history=history, settings=settings)

        try:
            question, history, stream = parse_request(body, settings)
            result = await run_in_threadpool(answered, question, history)
        except UserError as e:
            return openai_error(e)
        name = model_name(settings)
        if stream:
            return StreamingResponse(chunks(result, name), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        return completion(result, name)
