"""The failures a person can act on, one family for every way in: each way in maps them once,
by a table (an exit code, an HTTP status, a tool error, a line in the chat)."""

from __future__ import annotations

from index.connection import IndexBusy, IndexUnavailable
from index.errors import UserError
from qa.llm import LLMUnavailable

__all__ = ["BadQuestion", "Busy", "IndexBusy", "IndexUnavailable", "LLMUnavailable",
           "UserError"]

# What a turned-away client is told to wait before trying again (HTTP Retry-After), in seconds.
RETRY_AFTER_S = 5


class BadQuestion(UserError, ValueError, TypeError):
    """A question or option that cannot be asked as given (empty, too long, a bad date)."""


class Busy(UserError):
    """Every answering slot is taken and the queue is full: the client should retry later."""

    retry_after = RETRY_AFTER_S

    def __init__(self) -> None:
        super().__init__(f"newsqa is answering as many questions as it can; try again in "
                         f"{RETRY_AFTER_S} seconds.")
