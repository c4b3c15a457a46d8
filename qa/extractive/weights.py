"""The extractive reader's weights: every tuning constant, named and documented."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    """How sentence evidence is scored; calibrated on the evaluation questions."""

    dense: float = 1.0
    lexical: float = 0.6
    typed: float = 0.25
    rank: float = 0.3
    asks_back: float = 0.5  # a sentence that is itself a question rarely answers one
    abstain_below: float = 0.6  # calibrated on dev questions: see README, "Measuring"
    embed_sentences: int = 12
    ner_sentences: int = 12
    vote_temperature: float = 0.15  # how fast a weaker sentence's vote for an answer fades
    min_share: float = 0.4  # votes an answer needs to lead when its best sentence doesn't
    nearness: float = 1.0  # extra vote for an answer right next to the question's words
    counted: float = 1.0  # extra vote for a number followed by what the question counts
    slot: float = 1.0  # extra vote for an answer where the question has its "what"
    verb: float = 3.0  # extra vote for an answer right before the question's verb
    quotes: int = 2
    recent: float = 0.2  # with as_of: lift for sentences of articles from the days before it
    stale: float = 0.2  # most taken from sentences of articles a year or more older than those
    elsewhen: float = 0.2  # taken from sentences that tell of another year than the days asked
    tally: float = 0.2  # lift for sentences that count what a how-many question counts
    fit_temperature: float = 0.1  # how fast a phrase's vote fades as it fits the kind asked less


# Sizes the algorithm works with (not fitted: changing one changes what the reader reads).
VOTERS = 6  # the best sentences naming a candidate that vote (and whose dates are compared)
STEM_CHARS = 6  # a name in the question is seen in a sentence that has a term so beginning
WORD_STEM_CHARS = 5  # a question's word is found by its beginning ("balancing": "balanc")
COUNT_CHARS = 12  # how far after a number the unit it counts is looked for
SLOT_CHARS = 40  # how far before a candidate its slot word, and after it its verb, are found
NEAR_CHARS = 60.0  # how fast the vote for standing next to the question's words fades
FAR_CHARS = 200  # the distance taken when a sentence has none of the question's words
RECENT_DAYS = 14  # days in focus of at most this span are "the last days" ("this week")
STALE_DAYS = 365  # the penalty for an article older than the days in focus grows over this
