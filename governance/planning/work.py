"""The work of labeling N items under a contract: ratings, gold, audit reviews, adjudications.

The N items are planned as one batch: gold items are mixed in so that they are `goldShare`
of the batch, every item (gold too) gets `redundancy` ratings, and the reviewer vendor
audits a sample of the batch's labels sized by the contract's audit plan (the same sizing
the labeling stage uses), the risk sample, the double-reviewed calibration share, and the
items sent to adjudication (their expected share comes from the history).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from governance.labeling.sampling import sample_size_for_proportion, z14_plan
from governance.labeling.spec import LabelingSpec
from governance.planning.spec import BatchPlan


@dataclass(frozen=True)
class Work:
    """What labeling N items takes, in ratings (one rating = one label or one review)."""

    items: int
    gold_items: int
    redundancy: int
    audit_reviews: int  # audit sample, risk sample and calibration second reviews
    adjudication_share: float

    @property
    def batch_items(self) -> int:
        """Items in the batch: the N to label and the gold items mixed in."""
        return self.items + self.gold_items

    @property
    def labeling_ratings(self) -> int:
        """Labels annotators give: every item of the batch, redundancy times."""
        return self.batch_items * self.redundancy

    @property
    def gold_ratings(self) -> int:
        """Labels given on gold items."""
        return self.gold_items * self.redundancy

    @property
    def adjudications(self) -> float:
        """Expected items a reviewer adjudicates."""
        return self.items * self.adjudication_share

    @property
    def reviews(self) -> float:
        """The reviewer's ratings: audit reviews and expected adjudications."""
        return self.audit_reviews + self.adjudications

    @property
    def ratings(self) -> int:
        """items x redundancy + gold ratings + audit reviews + expected adjudications."""
        return self.labeling_ratings + self.audit_reviews + round(self.adjudications)


def gold_items(items: int, gold_share: float) -> int:
    """Gold items to mix into N items so that they are gold_share of the batch."""
    if gold_share <= 0:
        return 0
    return math.ceil(items * gold_share / (1 - gold_share) - 1e-9)


def audit_reviews(labels: int, spec: LabelingSpec | None) -> int:
    """Reviews the audit of a batch of `labels` labels takes under the contract's plans."""
    if spec is None or labels <= 0:
        return 0
    plan = spec.audit
    if plan.method == "aql":
        sample = z14_plan(labels, plan.aql or 0.0, plan.level).sample_size
    else:
        sample = sample_size_for_proportion(labels, plan.margin, plan.confidence)
    risk = spec.risk_audit.size(labels) if spec.risk_audit is not None else 0
    # A second reviewer judges the calibration share of the sample (counted per sampled
    # label: an upper bound, as one verdict covers all sampled labels of an item).
    calibration = math.ceil(sample * spec.calibration.share - 1e-9) if sample else 0
    return sample + risk + calibration


def plan_work(items: int, plan: BatchPlan, spec: LabelingSpec | None,
              adjudication_share: float) -> Work:
    """The work of labeling `items` items under the batch plan and the audit plan."""
    gold = gold_items(items, plan.gold_share)
    labels = (items + gold) * plan.redundancy
    return Work(items, gold, plan.redundancy, audit_reviews(labels, spec), adjudication_share)
