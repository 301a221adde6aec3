"""Accuracy on gold items: items whose correct label is known in advance."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from governance.labeling import LabelingError, require_columns

GROUPINGS = ("annotator", "vendor")


def _gold_rows(frame: pd.DataFrame, gold: Mapping[str, str]) -> pd.DataFrame:
    require_columns(frame, ("item", "annotator", "vendor", "label"))
    answers = {str(k): str(v) for k, v in gold.items()}
    rows = frame.loc[frame["item"].astype(str).isin(answers),
                     ["item", "annotator", "vendor", "label"]].copy()
    rows["item"] = rows["item"].astype(str)
    # A gold item left unlabeled counts as a miss: the annotator was shown it and gave no
    # answer, and skipping it would let people raise their accuracy by skipping hard items.
    expected = rows["item"].map(answers)
    rows["correct"] = rows["label"].notna() & (rows["label"].astype(str) == expected)
    return rows


def gold_accuracy(frame: pd.DataFrame, gold: Mapping[str, str], by: str) -> pd.DataFrame:
    """Gold ratings, correct answers and accuracy per annotator or vendor (sorted by it)."""
    if by not in GROUPINGS:
        raise LabelingError(f"Gold accuracy can be grouped by {' or '.join(GROUPINGS)}, "
                            f"not '{by}'.")
    rows = _gold_rows(frame, gold)
    rows[by] = rows[by].astype(str)
    grouped = rows.groupby(by)["correct"].agg(gold_items="size", correct="sum")
    out = grouped.reset_index().sort_values(by, kind="mergesort").reset_index(drop=True)
    out = out.astype({"gold_items": int, "correct": int})
    out["accuracy"] = out["correct"] / out["gold_items"]
    out["upper"] = [upper_bound(c, n) for c, n in zip(out["correct"], out["gold_items"],
                                                       strict=True)]
    return out[[by, "gold_items", "correct", "accuracy", "upper"]]


def upper_bound(correct: int, total: int, confidence: float = 0.95) -> float:
    """Upper end of the Wilson interval of an accuracy: below target means surely below."""
    # A dozen gold items cannot tell 93 % from 98 %; judging the bound instead of the point
    # estimate keeps one unlucky miss from flagging a good annotator or blocking a batch.
    return wilson_interval(correct, total, confidence)[1]


def wilson_interval(correct: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """(lower, upper) Wilson interval of an accuracy; both NaN when nothing was judged."""
    if total == 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(correct, total, alpha=1 - confidence, method="wilson")
    return float(low), float(high)


def overall_gold_accuracy(frame: pd.DataFrame, gold: Mapping[str, str]) -> tuple[int, int]:
    """(gold ratings, correct gold ratings) over the whole batch."""
    rows = _gold_rows(frame, gold)
    return len(rows), int(rows["correct"].sum())
