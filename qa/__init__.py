"""From a question to a cited answer."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.api import answer, search, stream
    from qa.citations import Answer, Citation, Passage

__all__ = ["Answer", "Citation", "Passage", "answer", "search", "stream"]
_HOME = {"Answer": "qa.citations", "Citation": "qa.citations", "Passage": "qa.citations",
         "answer": "qa.api", "search": "qa.api", "stream": "qa.api"}


def __getattr__(name: str):
    """`from qa import answer` imports the model's stack only when asked, so records and the
    command line load quickly."""
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
