"""Refresh cycles: how many refresh labeling batches drift will ask for in a quarter.

Each version of the labeled dataset that drift judged either raised a refresh request or
not; the share that did gets a Jeffreys Beta(0.5 + requests, 0.5 + others) posterior.
The versions a quarter brings come from the arrival cadence (measured from the raw store
when it holds at least 4 arrivals over at least a week, else the contract's frequency).
Batches per quarter are then beta-binomial draws, and their cost is those draws times the
cost of one refresh batch (the dataset's typical batch, planned like the main one).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

QUARTER = timedelta(days=365.25 / 4)
_MIN_ARRIVALS, _MIN_SPAN = 4, timedelta(days=7)


@dataclass(frozen=True)
class Cadence:
    """How often the labeled dataset gets a new version, and where that figure comes from."""

    interval: timedelta
    source: str  # "arrivals" (raw store) or "contract frequency"

    @property
    def per_quarter(self) -> int:
        """Versions expected in a quarter."""
        return max(round(QUARTER / self.interval), 0)


@dataclass(frozen=True)
class RefreshForecast:
    """Expected refresh labeling batches per quarter, with an interval, and their cost."""

    dataset: str
    judged_versions: int
    requests: int
    cadence: Cadence
    rate: float  # posterior mean share of versions that raise a request
    batches: np.ndarray  # per draw
    cost: np.ndarray  # per draw
    batch_items: int

    def to_json(self) -> dict[str, object]:
        """The figures the plan output shows (P10, P50, P90 and the mean)."""
        def spread(values: np.ndarray, digits: int) -> dict[str, float]:
            q = np.quantile(values, [0.1, 0.5, 0.9])
            return {"mean": round(float(values.mean()), digits),
                    **{k: round(float(v), digits) for k, v in zip(("p10", "p50", "p90"), q,
                                                                   strict=True)}}
        return {"dataset": self.dataset, "judged_versions": self.judged_versions,
                "requests": self.requests, "request_rate": round(self.rate, 3),
                "cadence_days": round(self.cadence.interval / timedelta(days=1), 2),
                "cadence_source": self.cadence.source,
                "versions_per_quarter": self.cadence.per_quarter,
                "batch_items": self.batch_items,
                "batches_per_quarter": spread(self.batches, 1),
                "cost_per_quarter": spread(self.cost, 2)}


def cadence(arrivals: Sequence[datetime], frequency: timedelta | None) -> Cadence | None:
    """The arrival cadence: measured when the raw store shows enough, else the contract's."""
    times = sorted(arrivals)
    if len(times) >= _MIN_ARRIVALS and times[-1] - times[0] >= _MIN_SPAN:
        gaps = [b - a for a, b in itertools.pairwise(times)]
        return Cadence(statistics.median(gaps), "arrivals")
    if frequency is not None and frequency > timedelta(0):
        return Cadence(frequency, "contract frequency")
    return None


def refresh_forecast(dataset: str, judged_versions: int, requests: int, rhythm: Cadence,
                     batch_cost: np.ndarray, batch_items: int,
                     seed: int) -> RefreshForecast:
    """Beta-binomial draws of refresh batches per quarter, and their cost per draw."""
    requests = min(requests, judged_versions)
    rng = np.random.default_rng(seed)
    alpha, beta = 0.5 + requests, 0.5 + judged_versions - requests
    draws = batch_cost.size
    rate = rng.beta(alpha, beta, size=draws)
    batches = rng.binomial(rhythm.per_quarter, rate).astype(float)
    return RefreshForecast(dataset, judged_versions, requests, rhythm, alpha / (alpha + beta),
                           batches, batches * batch_cost, batch_items)
