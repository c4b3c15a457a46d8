"""How likely the short answer is right: a logistic model over named signals of the
evidence, fitted by `bench/fit_confidence.py` on the dev questions (cross-validated by quiz
week) and stored with its threshold in `confidence.json`. Below the threshold the answer
is not put forward in bold; the best sentences lead instead."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.extractive.vote import Vote

FILE = Path(__file__).with_name("confidence.json")
FEATURES = (
    "best_score",  # the best sentence's score
    "share",  # the answer's share of the votes
    "margin",  # its share over the runner-up's
    "from_lead",  # the best sentence names it
    "dated",  # it comes from before the days asked about, or other days say otherwise
    "phrase",  # a noun phrase, not a name, number or date
    "words",  # its length in words (capped at 6)
    "listed",  # several items the best sentence states together
    "about",  # the share of the question's terms its sentence's article has
    "rooted",  # the share of the question's words its sentence meets by root
)
MOST_WORDS = 6
# None of them grows with the collection: a folder of two articles and an archive of
# thousands give the same signals for the same evidence.


def signals(vote: Vote, best_score: float, dated: bool, phrase: bool) -> dict[str, float]:
    """The named signals of one short answer."""
    support = vote.support.features if vote.support else None
    return {"best_score": best_score, "share": vote.share, "margin": vote.margin,
            "from_lead": float(vote.from_lead), "dated": float(dated), "phrase": float(phrase),
            "words": float(min(len(vote.answer.split()), MOST_WORDS)),
            "listed": float(vote.listed), "about": support.about if support else 0.0,
            "rooted": support.rooted if support else 0.0}


@dataclass(frozen=True)
class Confidence:
    """A fitted logistic model and the threshold a bold answer must reach."""

    intercept: float
    coefficients: Mapping[str, float]
    threshold: float

    def of(self, values: Mapping[str, float]) -> float:
        z = self.intercept + sum(c * values[name] for name, c in self.coefficients.items())
        return 1 / (1 + math.exp(-z))


ALWAYS = Confidence(0.0, {}, 0.0)  # every short answer shown (for fitting)


@functools.cache
def fitted() -> Confidence:
    """The model in confidence.json."""
    data = json.loads(FILE.read_text())
    return Confidence(data["intercept"], data["coefficients"], data["threshold"])
