"""The extractive reader, in stages: the question's kind (qa/questions.py), the evidence
sentences and their priors (sentences), the candidate answers in them (candidates), the vote
among candidates (vote), how likely the winner is right (confidence), and the printed answer
(shaping); `reader` runs them in order, with the weights of `weights` and the words of
`lexicon`."""

from qa.extractive.reader import NOT_ANSWERED, ExtractiveReader, Reading
from qa.extractive.sentences import Sentence
from qa.extractive.weights import Weights

__all__ = ["NOT_ANSWERED", "ExtractiveReader", "Reading", "Sentence", "Weights"]
