"""Accuracy with its 95 % Wilson interval, and what a correct label costs.

Shared by the vendor pilot and the vendor comparison, so both judge "surely below target"
by the same rule as the labeling checks: the interval's upper end is under the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from governance.labeling.gold import wilson_interval


@dataclass(frozen=True)
class Accuracy:
    """Correct answers out of judged ones, with the 95 % Wilson interval."""

    correct: int
    total: int

    @property
    def estimate(self) -> float | None:
        """Share correct; None when nothing was judged."""
        return self.correct / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """(lower, upper) 95 % Wilson interval; None when nothing was judged."""
        return wilson_interval(self.correct, self.total) if self.total else None

    def surely_below(self, target: float | None) -> bool:
        """True when even the interval's upper end is under the target."""
        bounds = self.interval
        return target is not None and bounds is not None and bounds[1] < target

    def shortfall(self, what: str, target: float | None,
                  unit: str = "judged labels") -> str | None:
        """Why the accuracy is surely below target (None when it is not)."""
        if not self.surely_below(target) or self.interval is None or target is None:
            return None
        return (f"{what} {self.estimate:.1%} on {self.total} {unit} is surely below "
                f"the {target:.0%} target (95% upper bound {self.interval[1]:.1%})")

    def to_json(self) -> dict[str, float | int | None]:
        """Counts, estimate and interval as plain values."""
        low, high = self.interval or (None, None)
        return {"correct": self.correct, "total": self.total, "estimate": self.estimate,
                "lower": low, "upper": high}


def accuracy_from_shares(pairs: list[tuple[float | None, int | None]]) -> Accuracy:
    """Pool (accuracy, count) pairs measured per batch into one count of correct answers."""
    correct = total = 0
    for share, count in pairs:
        if share is None or not count or (isinstance(share, float) and math.isnan(share)):
            continue
        # Each batch stored a share of a whole number of judged labels: round back to it.
        correct += round(float(share) * int(count))
        total += int(count)
    return Accuracy(correct, total)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the divisor is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if math.isnan(numerator) or math.isnan(denominator):
        return None
    return float(numerator) / float(denominator)


def cost_per_correct_label(cost_per_label: float | None, accuracy: float | None) -> float | None:
    """What one correct label costs: cost per label / accuracy (a wrong label is paid too)."""
    return ratio(cost_per_label, accuracy)
