"""Fit the confidence of the extractive reader's bold short answer (qa/extractive/
confidence.py) on the dev questions and the natural questions together, held out by quiz
week and by article, and print what it buys.

    python bench/fit_confidence.py --index-dir /tmp/eval-index [--folders DIR] [--write]

The index is one `newsqa eval` built over the dev questions' articles (its --index-dir);
the natural questions' folders are indexed once under --folders (bench/fitting.py). For
every question the reader's proposed short answer is read with its signals (a proposal for
an unanswerable question is wrong; one for a list must name every item); a logistic model
over them is fitted with cross-validation grouped by quiz week and by article (no week's or
article's questions score a model that saw them). Printed: the held-out precision of the bold answer
at each coverage, for the fitted confidence and for the best sentence's score alone; the
threshold chosen; and held-out acc@60 / acc@300 with and without the threshold. --write
stores the model fitted on all the questions, with that threshold, in confidence.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fitting import Case, natural_cases, quiz, remember_tagging  # noqa: E402
from index.settings import Settings  # noqa: E402
from qa.citations import verify  # noqa: E402
from qa.extractive import ExtractiveReader  # noqa: E402
from qa.extractive.confidence import ALWAYS, FEATURES, FILE, Confidence  # noqa: E402
from qa.pipeline import pipeline  # noqa: E402

NEVER = Confidence(0.0, {}, 1.1)  # no short answer in bold
TARGET_PRECISION = 0.65  # the bold answer right this often, held out ...
MIN_COVERAGE = 0.5  # ... while shown for at least this share of the questions
FOLDS = 5
REGULARISATION = 1.0  # scikit-learn's C


@dataclasses.dataclass(frozen=True)
class Proposal:
    case: Case
    values: dict[str, float] | None  # the proposed answer's signals; None: no proposal
    right: bool  # the proposed short answer is right
    shown: str  # the answer text with the proposal in bold
    hidden: str  # the answer text without it

    @property
    def group(self) -> str:
        return self.case.group


def proposals(index_dir: Path, folders: Path, limit: int | None) -> list[Proposal]:
    embeddings = pipeline(Settings(index_dir=index_dir)).retriever.embeddings
    always = ExtractiveReader(embeddings, confidence=ALWAYS)
    never = ExtractiveReader(embeddings, confidence=NEVER)
    out = []
    for case in quiz(index_dir, limit) + natural_cases(index_dir, folders):
        evidence = case.evidence
        reading = always.reading(evidence)
        proposed = reading.vote.answer
        right = bool(proposed) and not case.abstain and (
            case.whole(proposed) if case.every else case.right(proposed))
        values = reading.signals.as_dict() if reading.signals else None
        out.append(Proposal(case, values, right,
                            verify(reading.draft, evidence.articles).text,
                            verify(never.read(evidence), evidence.articles).text))
    return out


def fit(x: np.ndarray, y: np.ndarray) -> Confidence:
    """A logistic model on standardised signals, stored in the signals' own units."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=REGULARISATION).fit((x - mean) / scale, y)
    coefficients = model.coef_[0] / scale
    intercept = float(model.intercept_[0] - coefficients @ mean)
    return Confidence(intercept, dict(zip(FEATURES, map(float, coefficients), strict=True)), 0.0)


def held_out(proposed: list[Proposal]) -> np.ndarray:
    x = np.array([[c.values[f] for f in FEATURES] for c in proposed])
    y = np.array([c.right for c in proposed])
    groups = [c.group for c in proposed]
    scores = np.zeros(len(proposed))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        model = fit(x[train], y[train])
        scores[test] = [model.of(dict(zip(FEATURES, row, strict=True))) for row in x[test]]
    return scores


def curve(scores: np.ndarray, right: np.ndarray, total: int) -> list[tuple[float, float, float]]:
    """(threshold, coverage over all questions, precision) at each cut of the ranking."""
    order = np.argsort(-scores)
    hits = np.cumsum(right[order])
    return [(float(scores[order[i]]), (i + 1) / total, hits[i] / (i + 1))
            for i in range(len(order))]


def accuracy(all_cases: list[Proposal], show: dict[int, bool], which: str = ""
             ) -> tuple[float, float]:
    """acc@60 and acc@300 over the answerable questions (of one set, or of both)."""
    rows = [(c.shown if show.get(i, True) else c.hidden, c.case)
            for i, c in enumerate(all_cases) if not c.case.abstain and which in ("", c.case.set)]
    n = len(rows) or 1
    return (sum(case.right(t[:60]) for t, case in rows) / n,
            sum(case.right(t[:300]) for t, case in rows) / n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--folders", type=Path, default=Path("/tmp/natural-folders"))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    remember_tagging()
    all_cases = proposals(args.index_dir, args.folders, args.limit)
    at = [i for i, c in enumerate(all_cases) if c.values]
    proposed = [all_cases[i] for i in at]
    right = np.array([c.right for c in proposed])
    n = len(all_cases)
    print(f"{n} questions, {len(proposed)} with a proposed short answer, right {right.mean():.3f}"
          f"; groups: {len({c.group for c in all_cases})}")
    fitted_scores = held_out(proposed)
    by_score = np.array([c.values["best_score"] for c in proposed])
    fitted_curve = curve(fitted_scores, right, n)
    score_curve = curve(by_score, right, n)
    print("coverage  precision: fitted (held out)  best sentence's score  acc@60 (fitted)")
    for coverage in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, len(proposed) / n):
        k = min(max(1, round(coverage * n)) - 1, len(proposed) - 1)
        cut = fitted_curve[k][0]
        acc60 = accuracy(all_cases, {i: s >= cut for i, s in zip(at, fitted_scores,
                                                                 strict=True)})[0]
        print(f"  {fitted_curve[k][1]:.2f}     {fitted_curve[k][2]:.3f}              "
              f"{score_curve[k][2]:.3f}                  {acc60:.3f}")
    meets = [(t, cov, p) for t, cov, p in fitted_curve
             if p >= TARGET_PRECISION and cov >= MIN_COVERAGE]
    if meets:
        threshold = min(t for t, _, _ in meets)
    else:  # the largest coverage at which held-out precision reaches the target, if any
        reaching = [(t, cov, p) for t, cov, p in fitted_curve if p >= TARGET_PRECISION]
        threshold = min((t for t, _, _ in reaching), default=0.0)
    show = {i: s >= threshold for i, s in zip(at, fitted_scores, strict=True)}
    shown = [s >= threshold for s in fitted_scores]
    precision = right[shown].mean() if any(shown) else 0.0
    print(f"threshold {threshold:.3f}: held-out coverage {sum(shown) / n:.3f}, precision "
          f"{precision:.3f}")
    for which in ("quiz", "natural"):
        every, above = accuracy(all_cases, {}, which), accuracy(all_cases, show, which)
        print(f"{which} held out acc@60 / acc@300: every proposal in bold {every[0]:.3f} / "
              f"{every[1]:.3f}; above the threshold {above[0]:.3f} / {above[1]:.3f}")
    if args.write:
        x = np.array([[c.values[f] for f in FEATURES] for c in proposed])
        model = fit(x, right)
        FILE.write_text(json.dumps({"intercept": round(model.intercept, 4),
                                    "coefficients": {k: round(v, 4) for k, v
                                                     in model.coefficients.items()},
                                    "threshold": round(threshold, 4)}, indent=2) + "\n")
        print(f"written: {FILE}")


if __name__ == "__main__":
    main()
