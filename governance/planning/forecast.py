"""The seeded bootstrap of throughput, and the time and cost of a vendor mix from it.

Each draw picks, per vendor, one past batch (recent batches weigh more: a half-life in
batches), then draws the vendor's declared headcount of annotators from that batch's
measured annotators with replacement; the team's labels per active hour is their mean
rate times a lognormal factor (`spread`) for what batches differ by beyond the few the
history holds. A vendor that has labeled only a pilot uses its pilot annotators. The
adjudication share is drawn the same way from the batches. Time runs on working days
(Monday to Friday) of `headcount x hoursPerDay` active hours; vendors work in parallel and
the plan completes when the last one does. The backtest (bench/plan_backtest.py) tuned
`half_life` and `spread` on synthetic histories it did not report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from governance.errors import GovernanceError
from governance.planning.history import History
from governance.planning.spec import VendorCapacity
from governance.planning.work import Work

DEFAULT_SEED = 20_261_202
DEFAULT_DRAWS = 10_000


class PlanningError(GovernanceError):
    """A plan cannot be made from what the contract declares and the history measured."""


@dataclass(frozen=True)
class Bootstrap:
    """How the bootstrap draws: count, seed, recency half-life (batches) and spread."""

    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    # Tuned by bench/plan_backtest.py on its tuning half of synthetic histories (the
    # held-out half's P90 then covers 93% of actual times and 94% of actual costs).
    half_life: float | None = 2.0  # None: every past batch weighs the same
    spread: float = 0.0  # log-sd of a batch's team throughput beyond the resampled one


@dataclass(frozen=True)
class Samples:
    """Per draw: each vendor's team labels per active hour, and the adjudication share."""

    rates: dict[str, np.ndarray]
    adjudication: np.ndarray


@dataclass(frozen=True)
class Outcome:
    """Per draw: working days to complete, total cost, and each vendor's hours and cost."""

    days: np.ndarray
    cost: np.ndarray
    hours: dict[str, np.ndarray]
    vendor_cost: dict[str, np.ndarray]
    labels: dict[str, float]
    items: dict[str, float]


def _weights(count: int, half_life: float | None) -> np.ndarray:
    age = np.arange(count - 1, -1, -1, dtype=float)  # the newest batch has age 0
    weights = np.ones(count) if not half_life else 0.5 ** (age / half_life)
    return weights / weights.sum()


def _team_rates(pools: list[np.ndarray], weights: np.ndarray, headcount: int,
                settings: Bootstrap, rng: np.random.Generator) -> np.ndarray:
    picked = rng.choice(len(pools), size=settings.draws, p=weights)
    out = np.empty(settings.draws)
    for index, pool in enumerate(pools):
        rows = np.flatnonzero(picked == index)
        if rows.size:
            drawn = rng.integers(0, pool.size, size=(rows.size, max(headcount, 1)))
            out[rows] = pool[drawn].mean(axis=1)
    return out * np.exp(settings.spread * rng.standard_normal(settings.draws))


def _pools(history: History, vendor: str) -> list[np.ndarray]:
    batches = history.vendor_batches(vendor)
    if batches:
        return [np.asarray(b.rates[vendor], dtype=float) for b in batches]
    pilot = history.pilot_rates.get(vendor)
    if pilot:
        return [np.asarray(pilot, dtype=float)]
    raise PlanningError(f"vendor {vendor} has no measured throughput in the history of "
                        f"{history.dataset} (no batch and no pilot); run a pilot first")


def draw_samples(history: History, vendors: Mapping[str, VendorCapacity],
                 settings: Bootstrap = Bootstrap()) -> Samples:
    """Bootstrap draws of each vendor's team throughput and of the adjudication share."""
    rng = np.random.default_rng(settings.seed)
    rates = {}
    for name in sorted(vendors):  # sorted: the same seed gives the same draws per vendor
        pools = _pools(history, name)
        rates[name] = _team_rates(pools, _weights(len(pools), settings.half_life),
                                  vendors[name].headcount, settings, rng)
    if history.batches:
        shares = np.array([b.adjudication_share for b in history.batches])
        weights = _weights(len(shares), settings.half_life)
        adjudication = shares[rng.choice(len(shares), size=settings.draws, p=weights)]
    else:
        adjudication = np.zeros(settings.draws)
    return Samples(rates, adjudication)


def evaluate(work: Work, shares: Mapping[str, float], vendors: Mapping[str, VendorCapacity],
             reviewer: str, samples: Samples, *, rate_factor: float = 1.0,
             adjudication_factor: float = 1.0, price_factor: float = 1.0) -> Outcome:
    """Time and cost per draw when each vendor labels its share of the batch's items."""
    draws = samples.adjudication.size
    hours, cost, labels, items = {}, {}, {}, {}
    days = np.zeros(draws)
    for name in sorted(set(shares) | {reviewer}):
        vendor = vendors[name]
        share = shares.get(name, 0.0)
        labels[name] = share * work.labeling_ratings
        items[name] = share * work.batch_items
        reviews = np.zeros(draws)
        if name == reviewer:
            reviews = (work.audit_reviews + work.items * samples.adjudication
                       * adjudication_factor)
        hours[name] = (labels[name] + reviews) / (samples.rates[name] * rate_factor)
        days = np.maximum(days, hours[name] / vendor.hours_per_working_day)
        billed = {"label": labels[name] + reviews, "item": items[name] + reviews,
                  "hour": hours[name]}[vendor.price_unit]
        cost[name] = vendor.price * price_factor * np.broadcast_to(billed, (draws,))
    total = np.sum(list(cost.values()), axis=0)
    return Outcome(days, total, hours, cost, labels, items)


def completion_date(start: date, days: float) -> date:
    """The working day (Mon-Fri) on which `days` working days of work, begun on start, end."""
    whole = math.ceil(days - 1e-9)
    if whole <= 0:
        return start
    end = np.busday_offset(np.datetime64(start, "D"), whole - 1, roll="forward")
    return date.fromisoformat(str(end))


def working_days(start: date, deadline: date) -> int:
    """Working days (Mon-Fri) from start to deadline, both included."""
    if deadline < start:
        return 0
    return int(np.busday_count(np.datetime64(start, "D"),
                               np.datetime64(deadline + timedelta(days=1), "D")))
