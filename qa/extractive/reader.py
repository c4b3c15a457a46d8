"""The extractive reader: the answer read off the evidence, no LLM, 2 CPU cores."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.embeddings import MiniLMEmbeddings
from index.terms import terms
from qa.citations import Claim, Draft
from qa.dates import question_window
from qa.entities import entities, noun_phrases, spread
from qa.evidence import Evidence
from qa.extractive.candidates import as_introduced, in_question, informative
from qa.extractive.confidence import Confidence, signals
from qa.extractive.confidence import fitted as fitted_confidence
from qa.extractive.lexicon import LEADING_COUNT
from qa.extractive.sentences import (
    Sentence,
    distinct,
    named_terms,
    sentences_of,
    tally_pattern,
    tells_of_elsewhen,
    timeliness,
)
from qa.extractive.shaping import as_of_prefix, led_to
from qa.extractive.vote import Vote, norm, short_answer
from qa.extractive.weights import STEM_CHARS, VOTERS, Weights, fitted
from qa.questions import PHRASE, answer_labels, asked_kind

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
    signals: Mapping[str, float] = field(default_factory=dict)
    confidence: float = 0.0


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
        question, chunks, articles = evidence.question, evidence.chunks, evidence.articles
        idf, recent = evidence.idf, evidence.focus
        w = self.weights
        labels = answer_labels(question)
        q_terms = set(terms(question))

        # 1. The sentences of the retrieved chunks, once each.
        sentences = sentences_of(chunks, articles)
        if not sentences:
            return Reading(Draft(question, (), abstained=True, lead=NOT_ANSWERED))

        # 2. Score by shared (IDF-weighted) terms and chunk rank; then, for the most
        #    promising sentences only (embedding is the costly step), by meaning.
        total_idf = sum(idf(t) for t in q_terms) or 1.0

        def coverage(text: str) -> float:
            return sum(idf(t) for t in q_terms & set(terms(text))) / total_idf

        timely = timeliness(articles, recent)
        days_named = question_window(question, recent[1]) if recent else None  # "this week"
        elsewhen = tells_of_elsewhen(labels, days_named)
        tally = tally_pattern(question)
        priors = [{"lexical": coverage(s.text), "rank": 1 / (1 + s.rank),
                   **timely.get(s.article_id, {}),
                   "tally": float(bool(tally and tally.search(s.text))),
                   "elsewhen": float(elsewhen(s.text)),
                   "asks_back": float(s.text.rstrip("”’\"' ").endswith("?"))}
                  for s in sentences]
        keep = np.argsort([w.score(p) for p in priors])[::-1][: w.embed_sentences]
        vectors = self.embeddings.encode([question] + [sentences[i].text for i in keep])
        features = {int(i): {**priors[i], "dense": float(v @ vectors[0])}
                    for i, v in zip(keep, vectors[1:], strict=True)}
        order = sorted(features, key=lambda i: w.score(features[i]),
                       reverse=True)[: w.ner_sentences]

        # 3. Entities of the kind asked for, in the best sentences, lift them.
        top = [sentences[i] for i in order]
        kind = asked_kind(question)[1] if labels == PHRASE else ""
        texts = [s.text for s in top]
        found = (noun_phrases(texts, kind) if labels == PHRASE
                 else spread(texts, entities(texts)) if labels else [[] for _ in top])
        scored = []
        for s, i, ents in zip(top, order, found, strict=True):
            ents = [as_introduced(e, s.text, labels) for e in ents]
            typed = tuple(e for e in ents if e.label in labels and not in_question(e, q_terms)
                          and informative(e, s.text, question, kind))
            values = {**features[i], "typed": float(bool(typed))}
            scored.append(dataclasses.replace(s, score=w.score(values), entities=typed,
                                              features=values))
        scored.sort(key=lambda s: s.score, reverse=True)
        best = scored[0]

        # 4. Abstain when even the best evidence is weak, or when the coverage never
        #    mentions most of the names and numbers the question is about.
        picks = distinct(scored, w.quotes)
        named = named_terms(question)
        seen = {t[:STEM_CHARS] for s in sentences for t in terms(s.text)}
        present = {t for t in named if t[:STEM_CHARS] in seen}  # "Australian": "Australia" is seen
        if best.score < w.abstain_below or (named and len(present) < len(named) / 2):
            claims = tuple(Claim(f"“{s.text}”", (s.quote(),)) for s in picks)
            return Reading(Draft(question, claims, abstained=True,
                                 lead=f"{NOT_ANSWERED} The closest passages I found:",
                                 score=best.score), tuple(scored))

        # 5. Lead with a short answer when the evidence agrees on one and it is likely
        #    right (quoting the sentence that states it), then the best other quotes.
        fit = self._fit(kind, scored) if kind else {}
        vote = short_answer(scored, labels, question, w, fit, [s.text for s in sentences])
        claims, values, sure, short = [], {}, 0.0, ""
        if vote.answer:
            support = vote.support
            when = as_of_prefix(vote.answer, support, scored, articles,
                                recent if days_named else None)
            values = signals(vote, best.score, bool(when), labels == PHRASE)
            sure = self.confidence.of(values)
            picks = distinct([support] + [s for s in scored if s != support], w.quotes)[1:]
            if sure >= self.confidence.threshold:
                short = vote.answer
                claims.append(Claim(f"{when}**{short}** — “{support.text}”", (support.quote(),)))
            else:
                lead = led_to(support, vote.answer)
                ellipsis = "…" if lead.start > support.start else ""
                claims.append(Claim(f"“{ellipsis}{lead.text}”", (lead,)))
        claims += [Claim(f"“{s.text}”", (s.quote(),)) for s in picks]
        return Reading(Draft(question, tuple(claims), score=best.score), tuple(scored), short,
                       vote, values, sure)

    def _fit(self, kind: str, scored: Sequence[Sentence]) -> dict[str, float]:
        """How well each candidate phrase fits the kind of thing asked for ("which invasive
        species": "giant African land snails" more than "Miramar area"), by meaning."""
        names = list(dict.fromkeys(norm(e.text) for s in scored[:VOTERS] for e in s.entities))
        if not names:
            return {}
        vectors = self.embeddings.encode([kind] + [LEADING_COUNT.sub("", n) or n for n in names],
                                         batch_size=64)
        return {n: float(v @ vectors[0]) for n, v in zip(names, vectors[1:], strict=True)}
