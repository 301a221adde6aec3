"""What changes the plan most: throughput, adjudication rate and price moved by +/-20%.

Each row re-runs the chosen split on the same bootstrap draws with one factor changed, so
the difference is the factor's effect and not new random noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from governance.planning.forecast import Outcome, Samples, evaluate
from governance.planning.spec import VendorCapacity
from governance.planning.work import Work

FACTORS = ("throughput", "adjudication rate", "price")
_ARGUMENT = {"throughput": "rate_factor", "adjudication rate": "adjudication_factor",
             "price": "price_factor"}


@dataclass(frozen=True)
class Sensitivity:
    """One factor moved by `change`: the shift of completion P90 and of cost P50."""

    factor: str
    change: float  # +0.2 or -0.2
    completion_p90_days: float  # working days, new minus base
    cost_p50: float  # new minus base

    def to_json(self) -> dict[str, object]:
        """JSON-ready row."""
        return {"factor": self.factor, "change": self.change,
                # + 0.0 turns a rounded -0.0 into 0.0
                "completion_p90_days": round(self.completion_p90_days, 2) + 0.0,
                "cost_p50": round(self.cost_p50, 2) + 0.0}


def sensitivity(work: Work, shares: Mapping[str, float], vendors: Mapping[str, VendorCapacity],
                reviewer: str, samples: Samples, base: Outcome,
                change: float = 0.2) -> list[Sensitivity]:
    """Rows for each factor (in FACTORS order) at -change and +change."""
    p90 = float(np.quantile(base.days, 0.9))
    p50 = float(np.quantile(base.cost, 0.5))
    rows = []
    for factor in FACTORS:
        for sign in (-1, 1):
            moved = evaluate(work, shares, vendors, reviewer, samples,
                             **{_ARGUMENT[factor]: 1 + sign * change})
            rows.append(Sensitivity(factor, sign * change,
                                    float(np.quantile(moved.days, 0.9)) - p90,
                                    float(np.quantile(moved.cost, 0.5)) - p50))
    return rows
