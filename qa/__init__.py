"""From a question to a cited answer."""

from qa.api import Passage, answer, search, stream
from qa.citations import Answer, Citation

__all__ = ["Answer", "Citation", "Passage", "answer", "search", "stream"]
