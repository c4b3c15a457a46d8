"""Fit the extractive reader's feature weights (qa/extractive/weights.py) on the dev
questions, held out by quiz week, and print them next to the hand-set ones.

    python bench/fit_weights.py --index-dir /tmp/eval-index [--ablate] [--write]

The index is one `newsqa eval` built over the dev questions' articles (its --index-dir).
Two pairwise rankers (logistic regression on feature differences within a question) are
fitted in turn: the sentence score, on whether a sentence holds the gold answer; then, with
those sentence weights, the vote, on whether a candidate is the gold answer. Each is scaled
so that its first feature weighs 1, as in the hand-set weights. With 5-fold cross-validation
grouped by quiz week (no week is scored by weights fitted on it), printed: held-out acc@60,
acc@300 and the share of proposed short answers that are right, for the fitted weights and
for the hand-set ones (which were set on all these questions: not held out). --ablate
refits without each feature in turn and prints what its removal costs, held out; --drop
leaves features out of every fit (their weight 0). --write
stores the weights fitted on all the questions in weights.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.settings import Settings  # noqa: E402
from qa.citations import verify  # noqa: E402
from qa.evaluate import answers, load_questions  # noqa: E402
from qa.evidence import Evidence  # noqa: E402
from qa.extractive import ExtractiveReader, Reading  # noqa: E402
from qa.extractive.confidence import ALWAYS  # noqa: E402
from qa.extractive.weights import FILE, SENTENCE_FEATURES, VOTE_FEATURES, Weights  # noqa: E402
from qa.pipeline import pipeline  # noqa: E402
from qa.query import Query  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[2] / "shared/data/realtimeqa-2023/questions-dev.jsonl"
HAND_SET = Weights()
FOLDS = 5
REGULARISATION = 0.05  # scikit-learn's C, on standardised feature differences (steadier
# weights across folds than 1.0, at equal held-out accuracy)


@dataclasses.dataclass(frozen=True)
class Question:
    week: str
    gold: str
    evidence: Evidence


class Memo:
    """The embeddings, each text encoded once over all the fits."""

    def __init__(self, embeddings):
        self.embeddings, self.seen = embeddings, {}

    def encode(self, texts, batch_size=None):
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.embeddings.encode(new, batch_size), strict=True))
        return np.array([self.seen[t] for t in texts])


def questions(index_dir: Path, limit: int | None) -> tuple[list[Question], Memo]:
    settings = Settings(index_dir=index_dir)
    parts = pipeline(settings)
    out = []
    for q in load_questions(QUESTIONS, limit, 0, True):
        asked = q["question_date"].replace("/", "-")
        week = datetime.date.fromisoformat(asked).isocalendar()
        out.append(Question(f"{week[0]}-{week[1]:02d}", q["gold_answer"], parts.retrieve(
            Query.parse(q["question"], settings, as_of=asked))))
    return out, Memo(parts.retriever.embeddings)


def readings(memo: Memo, weights: Weights, qs: Sequence[Question]) -> list[Reading]:
    reader = ExtractiveReader(memo, weights, ALWAYS)  # every proposal in bold
    return [reader.reading(q.evidence) for q in qs]


def pairs(groups: list[list[tuple[dict[str, float], bool]]], names: Sequence[str]
          ) -> np.ndarray:
    """Feature differences, right minus wrong, of every such pair within a question."""
    out = []
    for group in groups:
        right = [[f.get(n, 0.0) for n in names] for f, ok in group if ok]
        wrong = [[f.get(n, 0.0) for n in names] for f, ok in group if not ok]
        out += [np.subtract(r, x) for r in right for x in wrong]
    return np.array(out).reshape(-1, len(names))


def ranker(diffs: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Weights by feature name, scaled so that the first one weighs 1."""
    scale = diffs.std(axis=0) + 1e-9
    x = np.vstack([diffs, -diffs]) / scale
    y = np.r_[np.ones(len(diffs)), np.zeros(len(diffs))]
    coefficients = LogisticRegression(C=REGULARISATION, fit_intercept=False).fit(
        x, y).coef_[0] / scale
    if coefficients[0] <= 0:
        raise SystemExit(f"the fitted weight of {names[0]} is not positive: {coefficients}")
    return {n: round(float(c / coefficients[0]), 4) for n, c in zip(names, coefficients,
                                                                    strict=True)}


