"""The extractive reader's weights: every tuning constant, named and documented.

The sentence score and the vote are linear in named features; their coefficients are fitted
by `bench/fit_weights.py` on the dev questions (a pairwise ranker, cross-validated by quiz
week) and stored by feature name in `weights.json`, which `fitted()` loads. `Weights()`
holds the hand-set values they are compared against."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FILE = Path(__file__).with_name("weights.json")

class Features:
    """Named features that a weighted sum (Weights.score) adds up; the fitting scripts
    read them as dicts."""

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class VoteFeatures(Features):
    """What a candidate's vote adds up over the sentences naming it, each sentence's share
    weighted by how close its score is to the best one's (and by how well the candidate
    fits the kind asked for, for a noun phrase)."""

    named: float = 0.0  # 1 per sentence naming it (its weight: 1)
    slot: float = 0.0  # 1 when it stands where the question has its "what"

    def scaled(self, factor: float) -> VoteFeatures:
        return VoteFeatures(named=self.named * factor, slot=self.slot * factor)

    def __add__(self, other: VoteFeatures) -> VoteFeatures:
        return VoteFeatures(named=self.named + other.named, slot=self.slot + other.slot)


VOTE_FEATURES = tuple(f.name for f in dataclasses.fields(VoteFeatures))


@dataclass(frozen=True)
class SentenceFeatures(Features):
    """What a sentence's score adds up (each times its weight; a penalty has a negative
    weight)."""

    dense: float = 0.0  # cosine of the sentence's and the question's embeddings (weight 1)
    lexical: float = 0.0  # share of the question's terms it has, weighted by IDF
    rank: float = 0.0  # 1 / (1 + rank of the chunk it came from)
    typed: float = 0.0  # 1 when it names an entity of the kind asked for
    recent: float = 0.0  # 1 when its article is from the days in focus (with as_of)
    stale: float = 0.0  # up to 1 as its article is older than those days, over a year
    tally: float = 0.0  # 1 when it counts what a how-many question counts ("23 seasons")
    elsewhen: float = 0.0  # 1 when it tells of another year than the days asked about
    asks_back: float = 0.0  # 1 when it is itself a question
    # Measured for the confidence and the "As of" rule; they weigh 0 in the score (held
    # out, weighing them cost the quiz questions more than they gave the natural ones).
    rooted: float = 0.0  # share of the question's words it meets by root ("owns": "owner")
    about: float = 0.0  # share of the question's terms its article has, weighted by IDF


SENTENCE_FEATURES = tuple(f.name for f in dataclasses.fields(SentenceFeatures))


@dataclass(frozen=True)
class Weights:
    """How sentence evidence is scored and candidates are voted on. The feature weights
    default to their hand-set values; `fitted()` gives the ones the reader uses."""

    dense: float = 1.0
    lexical: float = 0.6
    rank: float = 0.3
    typed: float = 0.25
    recent: float = 0.2
    stale: float = -0.2
    tally: float = 0.2
    elsewhen: float = -0.2
    asks_back: float = -0.5
    rooted: float = 0.0
    about: float = 0.0
    named: float = 1.0
    slot: float = 1.0
    abstain_below: float = 0.6  # the best sentence's score below which the reader abstains
    embed_sentences: int = 12  # the sentences with the best priors that are embedded
    ner_sentences: int = 12  # the best of those whose entities are found
    vote_temperature: float = 0.15  # how fast a weaker sentence's vote for an answer fades
    min_share: float = 0.4  # votes an answer needs to lead when its best sentence doesn't
    quotes: int = 2  # sentences quoted
    fit_temperature: float = 0.1  # how fast a phrase's vote fades as it fits the kind asked less

    def score(self, features: Mapping[str, float] | Features) -> float:
        if isinstance(features, Features):
            features = features.as_dict()
        return sum(getattr(self, name) * value for name, value in features.items())


@functools.cache
def fitted() -> Weights:
    """The hand-set weights with the fitted feature weights of weights.json."""
    data = json.loads(FILE.read_text())
    return dataclasses.replace(Weights(), **data["sentence"], **data["vote"])


# Sizes the algorithm works with (not fitted: changing one changes what the reader reads).
VOTERS = 6  # the best sentences naming a candidate that vote (and whose dates are compared)
STEM_CHARS = 6  # a name in the question is seen in a sentence that has a term so beginning
WORD_STEM_CHARS = 5  # a question's word is found by its beginning ("balancing": "balanc")
COUNT_CHARS = 12  # how far after a number the unit it counts is looked for
SLOT_CHARS = 40  # how far before a candidate its slot word is found
RECENT_DAYS = 14  # days in focus of at most this span are "the last days" ("this week")
STALE_DAYS = 365  # the penalty for an article older than the days in focus grows over this
LEAD_CHARS = 60  # a proposal not in bold ending further into its sentence than this is led up to
LEAD_WORDS = 5  # ... by quoting the sentence from at most this many words before it
SAME_STORY = 0.8  # an article with this share of the supporting article's question terms
# tells the same story (its different answer makes the answer "As of DATE")
NEAR_CHARS = 30  # "which of them": how far around an item the question's words are looked for
MOST_ITEMS = 8  # items of a list answer at most
LIST_GAP_CHARS = 80  # the most text between two items stated together ("Disney CEO Bob Iger,
# Warner Bros. Discovery CEO David Zaslav")
