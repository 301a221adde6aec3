"""Reviewer calibration: two reviewers on a seeded share of the audit sample.

Contract (labeling section; optional, the defaults shown):

    calibration: {share: 0.2, reviewerKappa: 0.8, reviewerAccuracy: 0.95}

- Calibration items: `share` of the audit sample's distinct items (at least one), drawn
  with a seed derived from the audit's seed, so a rerun picks the same items. A second
  reviewer gives verdicts on them (verdict rows carry the `reviewer` column).
- Reviewer-reviewer agreement: Cohen's kappa of each pair of reviewers on the calibration
  items both judged (at least MIN_PAIR_ITEMS of them, else not measured).
- Reviewer accuracy on gold: among the audit sample's items that are gold items, the share
  of a reviewer's verdicts equal to the gold answer. A reviewer is below target when the
  95 % Wilson upper bound is under reviewerAccuracy (surely below, the rule gold accuracy
  uses), or when a pair's kappa is under reviewerKappa and gold accuracy clears neither
  reviewer of the pair (then both are named: nobody can tell which one is off).
- Any reviewer below target makes the audit result inconclusive (see batch.judge).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from governance.labeling.agreement import pairwise_cohen_kappa
from governance.labeling.gold import upper_bound
from governance.labeling.plans import CalibrationPlan
from governance.labeling.verdicts import Verdict

MIN_PAIR_ITEMS = 10  # as for annotator pairs: fewer items say nothing about agreement
UNNAMED = "unnamed"  # a verdict row without a reviewer id
REVIEWER_COLUMNS = ("reviewer", "audited_items", "calibration_items", "gold_items",
                    "gold_correct", "gold_accuracy", "gold_upper", "kappa", "kappa_with",
                    "kappa_items", "below_target", "reason")


def calibration_seed(audit_seed: int) -> int:
    """The calibration draw's seed, derived from the audit's (stable across reruns)."""
    digest = hashlib.sha256(f"{audit_seed}:calibration".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def calibration_items(items: Iterable[str], share: float, seed: int) -> list[str]:
    """A seeded share (at least one) of the audit sample's distinct items, sorted."""
    pool = sorted({str(i) for i in items})
    if not pool:
        return []
    size = min(len(pool), max(1, math.ceil(share * len(pool) - 1e-9)))
    chosen = np.random.default_rng(seed).choice(len(pool), size=size, replace=False)
    return sorted(pool[int(i)] for i in chosen)


