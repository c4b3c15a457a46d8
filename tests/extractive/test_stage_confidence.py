"""The confidence of the bold answer on hand-made records: its signals and the model."""

import math

from qa.extractive import Sentence
from qa.extractive.confidence import FEATURES, Confidence, Signals, fitted, signals
from qa.extractive.vote import Vote
from qa.extractive.weights import SentenceFeatures

SUPPORT = Sentence("a", 0, 10, "Ghana did.", 0, 1.5,
                   features=SentenceFeatures(about=0.9, rooted=0.5))


def test_signals_are_named_and_capped_and_none_grows_with_the_collection():
    vote = Vote("the Republic of Ghana in West Africa today", SUPPORT, share=0.8, margin=0.6,
                from_lead=True)
    values = signals(vote, 1.5, dated=True, phrase=False)
    assert tuple(values.as_dict()) == FEATURES
    assert values == Signals(best_score=1.5, share=0.8, margin=0.6, from_lead=1.0, dated=1.0,
                             phrase=0.0, words=6.0, listed=0.0, about=0.9, rooted=0.5)


def test_the_model_is_logistic_over_the_named_signals():
    model = Confidence(-1.0, {"share": 2.0, "dated": -1.0}, 0.5)
    values = signals(Vote("Ghana", SUPPORT, share=0.75, margin=0.5, from_lead=True), 1.5,
                     dated=True, phrase=False)
    assert math.isclose(model.of(values), 1 / (1 + math.exp(-(-1.0 + 2.0 * 0.75 - 1.0))))


def test_the_fitted_model_names_only_known_signals_and_a_threshold():
    model = fitted()
    assert set(model.coefficients) <= set(FEATURES)
    assert 0.0 <= model.threshold < 1.0
