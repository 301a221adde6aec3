"""Budget vs actual: spend to date in the budget period, and the forecast at completion.

- A batch belongs to the period in which its last label was finished (the labeling
  contract's finished column in its validated stage; the batch's measurement time when
  that stage holds no rows for it any more). Spend to date is the total cost of the
  period's batches, per vendor and in all.
- Estimate at completion (EAC) = spend to date + remaining planned items x cost per item,
  where remaining = the budget's plannedItems minus the items the period's batches labeled.
- Cost per item is uncertain: P50 and P90 come from a seeded bootstrap over every batch of
  the dataset (batches drawn with replacement, cost per item = their cost over their items;
  per vendor, the vendor's cost over the same items, so the current vendor mix continues).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np

from governance.contract_model import DatasetContract
from governance.identifiers import qualified, quote_ident
from governance.labeling.spec import labeling_spec
from governance.planning.accuracy import ratio
from governance.planning.spec import Budget, planning_spec
from governance.planning.vendors import batch_history, batch_totals
from governance.stages import VALIDATED
from governance.storage import table_exists
from governance.tables import VERSION_COL

DRAWS = 4000
SEED = 20_261_001


@dataclass(frozen=True)
class BatchSpend:
    """One batch: when it finished, what it cost (per vendor) and whether it is in period."""

    version: str
    finished: date
    items: int
    cost: float
    vendor_cost: dict[str, float]
    in_period: bool


@dataclass(frozen=True)
class VendorSpend:
    """One vendor's spend to date against its allotment, and its forecast at completion."""

    vendor: str
    allotment: float | None
    spent: float
    eac_p50: float
    eac_p90: float

    @property
    def over_allotment(self) -> bool:
        """True when the vendor's EAC P50 exceeds its allotment."""
        return self.allotment is not None and self.eac_p50 > self.allotment


@dataclass(frozen=True)
class BudgetStatus:
    """A dataset's labeling budget against what was spent and what is forecast."""

    dataset: str
    budget: Budget
    batches: tuple[BatchSpend, ...]
    spent: float
    items_done: int
    remaining_items: int
    cost_per_item: float | None  # all batches' cost over their items (the point estimate)
    eac_p50: float
    eac_p90: float
    vendors: tuple[VendorSpend, ...]
    seed: int
    draws: int

    @property
    def remaining(self) -> float:
        """Budget left after the spend to date."""
        return self.budget.amount - self.spent

    @property
    def on_track(self) -> bool:
        """True when the forecast at completion (P50) is within the budget."""
        return self.eac_p50 <= self.budget.amount

    def to_json(self) -> dict[str, Any]:
        """Figures as plain values."""
        b = self.budget
        return {
            "dataset": self.dataset, "currency": b.currency, "budget": b.amount,
            "period": [b.start.isoformat(), b.end.isoformat()],
            "planned_items": b.planned_items, "spent": self.spent,
            "remaining": self.remaining, "items_done": self.items_done,
            "remaining_items": self.remaining_items, "cost_per_item": self.cost_per_item,
            "eac_p50": self.eac_p50, "eac_p90": self.eac_p90, "on_track": self.on_track,
            "bootstrap": {"seed": self.seed, "draws": self.draws,
                          "batches": len(self.batches)},
            "vendors": [{"vendor": v.vendor, "allotment": v.allotment, "spent": v.spent,
                         "eac_p50": v.eac_p50, "eac_p90": v.eac_p90,
                         "over_allotment": v.over_allotment} for v in self.vendors],
            "batches": [{"version": s.version, "finished": s.finished.isoformat(),
                         "items": s.items, "cost": s.cost, "in_period": s.in_period}
                        for s in self.batches]}


def finished_dates(conn: duckdb.DuckDBPyConnection, dataset: str,
                   finished_column: str) -> dict[str, date]:
    """Per version: the day its last label was finished (from the validated stage)."""
    if not table_exists(conn, dataset, VALIDATED):
        return {}
    rows = conn.execute(
        f"SELECT {quote_ident(VERSION_COL)}, max({quote_ident(finished_column)}) "
        f"FROM {qualified(dataset, VALIDATED)} GROUP BY 1").fetchall()
    return {str(v): (f.date() if isinstance(f, datetime) else f) for v, f in rows
            if f is not None}


