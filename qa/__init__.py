"""From a question to a cited answer."""

from qa.api import answer, stream
from qa.citations import Answer, Citation

__all__ = ["Answer", "Citation", "answer", "stream"]
