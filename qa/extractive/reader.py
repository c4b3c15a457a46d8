"""The extractive reader: the answer read off the evidence, no LLM, 2 CPU cores."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.embeddings import MiniLMEmbeddings
from index.terms import term_set
from qa.citations import Claim, Draft
from qa.entities import entities, noun_phrases, spread
from qa.evidence import Evidence
from qa.extractive.candidates import as_introduced, in_question, informative
from qa.extractive.confidence import Confidence, Signals, signals
from qa.extractive.confidence import fitted as fitted_confidence
from qa.extractive.lexicon import LEADING_COUNT
from qa.extractive.question import Question
from qa.extractive.roots import share_met, weighted
from qa.extractive.sentences import (
    Sentence,
    distinct,
    sentences_of,
    tells_of_elsewhen,
    timeliness,
)
from qa.extractive.shaping import as_of_prefix, led_to
from qa.extractive.vote import Vote, norm, short_answer
from qa.extractive.weights import STEM_CHARS, VOTERS, SentenceFeatures, Weights, fitted
from qa.questions import PHRASE

NOT_ANSWERED = "The coverage I have does not answer this."


@dataclass(frozen=True)
class Reading:
    """The extractive reader's draft with what it was drawn from, for a reader that
    builds on it: the scored sentences (best first), the short answer shown in bold (if
    any), and the vote with its proposed answer's signals and confidence."""

    draft: Draft
    sentences: tuple[Sentence, ...] = ()
    short: str = ""
    vote: Vote = Vote()
    signals: Signals | None = None
    confidence: float = 0.0
    question: Question | None = None  # as the reader understood it