def batch_spends(conn: duckdb.DuckDBPyConnection, dataset: str, budget: Budget,
                 finished: dict[str, date]) -> list[BatchSpend]:
    """Every batch of a dataset with its cost per vendor, oldest first."""
    by_version: dict[str, dict[str, float]] = {}
    for row in batch_history(conn, dataset):
        by_version.setdefault(str(row["version"]), {})[str(row["vendor"])] = float(
            row["total_cost"] or 0.0)
    out = []
    for row in batch_totals(conn, dataset):
        version = str(row["version"])
        day = finished.get(version) or row["measured_at"].date()
        out.append(BatchSpend(version, day, int(row["items"] or 0),
                              float(row["total_cost"] or 0.0), by_version.get(version, {}),
                              budget.covers(day)))
    return out


def bootstrap_cost_per_item(items: Sequence[int], costs: Sequence[Sequence[float]],
                            draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """Resampled cost per item: rows are draws, columns the cost series (batches resampled).

    `costs` holds one series per column (e.g. the total, then each vendor), each with one
    value per batch; every draw resamples the same batches for all series.
    """
    weights = np.asarray(items, dtype=float)
    matrix = np.asarray(costs, dtype=float).T  # batches x series
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(weights), size=(draws, len(weights)))
    items_drawn = weights[picks].sum(axis=1)
    costs_drawn = matrix[picks].sum(axis=1)  # draws x series
    return costs_drawn / items_drawn[:, None]


def budget_status(conn: duckdb.DuckDBPyConnection, dataset: str, budget: Budget,
                  finished_column: str, *, draws: int = DRAWS,
                  seed: int = SEED) -> BudgetStatus:
    """Spend to date in the budget period and the forecast at completion, per vendor too."""
    batches = batch_spends(conn, dataset, budget, finished_dates(conn, dataset,
                                                                 finished_column))
    period = [b for b in batches if b.in_period]
    spent = sum(b.cost for b in period)
    items_done = sum(b.items for b in period)
    remaining_items = max(0, (budget.planned_items or 0) - items_done)
    names = sorted({v for b in batches for v in b.vendor_cost} | set(budget.vendors))
    vendor_spent = {n: sum(b.vendor_cost.get(n, 0.0) for b in period) for n in names}
    usable = [b for b in batches if b.items > 0]
    if usable and remaining_items:
        series = [[b.cost for b in usable],
                  *([b.vendor_cost.get(n, 0.0) for b in usable] for n in names)]
        per_item = bootstrap_cost_per_item([b.items for b in usable], series, draws, seed)
        eac = np.percentile(per_item * remaining_items, [50, 90], axis=0)
    else:
        # Nothing left to label, or no batch to price it from: the forecast is the spend.
        eac = np.zeros((2, len(names) + 1))
    vendors = tuple(VendorSpend(n, budget.vendors.get(n), vendor_spent[n],
                                vendor_spent[n] + float(eac[0][i + 1]),
                                vendor_spent[n] + float(eac[1][i + 1]))
                    for i, n in enumerate(names))
    return BudgetStatus(
        dataset, budget, tuple(batches), spent, items_done, remaining_items,
        ratio(sum(b.cost for b in usable), sum(b.items for b in usable)),
        spent + float(eac[0][0]), spent + float(eac[1][0]), vendors, seed, draws)


def contract_budget_status(conn: duckdb.DuckDBPyConnection,
                           contract: DatasetContract) -> BudgetStatus | None:
    """The budget status of an annotation dataset; None without a labeling budget."""
    labeling, plan = labeling_spec(contract), planning_spec(contract)
    if labeling is None or plan is None or plan.budget is None:
        return None
    return budget_status(conn, contract.name, plan.budget, labeling.column("finishedAt"))