def reviewer_verdicts(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """One row per item and reviewer (their first verdict): item, reviewer, label."""
    seen: dict[tuple[str, str], str] = {}
    for v in verdicts:
        seen.setdefault((v.item, v.reviewer or UNNAMED), v.label)
    return pd.DataFrame([(i, r, lab) for (i, r), lab in seen.items()],
                        columns=["item", "reviewer", "label"])


@dataclass
class Calibration:
    """What the calibration share says about the batch's reviewers."""

    items: list[str]            # the calibration items drawn
    double_reviewed: int        # of them, judged by at least two reviewers
    reviewers: pd.DataFrame     # REVIEWER_COLUMNS, one row per reviewer
    plan: CalibrationPlan

    @property
    def below_target(self) -> list[str]:
        """The reviewers named below target, sorted."""
        return sorted(self.reviewers.loc[self.reviewers["below_target"], "reviewer"])

    def inconclusive_reason(self) -> str | None:
        """Why the audit cannot be trusted, in plain words; None when reviewers are fine."""
        rows = self.reviewers[self.reviewers["below_target"]]
        if rows.empty:
            return None
        return "reviewer(s) below the calibration targets: " + "; ".join(
            f"{r.reviewer} ({r.reason})" for r in rows.itertuples())


def _accuracy(judged: pd.DataFrame, gold: Mapping[str, str]) -> pd.DataFrame:
    on_gold = judged[judged["item"].isin(gold)]
    correct = on_gold["label"] == on_gold["item"].map(gold)
    return (on_gold.assign(correct=correct).groupby("reviewer")["correct"]
            .agg(gold_items="size", gold_correct="sum"))


def calibrate(verdicts: Sequence[Verdict], sample_items: Iterable[str],
              chosen: Sequence[str], gold: Mapping[str, str],
              plan: CalibrationPlan) -> Calibration:
    """Per-reviewer accuracy on the sample's gold items and kappa on the calibration items."""
    answers = {str(k): str(v) for k, v in gold.items()}
    audited = set(map(str, sample_items))
    judged = reviewer_verdicts(verdicts)
    judged = judged[judged["item"].isin(audited)]
    calib = judged[judged["item"].isin(set(chosen))]
    twice = calib.groupby("item")["reviewer"].nunique()
    names = sorted(judged["reviewer"].unique())
    out = pd.DataFrame({"reviewer": names})
    out["audited_items"] = out["reviewer"].map(judged.groupby("reviewer").size()).fillna(0)
    out["calibration_items"] = out["reviewer"].map(calib.groupby("reviewer").size()).fillna(0)
    acc = _accuracy(judged, answers)
    out["gold_items"] = out["reviewer"].map(acc["gold_items"]).fillna(0)
    out["gold_correct"] = out["reviewer"].map(acc["gold_correct"]).fillna(0)
    out = out.astype({c: int for c in ("audited_items", "calibration_items", "gold_items",
                                       "gold_correct")})
    out["gold_accuracy"] = [c / n if n else math.nan for c, n in
                            zip(out["gold_correct"], out["gold_items"], strict=True)]
    out["gold_upper"] = [upper_bound(c, n) for c, n in
                         zip(out["gold_correct"], out["gold_items"], strict=True)]
    surely = {r for r, u in zip(out["reviewer"], out["gold_upper"], strict=True)
              if not math.isnan(u) and u < plan.reviewer_accuracy}
    pairs = pairwise_cohen_kappa(calib.rename(columns={"reviewer": "annotator"}),
                                 min_items=MIN_PAIR_ITEMS) if len(names) > 1 else []
    lowest: dict[str, tuple[float, str, int]] = {}
    low_pairs = []
    for p in pairs:
        if math.isnan(p.kappa):
            continue
        for me, other in ((p.annotator_a, p.annotator_b), (p.annotator_b, p.annotator_a)):
            if me not in lowest or p.kappa < lowest[me][0]:
                lowest[me] = (p.kappa, other, p.items)
        if p.kappa < plan.reviewer_kappa:
            low_pairs.append(p)
    out["kappa"] = [lowest.get(r, (math.nan,))[0] for r in out["reviewer"]]
    out["kappa_with"] = [lowest[r][1] if r in lowest else None for r in out["reviewer"]]
    out["kappa_items"] = [lowest[r][2] if r in lowest else 0 for r in out["reviewer"]]
    reasons: dict[str, list[str]] = {r: [] for r in names}
    for row in out.itertuples():
        if row.reviewer in surely:
            reasons[row.reviewer].append(
                f"accuracy on gold {row.gold_accuracy:.1%} on {row.gold_items} gold items, "
                f"surely below the {plan.reviewer_accuracy:.0%} target (95% upper bound "
                f"{row.gold_upper:.1%})")
    for p in low_pairs:
        # Gold accuracy tells who is off; when it clears neither, both are named.
        if p.annotator_a in surely or p.annotator_b in surely:
            continue
        for me, other in ((p.annotator_a, p.annotator_b), (p.annotator_b, p.annotator_a)):
            reasons[me].append(f"Cohen's kappa {p.kappa:.2f} with {other} on {p.items} "
                               f"calibration items, below the {plan.reviewer_kappa:g} target")
    out["reason"] = ["; ".join(reasons[r]) for r in out["reviewer"]]
    out["below_target"] = out["reason"] != ""
    return Calibration(list(chosen), int((twice >= 2).sum()),
                       out[list(REVIEWER_COLUMNS)], plan)