class ExtractiveReader:
    """Scores the sentences of the retrieved chunks against the question (meaning, shared
    terms, and an entity of the kind asked for), leads with a short answer when the best
    evidence agrees on one, and quotes the best sentences verbatim."""

    name = "extractive"

    def __init__(self, embeddings: MiniLMEmbeddings, weights: Weights | None = None,
                 confidence: Confidence | None = None):
        self.embeddings = embeddings
        self.weights = weights or fitted()
        self.confidence = confidence or fitted_confidence()

    def stream(self, evidence: Evidence) -> Iterator[Draft]:
        yield self.read(evidence)  # nothing to show before the answer

    def read(self, evidence: Evidence) -> Draft:
        return self.reading(evidence).draft

    def reading(self, evidence: Evidence) -> Reading:
        question = Question.of(evidence.question, evidence.focus, evidence.choices)
        sentences = sentences_of(evidence.chunks, evidence.articles)
        if not sentences:
            return Reading(Draft(question.text, (), abstained=True, lead=NOT_ANSWERED))
        priors = self._priors(question, sentences, evidence)
        scored = self._scored(question, sentences, self._by_meaning(question, sentences, priors))
        if self._weak(question, scored, sentences):
            picks = distinct(scored, self.weights.quotes)
            claims = tuple(Claim(f"“{s.text}”", (s.quote(),)) for s in picks)
            return Reading(Draft(question.text, claims, abstained=True,
                                 lead=f"{NOT_ANSWERED} The closest passages I found:",
                                 score=scored[0].score), tuple(scored), question=question)
        return self._led(question, scored, sentences, evidence)

    def _priors(self, question: Question, sentences: Sequence[Sentence],
                evidence: Evidence) -> list[SentenceFeatures]:
        """What scores a sentence before its meaning: shared (IDF-weighted) terms and roots,
        what its article is about, the rank of its chunk, its article's days, what it
        counts, the year it tells of."""
        idf = evidence.idf
        total_idf = sum(idf(t) for t in question.terms) or 1.0

        def share(words: set[str]) -> float:
            return sum(idf(t) for t in question.terms & words) / total_idf

        asked = weighted(question.text, idf)
        about = {id_: share(term_set(a.title) | term_set(a.text))
                 for id_, a in evidence.articles.items()}
        timely = timeliness(evidence.articles, evidence.focus)
        elsewhen = tells_of_elsewhen(question.labels, question.days)
        return [SentenceFeatures(
            lexical=share(term_set(s.text)), rooted=share_met(asked, s.text),
            about=about.get(s.article_id, 0.0), rank=1 / (1 + s.rank),
            **timely.get(s.article_id, {}),
            tally=float(bool(question.tally and question.tally.search(s.text))),
            elsewhen=float(elsewhen(s.text)),
            asks_back=float(s.text.rstrip("”’\"' ").endswith("?"))) for s in sentences]

    def _by_meaning(self, question: Question, sentences: Sequence[Sentence],
                    priors: Sequence[SentenceFeatures]) -> dict[int, SentenceFeatures]:
        """The sentences with the best priors (embedding is the costly step), by index, with
        their cosine to the question."""
        w = self.weights
        keep = np.argsort([w.score(p) for p in priors])[::-1][: w.embed_sentences]
        vectors = self.embeddings.encode([question.text] + [sentences[i].text for i in keep])
        return {int(i): dataclasses.replace(priors[i], dense=float(v @ vectors[0]))
                for i, v in zip(keep, vectors[1:], strict=True)}

    def _scored(self, question: Question, sentences: Sequence[Sentence],
                features: Mapping[int, SentenceFeatures]) -> list[Sentence]:
        """The best sentences, lifted when they name an entity of the kind asked for; best
        first."""
        w = self.weights
        order = sorted(features, key=lambda i: w.score(features[i]),
                       reverse=True)[: w.ner_sentences]
        top = [sentences[i] for i in order]
        texts = [s.text for s in top]
        labels = question.labels
        found = (noun_phrases(texts, question.kind) if labels == PHRASE
                 else spread(texts, entities(texts)) if labels else [[] for _ in top])
        scored = []
        for s, i, ents in zip(top, order, found, strict=True):
            ents = [as_introduced(e, s.text, labels) for e in ents]
            typed = tuple(e for e in ents if e.label in labels and not in_question(
                e, question.terms) and informative(e, s.text, question))
            values = dataclasses.replace(features[i], typed=float(bool(typed)))
            scored.append(dataclasses.replace(s, score=w.score(values), entities=typed,
                                              features=values))
        return sorted(scored, key=lambda s: s.score, reverse=True)

    def _weak(self, question: Question, scored: Sequence[Sentence],
              sentences: Sequence[Sentence]) -> bool:
        """Whether even the best evidence is weak, or the coverage never mentions most of
        the names and numbers the question is about."""
        named = question.named
        seen = {t[:STEM_CHARS] for s in sentences for t in term_set(s.text)}
        present = {t for t in named if t[:STEM_CHARS] in seen}  # "Australian": "Australia" is seen
        return scored[0].score < self.weights.abstain_below or (
            bool(named) and len(present) < len(named) / 2)

    def _led(self, question: Question, scored: Sequence[Sentence],
             sentences: Sequence[Sentence], evidence: Evidence) -> Reading:
        """A short answer when the evidence agrees on one and it is likely right (quoting the
        sentence that states it), then the best other quotes."""
        w, best = self.weights, scored[0]
        fit = self._fit(question.kind, scored) if question.kind else {}
        vote = short_answer(scored, question, w, fit, [s.text for s in sentences])
        picks = distinct(scored, w.quotes)
        claims, values, sure, short = [], None, 0.0, ""
        if vote.answer:
            support = vote.support
            when = as_of_prefix(vote.answer, support, scored, evidence.articles,
                                evidence.focus if question.days else None)
            values = signals(vote, best.score, bool(when), question.labels == PHRASE)
            sure = self.confidence.of(values)
            picks = distinct([support] + [s for s in scored if s != support], w.quotes)[1:]
            # An item the person's own conversation offered is put forward as it is chosen.
            if sure >= self.confidence.threshold or vote.chosen:
                short = vote.answer
                claims.append(Claim(f"{when}**{short}** — “{support.text}”", (support.quote(),)))
            else:
                lead = led_to(support, vote.answer)
                ellipsis = "…" if lead.start > support.start else ""
                claims.append(Claim(f"“{ellipsis}{lead.text}”", (lead,)))
        claims += [Claim(f"“{s.text}”", (s.quote(),)) for s in picks]
        return Reading(Draft(question.text, tuple(claims), score=best.score, short=short),
                       tuple(scored), short, vote, values, sure, question)

    def _fit(self, kind: str, scored: Sequence[Sentence]) -> dict[str, float]:
        """How well each candidate phrase fits the kind of thing asked for ("which invasive
        species": "giant African land snails" more than "Miramar area"), by meaning."""
        names = list(dict.fromkeys(norm(e.text) for s in scored[:VOTERS] for e in s.entities))
        if not names:
            return {}
        vectors = self.embeddings.encode([kind] + [LEADING_COUNT.sub("", n) or n for n in names],
                                         batch_size=64)
        return {n: float(v @ vectors[0]) for n, v in zip(names, vectors[1:], strict=True)}
