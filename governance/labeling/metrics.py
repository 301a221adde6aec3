"""The labeling-batch report: agreement, consensus, gold accuracy, operations and flags."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from governance.labeling import ANNOTATION_COLUMNS, LabelingError, rated, require_columns
from governance.labeling.agreement import (
    FleissResult,
    PairKappa,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen_kappa,
)
from governance.labeling.consensus import (
    adjudication_queue,
    agreement_with_consensus,
    majority_vote,
)
from governance.labeling.distribution import imbalance, label_distribution
from governance.labeling.gold import gold_accuracy, overall_gold_accuracy
from governance.labeling.operations import batch_operations, operations_by

ANNOTATOR_COLUMNS = ("annotator", "vendor", "labels", "gold_items", "gold_accuracy",
                     "gold_upper", "agreement_rate", "median_seconds", "labels_per_hour",
                     "cost_per_label",
                     "flagged", "flag_reason")
VENDOR_COLUMNS = ("vendor", "annotators", "labels", "items", "gold_items", "gold_accuracy",
                  "gold_upper", "agreement_rate", "median_seconds", "p90_seconds",
                  "labels_per_hour",
                  "total_cost", "cost_per_item")


@dataclass
class BatchMetrics:
    """Everything measured on one labeling batch."""

    krippendorff_alpha: float
    fleiss: FleissResult
    pairs: list[PairKappa]
    annotators: pd.DataFrame
    vendors: pd.DataFrame
    consensus: pd.DataFrame
    adjudication: pd.DataFrame
    distribution: pd.DataFrame
    imbalance: dict[str, float]
    operations: dict[str, float]
    gold_ratings: int
    gold_correct: int

    @property
    def gold_accuracy(self) -> float:
        """Share of gold ratings answered correctly (nan when the batch has no gold item)."""
        return self.gold_correct / self.gold_ratings if self.gold_ratings else math.nan


def check_batch(frame: pd.DataFrame) -> None:
    """Raise LabelingError when the annotation frame lacks columns, rows or unique ratings."""
    require_columns(frame, ANNOTATION_COLUMNS)
    if frame.empty:
        raise LabelingError("The labeling batch has no annotations; there is nothing to "
                            "measure.")
    rated(frame)  # raises on an annotator labeling the same item twice


def _pct(value: float, target: float) -> tuple[str, str]:
    # Whole percents read best, but "95% < 95% target" would look like a bug, so one
    # decimal is shown when rounding hides the difference.
    for digits in (0, 1, 2):
        shown, goal = f"{value:.{digits}%}", f"{target:.{digits}%}"
        if shown != goal:
            return shown, goal
    return f"{value:.2%}", f"{target:.2%}"


def _flag(row: Mapping[str, Any], gold_target: float, agreement_floor: float) -> str:
    reasons = []
    gold, upper = row["gold_accuracy"], row["gold_upper"]
    if pd.notna(gold) and pd.notna(upper) and upper < gold_target:
        shown, goal = _pct(gold, gold_target)
        reasons.append(f"gold accuracy {shown} on {row['gold_items']} gold items, surely "
                       f"below the {goal} target (95% upper bound {upper:.0%})")
    agreement = row["agreement_rate"]
    if pd.notna(agreement) and agreement < agreement_floor:
        shown, goal = _pct(agreement, agreement_floor)
        reasons.append(f"agreement with consensus {shown} < {goal} floor")
    return "; ".join(reasons)


def _vendor_of(frame: pd.DataFrame) -> pd.Series:
    # An annotator normally works for one vendor; if the file says otherwise, all of them
    # are shown rather than silently picking one.
    vendors = frame.assign(vendor=frame["vendor"].astype(str),
                           annotator=frame["annotator"].astype(str))
    return vendors.groupby("annotator")["vendor"].agg(lambda v: ", ".join(sorted(set(v))))


def _merge(base: pd.DataFrame, key: str, gold: pd.DataFrame,
           agreement: pd.DataFrame) -> pd.DataFrame:
    gold = gold.rename(columns={"accuracy": "gold_accuracy", "upper": "gold_upper"})[
        [key, "gold_items", "gold_accuracy", "gold_upper"]]
    agreement = agreement.rename(columns={"rate": "agreement_rate"})[[key, "agreement_rate"]]
    out = base.merge(gold, on=key, how="left").merge(agreement, on=key, how="left")
    out["gold_items"] = out["gold_items"].fillna(0).astype(int)
    out["gold_accuracy"] = out["gold_accuracy"].astype(float)
    out["gold_upper"] = out["gold_upper"].astype(float)
    out["agreement_rate"] = out["agreement_rate"].astype(float)
    return out


def compute_batch(frame: pd.DataFrame, gold: Mapping[str, str], *,
                  label_set: Sequence[str] | None = None, min_share: float = 0.6,
                  gold_target: float = 0.95, agreement_floor: float = 0.7,
                  min_pair_items: int = 10, counted: pd.Series | None = None,
                  excluded: Mapping[str, str] | None = None) -> BatchMetrics:
    """Measure a labeling batch and flag annotators below the gold or agreement bar.

    `counted` (a boolean per row) keeps labels out of consensus, agreement and the vendors'
    gold accuracy (e.g. an unqualified annotator's); every label still counts in operations
    (it was paid for) and in its annotator's own row, flagged with `excluded[annotator]`.
    """
    check_batch(frame)
    quality = frame if counted is None else frame[counted.to_numpy(dtype=bool)]
    if quality.empty:
        raise LabelingError("No label of this batch counts: none of its annotators is "
                            "qualified, so there is no consensus to measure.")
    consensus = majority_vote(quality, min_share=min_share)

    ops = operations_by(frame, "annotator")
    ops.insert(1, "vendor", ops["annotator"].map(_vendor_of(frame)))
    annotators = _merge(ops, "annotator", gold_accuracy(frame, gold, "annotator"),
                        agreement_with_consensus(frame, consensus, "annotator"))
    why = excluded or {}
    annotators["flag_reason"] = ["; ".join(filter(None, (
        why.get(row["annotator"], ""), _flag(row, gold_target, agreement_floor))))
        for row in annotators.to_dict("records")]
    annotators["flagged"] = annotators["flag_reason"] != ""

    vendor_ops = operations_by(frame, "vendor")
    vendors = _merge(vendor_ops, "vendor", gold_accuracy(quality, gold, "vendor"),
                     agreement_with_consensus(quality, consensus, "vendor"))

    distribution = label_distribution(consensus["label"].dropna(), label_set)
    gold_ratings, gold_correct = overall_gold_accuracy(quality, gold)
    return BatchMetrics(
        krippendorff_alpha=krippendorff_alpha(quality),
        fleiss=fleiss_kappa(quality),
        pairs=pairwise_cohen_kappa(quality, min_items=min_pair_items),
        annotators=annotators[list(ANNOTATOR_COLUMNS)],
        vendors=vendors[list(VENDOR_COLUMNS)],
        consensus=consensus,
        adjudication=adjudication_queue(consensus),
        distribution=distribution,
        imbalance=imbalance(distribution),
        operations=batch_operations(frame),
        gold_ratings=gold_ratings,
        gold_correct=gold_correct,
    )
