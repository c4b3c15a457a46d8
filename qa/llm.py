"""Chat LLM backends: an OpenAI-compatible server (langchain-openai) or a local GGUF file
(llama-cpp-python). Each streams text for a list of (role, content) messages."""

from __future__ import annotations

import atexit
import importlib.util
import json
import logging
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from index.errors import UserError
from index.settings import Settings

Messages = Sequence[tuple[str, str]]  # ("system" | "user" | "assistant", text)


class LLMUnavailable(UserError):
    """The LLM cannot be used as configured; the message says how to fix it."""


class LLM(Protocol):
    name: str

    def stream(self, messages: Messages, max_tokens: int, schema: dict | None = None
               ) -> Iterator[str]:
        """The reply as it is written; with `schema`, JSON that follows that JSON schema."""
        ...


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

    def stream(self, messages: Messages, max_tokens: int, schema: dict | None = None
               ) -> Iterator[str]:
        from langchain_openai import ChatOpenAI

        # llama.cpp's servers constrain the reply to `schema`; others may take it as a hint.
        chat = ChatOpenAI(base_url=self.url, model=self.model, api_key=self.api_key or "none",
                          timeout=self.timeout, max_retries=0, temperature=0,
                          max_completion_tokens=max_tokens, model_kwargs={"response_format": {
                              "type": "json_object", "schema": schema}} if schema else {})
        for chunk in chat.stream(list(messages)):
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content


@dataclass(frozen=True)
class LocalLLM:
    """A GGUF model run by llama-cpp-python in a child process (one request at a time), so
    that a crash of the model costs one answer, not the process serving people."""

    path: Path
    timeout: float

    @property
    def name(self) -> str:
        return self.path.name

    def stream(self, messages: Messages, max_tokens: int, schema: dict | None = None
               ) -> Iterator[str]:
        yield from worker(str(self.path)).ask(
            {"messages": list(messages), "max_tokens": max_tokens, "schema": schema},
            self.timeout)


LOAD_TIMEOUT_S = 300.0  # longest wait for the child process to load a model
REINSTALL = ("reinstall llama-cpp-python built for any CPU: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" "
             "pip install --force-reinstall --no-cache-dir llama-cpp-python==0.3.36")


class _Worker:
    """The child process (qa/llm_worker.py) for one model file, started on first use and
    again after it dies."""

    def __init__(self, path: str):
        self.path, self.lock = path, threading.Lock()
        self.process: subprocess.Popen | None = None
        self.replies: queue.Queue[dict | None] = queue.Queue()

    def ask(self, request: dict, timeout: float) -> Iterator[str]:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            try:
                self.process.stdin.write(json.dumps(request) + "\n")
                self.process.stdin.flush()
            except OSError:
                self._stopped()
            finished = False
            try:
                while not finished:
                    reply = self._next(timeout)
                    if "error" in reply:  # that request failed; the process is fine
                        finished = True
                        raise LLMUnavailable(f"The local model refused the request: "
                                             f"{reply['error']}")
                    finished = bool(reply.get("end"))
                    if "text" in reply:
                        yield reply["text"]
            finally:
                if not finished:  # left mid-reply: the rest must not reach the next request
                    self._kill()

    def _start(self) -> None:
        self.replies = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("llm_worker.py")), self.path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, args=(self.process, self.replies), daemon=True).start()
        self._next(LOAD_TIMEOUT_S)  # {"ready": true}

    @staticmethod
    def _read(process: subprocess.Popen, replies: queue.Queue) -> None:
        for line in process.stdout:
            if line.startswith("{"):  # anything else is the library talking, not a reply
                replies.put(json.loads(line))
        replies.put(None)

    def _next(self, timeout: float) -> dict:
        try:
            reply = self.replies.get(timeout=timeout)
        except queue.Empty:
            self._kill()  # mid-answer: the next request starts a fresh process
            raise TimeoutError(f"no reply from the local model within {timeout:g} s") from None
        if reply is None:
            self._stopped()
        return reply

    def _stopped(self) -> None:
        code = self.process.wait()
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        message = f"The local model's process stopped ({how}); if this repeats, {REINSTALL}"
        logging.getLogger("newsqa").warning(message)
        raise LLMUnavailable(message)

    def _kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        if self.process and self.process.poll() is None:
            self._kill()


_workers: dict[str, _Worker] = {}
_workers_lock = threading.Lock()


def worker(path: str) -> _Worker:
    with _workers_lock:
        if path not in _workers:
            _workers[path] = _Worker(path)
            atexit.register(_workers[path].close)
        return _workers[path]


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
        return LocalLLM(Path(settings.llm_gguf), settings.llm_timeout_s)
    if settings.llm_url:
        return ServerLLM(settings.llm_url.rstrip("/"), settings.llm_model,
                         settings.llm_api_key, settings.llm_timeout_s)
    return None
