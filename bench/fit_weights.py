"""Fit the extractive reader's feature weights (qa/extractive/weights.py) on the dev
questions and the natural questions together, held out by quiz week and by article, and
print them next to the hand-set ones.

    python bench/fit_weights.py --index-dir /tmp/eval-index [--folders /tmp/natural-folders]
        [--ablate] [--write]

The index is one `newsqa eval` built over the dev questions' articles (its --index-dir);
the natural questions' folders are indexed once under --folders (bench/fitting.py).
Two pairwise rankers (logistic regression on feature differences within a question) are
fitted in turn: the sentence score, on whether a sentence holds the gold answer; then, with
those sentence weights, the vote, on whether a candidate is the gold answer. Each is scaled
so that its first feature weighs 1, as in the hand-set weights. With 5-fold cross-validation
grouped by quiz week and by article (no week or article is scored by weights fitted on it),
printed per set: held-out acc@60, acc@300, the share of proposed short answers that are
right, whole lists within 120 characters, and abstentions on answerable and unanswerable
questions, for the fitted weights and for the hand-set ones (not held out). --ablate
refits without each feature in turn and prints what its removal costs, held out; --drop
leaves features out of every fit (their weight 0). --write
stores the weights fitted on all the questions in weights.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fitting import Case, by_set, natural_cases, quiz, remember_tagging  # noqa: E402
from index.settings import Settings  # noqa: E402
from qa.citations import verify  # noqa: E402
from qa.extractive import ExtractiveReader, Reading  # noqa: E402
from qa.extractive.confidence import ALWAYS  # noqa: E402
from qa.extractive.weights import FILE, SENTENCE_FEATURES, VOTE_FEATURES, Weights  # noqa: E402
from qa.pipeline import pipeline  # noqa: E402

HAND_SET = Weights()
FOLDS = 5
REGULARISATION = 0.05  # scikit-learn's C, on standardised feature differences (steadier
# weights across folds than 1.0, at equal held-out accuracy)
MARKS = ("acc@60", "acc@300", "proposal", "list@120", "abstained answerable",
         "abstained unanswerable")


class Memo:
    """The embeddings, each text encoded once over all the fits."""

    def __init__(self, embeddings):
        self.embeddings, self.seen = embeddings, {}

    def encode(self, texts, batch_size=None):
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.embeddings.encode(new, batch_size), strict=True))
        return np.array([self.seen[t] for t in texts])


def readings(memo: Memo, weights: Weights, qs: Sequence[Case]) -> list[Reading]:
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


def fit(memo: Memo, hand: list[Reading], qs: Sequence[Case],
        drop: frozenset[str] = frozenset()) -> Weights:
    """Sentence weights from the sentences the hand-set weights scored; then vote weights
    from the candidates the reader finds with those."""
    names = [n for n in SENTENCE_FEATURES if n not in drop]
    groups = [[(s.features.as_dict(), (q.whole if q.every else q.right)(s.text))
               for s in r.sentences] for r, q in zip(hand, qs, strict=True) if not q.abstain]
    weights = dataclasses.replace(HAND_SET, **dict.fromkeys(drop, 0.0),
                                  **ranker(pairs(groups, names), names))
    names = [n for n in VOTE_FEATURES if n not in drop]
    groups = [[(f.as_dict(), q.right(name)) for name, f in r.vote.candidates.items()]
              for r, q in zip(readings(memo, weights, qs), qs, strict=True) if not q.abstain]
    return dataclasses.replace(weights, **ranker(pairs(groups, names), names))


def scores(memo: Memo, weights: Weights, qs: Sequence[Case]) -> np.ndarray:
    """Per question, the MARKS (NaN where one does not apply), then its best sentence's
    score."""
    out = []
    for r, q in zip(readings(memo, weights, qs), qs, strict=True):
        text = verify(r.draft, q.evidence.articles).text
        best = r.sentences[0].score if r.sentences else -np.inf
        if q.abstain:
            out.append((np.nan,) * 5 + (r.draft.abstained, best))
            continue
        out.append((q.right(text[:60]), q.right(text[:300]),
                    bool(r.vote.answer) and q.right(r.vote.answer),
                    q.whole(text[:120]) if q.every else np.nan, r.draft.abstained, np.nan, best))
    return np.array(out, dtype=float)


def held_out(memo: Memo, hand: list[Reading], qs: list[Case],
             drop: frozenset[str] = frozenset()
             ) -> tuple[np.ndarray, list[Weights]]:
    out, fitted = np.zeros((len(qs), len(MARKS) + 1)), []
    for train, test in GroupKFold(n_splits=FOLDS).split(qs, groups=[q.group for q in qs]):
        weights = fit(memo, [hand[i] for i in train], [qs[i] for i in train], drop)
        out[test] = scores(memo, weights, [qs[i] for i in test])
        fitted.append(weights)
    return out, fitted


def abstentions(qs: Sequence[Case], marks: np.ndarray) -> None:
    """Held out: the share of answerable and of unanswerable questions whose best sentence
    scores below each threshold (the reader abstains below `abstain_below`)."""
    best = marks[:, -1]
    unanswerable = np.array([q.abstain for q in qs])
    print("abstain_below  answerable abstained  unanswerable abstained")
    for threshold in (0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0):
        print(f"  {threshold:.1f}          {(best[~unanswerable] < threshold).mean():.3f}"
              f"                 {(best[unanswerable] < threshold).mean():.3f}")


def line(name: str, qs: Sequence[Case], s: np.ndarray) -> str:
    return f"{name:<26} " + by_set(qs, s, MARKS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--folders", type=Path, default=Path("/tmp/natural-folders"))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--ablate", action="store_true")
    parser.add_argument("--drop", default="", help="features left out, comma-separated")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--no-held-out", action="store_true",
                        help="only fit on every question (with --write): no cross-validation")
    args = parser.parse_args()
    remember_tagging()
    drop = frozenset(filter(None, args.drop.split(",")))
    qs = quiz(args.index_dir, args.limit) + natural_cases(args.index_dir, args.folders)
    memo = Memo(pipeline(Settings(index_dir=args.index_dir)).retriever.embeddings)
    hand = readings(memo, HAND_SET, qs)
    print(f"{len(qs)} questions in {len({q.group for q in qs})} groups; every proposal in bold")
    print(line("hand-set (not held out)", qs, scores(memo, HAND_SET, qs)))
    if args.no_held_out:
        args.ablate = False
        fitted_scores, per_fold = np.full((len(qs), len(MARKS) + 1), np.nan), []
    else:
        fitted_scores, per_fold = held_out(memo, hand, qs, drop)
    print(line("fitted (held out)", qs, fitted_scores))
    for name in SENTENCE_FEATURES + VOTE_FEATURES:
        values = [getattr(w, name) for w in per_fold]
        print(f"  {name:<10} hand-set {getattr(HAND_SET, name):6.2f}   fitted per fold "
              + " ".join(f"{v:6.2f}" for v in values))
    if args.ablate:
        for name in SENTENCE_FEATURES[1:] + VOTE_FEATURES[1:]:
            without = held_out(memo, hand, qs, drop=drop | {name})[0]
            print(line(f"without {name} (held out)", qs, without))
    abstentions(qs, fitted_scores)
    if args.write:
        weights = fit(memo, hand, qs, drop)
        FILE.write_text(json.dumps(
            {"sentence": {n: getattr(weights, n) for n in SENTENCE_FEATURES},
             "vote": {n: getattr(weights, n) for n in VOTE_FEATURES}}, indent=2) + "\n")
        print(f"written: {FILE}")


if __name__ == "__main__":
    main()
