"""One concurrency limit shared by every way into the server: the chat box, the Gradio API,
`POST /api/answer`, the OpenAI-compatible routes and MCP over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from qa.errors import Busy

# Two answers at a time use both cores; more would only queue inside torch and hold memory in
# every waiting thread.
ANSWERING_AT_ONCE = 2
# Requests allowed to wait for a free slot; beyond them a client is told to come back.
WAITING_AT_MOST = 16
# How long a waiting request waits for a slot before it is turned away, in seconds.
WAIT_S = 60.0
class Gate:
    """At most `running` answers at a time and `waiting` more in line; anyone beyond that is
    refused at once with Busy rather than left waiting without end."""

    def __init__(self, running: int = ANSWERING_AT_ONCE, waiting: int = WAITING_AT_MOST,
                 wait_s: float = WAIT_S) -> None:
        self._slots = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self._inside = 0  # running + waiting
        self._capacity = running + waiting
        self._wait_s = wait_s

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            if self._inside >= self._capacity:
                raise Busy()
            self._inside += 1
        try:
            if not self._slots.acquire(timeout=self._wait_s):
                raise Busy()
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._inside -= 1