def fit(memo: Memo, hand: list[Reading], qs: Sequence[Question],
        drop: frozenset[str] = frozenset()) -> Weights:
    """Sentence weights from the sentences the hand-set weights scored; then vote weights
    from the candidates the reader finds with those."""
    names = [n for n in SENTENCE_FEATURES if n not in drop]
    groups = [[(s.features.as_dict(), answers(s.text, q.gold)) for s in r.sentences]
              for r, q in zip(hand, qs, strict=True)]
    weights = dataclasses.replace(HAND_SET, **dict.fromkeys(drop, 0.0),
                                  **ranker(pairs(groups, names), names))
    names = [n for n in VOTE_FEATURES if n not in drop]
    groups = [[(f, answers(name, q.gold)) for name, f in r.vote.candidates.items()]
              for r, q in zip(readings(memo, weights, qs), qs, strict=True)]
    return dataclasses.replace(weights, **ranker(pairs(groups, names), names))


def scores(memo: Memo, weights: Weights, qs: Sequence[Question]) -> np.ndarray:
    """Per question: the answer right in 60 and in 300 characters, the proposal right."""
    out = []
    for r, q in zip(readings(memo, weights, qs), qs, strict=True):
        text = verify(r.draft, q.evidence.articles).text
        out.append((answers(text[:60], q.gold), answers(text[:300], q.gold),
                    bool(r.vote.answer) and answers(r.vote.answer, q.gold)))
    return np.array(out, dtype=float)


def held_out(memo: Memo, hand: list[Reading], qs: list[Question],
             drop: frozenset[str] = frozenset()
             ) -> tuple[np.ndarray, list[Weights]]:
    out, fitted = np.zeros((len(qs), 3)), []
    for train, test in GroupKFold(n_splits=FOLDS).split(qs, groups=[q.week for q in qs]):
        weights = fit(memo, [hand[i] for i in train], [qs[i] for i in train], drop)
        out[test] = scores(memo, weights, [qs[i] for i in test])
        fitted.append(weights)
    return out, fitted


def line(name: str, s: np.ndarray) -> str:
    return f"{name:<28} {s[:, 0].mean():.3f}   {s[:, 1].mean():.3f}    {s[:, 2].mean():.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--ablate", action="store_true")
    parser.add_argument("--drop", default="", help="features left out, comma-separated")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    drop = frozenset(filter(None, args.drop.split(",")))
    qs, memo = questions(args.index_dir, args.limit)
    hand = readings(memo, HAND_SET, qs)
    print(f"{len(qs)} questions, {len({q.week for q in qs})} weeks; every proposal in bold")
    print(f"{'weights':<28} acc@60  acc@300  proposal right")
    print(line("hand-set (not held out)", scores(memo, HAND_SET, qs)))
    fitted_scores, per_fold = held_out(memo, hand, qs, drop)
    print(line("fitted (held out)", fitted_scores))
    for name in SENTENCE_FEATURES + VOTE_FEATURES:
        values = [getattr(w, name) for w in per_fold]
        print(f"  {name:<10} hand-set {getattr(HAND_SET, name):6.2f}   fitted per fold "
              + " ".join(f"{v:6.2f}" for v in values))
    if args.ablate:
        for name in SENTENCE_FEATURES[1:] + VOTE_FEATURES[1:]:
            without = held_out(memo, hand, qs, drop=drop | {name})[0]
            print(line(f"without {name} (held out)", without)
                  + f"   acc@60 {100 * (without[:, 0].mean() - fitted_scores[:, 0].mean()):+.1f}"
                  f" acc@300 {100 * (without[:, 1].mean() - fitted_scores[:, 1].mean()):+.1f}")
    if args.write:
        weights = fit(memo, hand, qs, drop)
        FILE.write_text(json.dumps(
            {"sentence": {n: getattr(weights, n) for n in SENTENCE_FEATURES},
             "vote": {n: getattr(weights, n) for n in VOTE_FEATURES}}, indent=2) + "\n")
        print(f"written: {FILE}")


if __name__ == "__main__":
    main()
