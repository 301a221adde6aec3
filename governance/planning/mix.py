"""Which vendors may label, and the cheapest split of the work that meets the deadline.

A vendor whose pooled gold accuracy (every batch and pilot) is surely below the contract's
goldAccuracy target (the 95% Wilson upper bound below it, the rule the labeling checks
use) is excluded, with the figures. So is a vendor with no measured throughput. Among the
rest every split of the items in steps of `step` is tried on the same bootstrap draws;
the cheapest at P50 whose completion P90 fits the working days to the deadline wins.
When none fits, the fastest split is returned and marked as missing the deadline.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from governance.planning.accuracy import Accuracy
from governance.planning.forecast import Outcome, Samples, evaluate
from governance.planning.history import History
from governance.planning.spec import VendorCapacity
from governance.planning.work import Work


@dataclass(frozen=True)
class Exclusion:
    """A vendor left out of the plan, and why."""

    vendor: str
    reason: str


@dataclass(frozen=True)
class Choice:
    """The chosen split of the items, its bootstrap outcome, and whether it fits."""

    shares: dict[str, float]
    outcome: Outcome
    meets_deadline: bool | None  # None: no deadline given
    candidates: int


def exclusions(history: History, vendors: Sequence[str], target: float) -> list[Exclusion]:
    """Vendors surely below the gold accuracy target, or without a measured throughput."""
    out = []
    for name in vendors:
        shortfall = Accuracy(*history.gold.get(name, (0, 0))).shortfall(
            "gold accuracy over batches and pilots", target, "gold answers")
        if shortfall:
            out.append(Exclusion(name, shortfall))
        elif not history.measured(name):
            out.append(Exclusion(name, "no measured throughput: it labeled no batch and no "
                                 "pilot of this dataset"))
    return out


def grid(vendors: Sequence[str], step: float) -> list[dict[str, float]]:
    """Every split of the work among vendors in steps of `step` (shares add up to 1)."""
    units = round(1 / step)
    out = []
    for cut in itertools.product(range(units + 1), repeat=max(len(vendors) - 1, 0)):
        if sum(cut) <= units:
            parts = (*cut, units - sum(cut))
            out.append({v: p / units for v, p in zip(vendors, parts, strict=True) if p})
    return out


def default_step(count: int) -> float:
    """5% steps for up to three vendors, coarser beyond (the grid grows fast)."""
    return 0.05 if count <= 3 else 0.1 if count <= 5 else 0.25


def choose(work: Work, eligible: Sequence[str], vendors: Mapping[str, VendorCapacity],
           reviewer: str, samples: Samples, available_days: int | None,
           step: float | None = None) -> Choice:
    """The cheapest split meeting the deadline at P90 (no deadline: the cheapest)."""
    splits = grid(sorted(eligible), step or default_step(len(eligible)))
    scored = []
    for shares in splits:
        outcome = evaluate(work, shares, vendors, reviewer, samples)
        p90 = float(np.quantile(outcome.days, 0.9))
        cost = float(np.quantile(outcome.cost, 0.5))
        scored.append((shares, outcome, p90, cost))
    if available_days is None:
        best = min(scored, key=lambda s: (s[3], s[2]))
        return Choice(best[0], best[1], None, len(scored))
    fits = [s for s in scored if np.ceil(s[2] - 1e-9) <= available_days]
    if fits:
        best = min(fits, key=lambda s: (s[3], s[2]))
        return Choice(best[0], best[1], True, len(scored))
    best = min(scored, key=lambda s: (s[2], s[3]))
    return Choice(best[0], best[1], False, len(scored))
