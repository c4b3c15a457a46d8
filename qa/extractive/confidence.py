"""How likely the short answer is right: a logistic model over named signals of the
evidence, fitted by `bench/fit_confidence.py` on the dev questions (cross-validated by quiz
week) and stored with its threshold in `confidence.json`. Below the threshold the answer
is not put forward in bold; the best sentences lead instead."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.extractive.vote import Vote
from qa.extractive.weights import Features

FILE = Path(__file__).with_name("confidence.json")
MOST_WORDS = 6


@dataclass(frozen=True)
class Signals(Features):
    """The named signals of one short answer. None of them grows with the collection: a
    folder of two articles and an archive of thousands give the same signals for the same
    evidence."""

    best_score: float = 0.0  # the best sentence's score
    share: float = 0.0  # the answer's share of the votes
    margin: float = 0.0  # its share over the runner-up's
    from_lead: float = 0.0  # the best sentence names it
    dated: float = 0.0  # it comes from before the days asked about, or other days differ
    phrase: float = 0.0  # a noun phrase, not a name, number or date
    words: float = 0.0  # its length in words (capped at MOST_WORDS)
    listed: float = 0.0  # several items the best sentence states together
    about: float = 0.0  # the share of the question's terms its sentence's article has
    rooted: float = 0.0  # the share of the question's words its sentence meets by root


FEATURES = tuple(f.name for f in dataclasses.fields(Signals))


def signals(vote: Vote, best_score: float, dated: bool, phrase: bool) -> Signals:
    """The signals of the vote's answer."""
    support = vote.support.features if vote.support else None
    return Signals(best_score=best_score, share=vote.share, margin=vote.margin,
                   from_lead=float(vote.from_lead), dated=float(dated), phrase=float(phrase),
                   words=float(min(len(vote.answer.split()), MOST_WORDS)),
                   listed=float(vote.listed), about=support.about if support else 0.0,
                   rooted=support.rooted if support else 0.0)


@dataclass(frozen=True)
class Confidence:
    """A fitted logistic model and the threshold a bold answer must reach."""

    intercept: float
    coefficients: Mapping[str, float]
    threshold: float

    def of(self, values: Signals | Mapping[str, float]) -> float:
        if isinstance(values, Signals):
            values = values.as_dict()
        z = self.intercept + sum(c * values[name] for name, c in self.coefficients.items())
        return 1 / (1 + math.exp(-z))


ALWAYS = Confidence(0.0, {}, 0.0)  # every short answer shown (for fitting)


@functools.cache
def fitted() -> Confidence:
    """The model in confidence.json."""
    data = json.loads(FILE.read_text())
    return Confidence(data["intercept"], data["coefficients"], data["threshold"])
