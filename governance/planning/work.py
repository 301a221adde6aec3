"""The work of labeling N items under a contract: ratings, gold, audit reviews, adjudications.

The N items are split into batches of the plan's size (gold included; one batch when no
size is known): gold items are mixed into each so that they are `goldShare` of it, every
item (gold too) gets `redundancy` ratings, and the reviewer vendor audits each batch's
labels as the labeling stage does: a sample sized by the contract's audit plan, the risk
sample and the double-reviewed calibration share. Because each batch is audited on its
own, the same N items cost more reviews in small batches than in one. Items sent to
adjudication are expected at the history's share.
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
    batches: int = 1

    @property
    def batch_items(self) -> int:
        """Items in the batches: the N to label and the gold items mixed in."""
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


def split(items: int, batch_items: int | None, gold_share: float) -> list[int]:
    """The N items to label per batch: as even as can be, each batch (its gold items
    added) at most `batch_items` items; one batch when no size is given."""
    if not batch_items or items <= 0:
        return [items]
    room = math.floor(batch_items * (1 - gold_share) + 1e-9)
    while room > 1 and room + gold_items(room, gold_share) > batch_items:
        room -= 1  # gold items are rounded up, so make room for them
    count = math.ceil(items / room)
    return [items // count + (1 if i < items % count else 0) for i in range(count)]


def plan_work(items: int, plan: BatchPlan, spec: LabelingSpec | None,
              adjudication_share: float, batch_items: int | None = None) -> Work:
    """The work of labeling `items` items in batches of `batch_items` (gold included),
    each with the gold share and audit plan of the contract."""
    parts = split(items, batch_items, plan.gold_share)
    golds = [gold_items(n, plan.gold_share) for n in parts]
    reviews = sum(audit_reviews((n + g) * plan.redundancy, spec)
                  for n, g in zip(parts, golds, strict=True))
    return Work(items, sum(golds), plan.redundancy, reviews, adjudication_share, len(parts))
