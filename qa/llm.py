"""Chat LLM backends: an OpenAI-compatible server (langchain-openai) or a local GGUF file
(llama-cpp-python). Each streams text for a list of (role, content) messages."""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from index.settings import Settings

Messages = Sequence[tuple[str, str]]  # ("system" | "user" | "assistant", text)


class LLMUnavailable(Exception):
    """The LLM cannot be used as configured; the message says how to fix it."""


class LLM(Protocol):
    name: str

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]: ...


@dataclass(frozen=True)
class ServerLLM:
    """Any OpenAI-compatible chat server, with a bounded timeout and no retries."""

    url: str
    model: str
    api_key: str | None
    timeout: float

    @property
    def name(self) -> str:
        return f"{self.model} at {self.url}"

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        from langchain_openai import ChatOpenAI

        chat = ChatOpenAI(base_url=self.url, model=self.model, api_key=self.api_key or "none",
                          timeout=self.timeout, max_retries=0, temperature=0,
                          max_completion_tokens=max_tokens)
        for chunk in chat.stream(list(messages)):
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content


@dataclass(frozen=True)
class LocalLLM:
    """A GGUF model run in this process by llama-cpp-python (one request at a time)."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        model, lock = _load_gguf(str(self.path))
        with lock:
            for part in model.create_chat_completion(
                    [{"role": r, "content": c} for r, c in messages], max_tokens=max_tokens,
                    temperature=0, stream=True):
                text = part["choices"][0].get("delta", {}).get("content")
                if text:
                    yield text


@functools.cache
def _load_gguf(path: str):
    from llama_cpp import Llama

    return Llama(model_path=path, n_ctx=4096, verbose=False), threading.Lock()


def llm_from(settings: Settings) -> LLM | None:
    """The LLM the settings name, or None for the default extractive reader; LLMUnavailable
    when a local model is named but cannot be run."""
    if settings.llm_gguf:
        if importlib.util.find_spec("llama_cpp") is None:
            raise LLMUnavailable(
                "NEWSQA_LLM_GGUF needs llama-cpp-python: pip install 'newsqa[llm]' "
                "(with CMAKE_ARGS=-DGGML_NATIVE=OFF for a portable build).")
        if not Path(settings.llm_gguf).is_file():
            raise LLMUnavailable(
                f"There is no GGUF model at {settings.llm_gguf}. Check NEWSQA_LLM_GGUF.")
        return LocalLLM(Path(settings.llm_gguf))
    if settings.llm_url:
        return ServerLLM(settings.llm_url.rstrip("/"), settings.llm_model,
                         settings.llm_api_key, settings.llm_timeout_s)
    return None
