"""The labeling plan: work, completion dates, cost, vendor mix, sensitivity and refresh cycles.

`make_plan` puts the pieces together (work.py, forecast.py, mix.py, sensitivity.py,
refresh.py) and refuses, with a PlanningError a data-ops manager can act on, what it
cannot plan: no history, an unknown vendor, a deadline before the start, no vendor left.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from governance.labeling.sampling import allocate
from governance.labeling.spec import LabelingSpec
from governance.planning.forecast import (
    Bootstrap,
    Outcome,
    PlanningError,
    completion_date,
    draw_samples,
    evaluate,
    working_days,
)
from governance.planning.history import History
from governance.planning.mix import Choice, Exclusion, choose, exclusions
from governance.planning.refresh import Cadence, RefreshForecast, refresh_forecast
from governance.planning.sensitivity import Sensitivity, sensitivity
from governance.planning.spec import BatchPlan, PlanningSpec
from governance.planning.work import Work, plan_work


@dataclass(frozen=True)
class PlanRequest:
    """What the planner asked for (`dataops plan` arguments)."""

    items: int
    start: date
    deadline: date | None = None
    budget: float | None = None  # money available for this work; None: the contract budget
    vendors: tuple[str, ...] | None = None  # None: every declared vendor
    settings: Bootstrap = field(default_factory=Bootstrap)


@dataclass(frozen=True)
class RefreshInputs:
    """What the refresh forecast needs about the dataset the labels are for."""

    dataset: str
    judged_versions: int
    requests: int
    cadence: Cadence | None
    batch_items: int


@dataclass(frozen=True)
class Plan:
    """A labeling plan with its uncertainty; `to_json` is what `dataops plan --json` prints."""

    dataset: str
    request: PlanRequest
    currency: str
    work: Work
    choice: Choice
    excluded: tuple[Exclusion, ...]
    budget: dict[str, Any] | None
    sensitivity: tuple[Sensitivity, ...]
    refresh: RefreshForecast | None
    history: History
    vendor_items: dict[str, int]
    reviewer: str
    refresh_note: str = ""
    # Vendors the plan may use that the vendor comparison marks below another target
    # (audited accuracy): (vendor, reason). Plans exclude on gold accuracy only.
    cautions: tuple[tuple[str, str], ...] = ()

    @property
    def outcome(self) -> Outcome:
        """The bootstrap draws of the chosen vendor split."""
        return self.choice.outcome

    def days(self, q: float) -> float:
        """Working days to completion at quantile q."""
        return float(np.quantile(self.outcome.days, q))

    def cost(self, q: float) -> float:
        """Total cost at quantile q."""
        return float(np.quantile(self.outcome.cost, q))

    def completion(self, q: float) -> date:
        """The completion date at quantile q."""
        return completion_date(self.request.start, self.days(q))

    def _vendors(self) -> dict[str, dict[str, Any]]:
        out = {}
        redundancy = self.work.redundancy
        for name in sorted(self.outcome.hours):
            hours, cost = self.outcome.hours[name], self.outcome.vendor_cost[name]
            items = self.vendor_items.get(name, 0)
            reviews = (self.work.reviews if name == self.reviewer else 0.0)
            out[name] = {"share": round(self.choice.shares.get(name, 0.0), 4), "items": items,
                         "ratings": items * redundancy + round(reviews),
                         "reviews": round(reviews),
                         "hours": round(float(np.quantile(hours, 0.5)), 1),
                         "hours_p90": round(float(np.quantile(hours, 0.9)), 1),
                         "cost": round(float(np.quantile(cost, 0.5)), 2),
                         "cost_p90": round(float(np.quantile(cost, 0.9)), 2)}
        return out

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        work, request = self.work, self.request
        return {
            "dataset": self.dataset, "items": work.items, "ratings": work.ratings,
            "work": {"batches": work.batches, "batch_items": work.batch_items,
                     "gold_items": work.gold_items,
                     "redundancy": work.redundancy, "labeling_ratings": work.labeling_ratings,
                     "gold_ratings": work.gold_ratings, "audit_reviews": work.audit_reviews,
                     "adjudication_share": round(work.adjudication_share, 4),
                     "adjudications": round(work.adjudications, 1)},
            "start": request.start.isoformat(),
            "completion_p50": self.completion(0.5).isoformat(),
            "completion_p90": self.completion(0.9).isoformat(),
            "working_days": {k: round(self.days(q), 2)
                             for k, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))},
            "cost_p10": round(self.cost(0.1), 2), "cost_p50": round(self.cost(0.5), 2),
            "cost_p90": round(self.cost(0.9), 2),
            "cost_per_item_p50": round(self.cost(0.5) / work.items, 4),
            "cost_per_item_p90": round(self.cost(0.9) / work.items, 4),
            "currency": self.currency, "reviewer": self.reviewer,
            "vendors": self._vendors(),
            "excluded": [{"vendor": e.vendor, "reason": e.reason} for e in self.excluded],
            "cautions": [{"vendor": v, "reason": r} for v, r in self.cautions],
            "deadline": request.deadline.isoformat() if request.deadline else None,
            "meets_deadline": self.choice.meets_deadline,
            "mixes_tried": self.choice.candidates,
            "budget": self.budget,
            "sensitivity": [s.to_json() for s in self.sensitivity],
            "refresh": self.refresh.to_json() if self.refresh else None,
            "refresh_note": self.refresh_note or None,
            "seed": request.settings.seed, "draws": request.settings.draws,
            "history": {"batches": len(self.history.batches),
                        "versions": [b.version for b in self.history.batches],
                        "pilots": len(self.history.pilots)},
        }


def _budget(spec: PlanningSpec, request: PlanRequest, history: History,
            cost_p90: float) -> dict[str, Any] | None:
    if request.budget is not None:
        amount, spent, source = request.budget, 0.0, "--budget"
    elif spec.budget is not None:
        budget = spec.budget
        amount, source = budget.amount, f"contract budget {budget.start}..{budget.end}"
        # Spend to date: the batches labeled within the budget's period.
        spent = sum(b.total_cost for b in history.batches
                    if b.at is not None and budget.covers(b.at.date()))
    else:
        return None
    remaining = amount - spent
    return {"amount": round(amount, 2), "spent": round(spent, 2),
            "remaining": round(remaining, 2), "within": cost_p90 <= remaining,
            "source": source}


def _vendor_items(shares: dict[str, float], total: int) -> dict[str, int]:
    weights = {v: round(s * 10_000) for v, s in shares.items() if s > 0}
    return allocate(weights, total) if weights else {}


def _check(request: PlanRequest, spec: PlanningSpec, history: History) -> Sequence[str]:
    if request.items < 1:
        raise PlanningError("plan at least 1 item (--items)")
    if request.deadline is not None and request.deadline < request.start:
        raise PlanningError(f"the deadline {request.deadline} is before the start "
                            f"{request.start}; give a later --deadline")
    wanted = request.vendors or tuple(spec.vendors)
    unknown = [v for v in wanted if v not in spec.vendors]
    if unknown:
        raise PlanningError(f"vendor {', '.join(unknown)} is not declared in the contract of "
                            f"{history.dataset}; declared: {', '.join(spec.vendors)}")
    if not history.batches and not history.pilots:
        raise PlanningError(f"{history.dataset} has no labeling batch and no vendor pilot "
                            "measured yet; a plan needs at least one to forecast from")
    return wanted


def batch_size(plan: BatchPlan, history: History) -> int | None:
    """Items per batch (gold included): the contract's, else the history's median batch,
    else None (one batch)."""
    if plan.batch_items:
        return plan.batch_items
    sizes = [b.items for b in history.batches if b.items]
    return round(statistics.median(sizes)) if sizes else None


def make_plan(request: PlanRequest, spec: PlanningSpec, labeling: LabelingSpec | None,
              history: History, refresh: RefreshInputs | None = None) -> Plan:
    """Forecast the work, time and cost of labeling `request.items` items."""
    wanted = _check(request, spec, history)
    target = (labeling.targets["goldAccuracy"] if labeling is not None else 0.0)
    excluded = exclusions(history, wanted, target)
    eligible = [v for v in wanted if v not in {e.vendor for e in excluded}]
    if not eligible:
        raise PlanningError("no vendor is left to label: " + "; ".join(
            f"{e.vendor}: {e.reason}" for e in excluded))
    reviewer = spec.plan.reviewer
    vendors = {v: spec.vendor(v) for v in {*eligible, reviewer}}
    samples = draw_samples(history, vendors, request.settings)
    adjudication = float(np.mean(samples.adjudication))
    work = plan_work(request.items, spec.plan, labeling, adjudication,
                     batch_size(spec.plan, history))
    available = (working_days(request.start, request.deadline)
                 if request.deadline is not None else None)
    choice = choose(work, eligible, vendors, reviewer, samples, available)
    shares = choice.shares
    cost_p90 = float(np.quantile(choice.outcome.cost, 0.9))
    forecast, note = None, ""
    if refresh is None:
        note = "no refresh forecast: no labeled dataset, or no batch yet to size a refresh by"
    elif refresh.cadence is None:
        note = (f"no arrival cadence for {refresh.dataset}: fewer than 4 arrivals over a week "
                "in the raw store and no frequency in its contract")
    else:
        batch = plan_work(refresh.batch_items, spec.plan, labeling, adjudication)
        batch_cost = evaluate(batch, shares, vendors, reviewer, samples).cost
        forecast = refresh_forecast(refresh.dataset, refresh.judged_versions,
                                    refresh.requests, refresh.cadence, batch_cost,
                                    refresh.batch_items, request.settings.seed + 1)
    return Plan(history.dataset, request, spec.currency, work, choice, tuple(excluded),
                _budget(spec, request, history, cost_p90),
                tuple(sensitivity(work, shares, vendors, reviewer, samples, choice.outcome)),
                forecast, history, _vendor_items(shares, work.batch_items), reviewer, note)
