"""The measured labeling history of a dataset, read from the warehouse for planning.

Per batch (dataset version): items, labels, gold ratings, adjudications, audit reviews,
cost, date, and each annotator's throughput (labels per active hour) with their vendor.
Per vendor, pooled over every batch and every vendor pilot: gold answers right out of
gold answers given, and cost per label. Pilot timings stand in for a vendor's throughput
only when it has labeled no batch (a pilot is a gold-only task, not the batch work).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from governance.identifiers import check_dataset_name, qualified
from governance.planning.accuracy import accuracy_from_shares
from governance.planning.pilot import stored_pilots
from governance.planning.vendors import batch_history
from governance.storage import table_exists
from governance.tables import (
    LABELING_ANNOTATORS,
    LABELING_BATCHES,
    MAIN,
    version_number,
)

Rates = dict[str, tuple[float, ...]]  # vendor -> per-annotator labels per active hour


@dataclass(frozen=True)
class BatchHistory:
    """One labeling batch as measured: its work, cost, date and annotators' throughput."""

    version: str
    items: int
    labels: int
    gold_ratings: int
    adjudication_items: int
    audit_reviews: int
    total_cost: float
    at: datetime | None
    rates: Rates = field(default_factory=dict, hash=False)
    labels_by_vendor: dict[str, int] = field(default_factory=dict, hash=False)
    cost_by_vendor: dict[str, float] = field(default_factory=dict, hash=False)

    @property
    def adjudication_share(self) -> float:
        """Adjudicated items per labeled item."""
        return self.adjudication_items / self.items if self.items else 0.0


@dataclass(frozen=True)
class History:
    """What a dataset's batches and vendor pilots measured, oldest batch first."""

    dataset: str
    batches: tuple[BatchHistory, ...] = ()
    pilots: tuple[str, ...] = ()
    gold: dict[str, tuple[int, int]] = field(default_factory=dict, hash=False)  # (right, all)
    pilot_rates: Rates = field(default_factory=dict, hash=False)
    pilot_cost_per_label: dict[str, float] = field(default_factory=dict, hash=False)

    def vendor_batches(self, vendor: str) -> tuple[BatchHistory, ...]:
        """The batches a vendor labeled in (with a measured throughput)."""
        return tuple(b for b in self.batches if b.rates.get(vendor))

    def measured(self, vendor: str) -> bool:
        """True when the history holds a throughput for the vendor (batches or pilot)."""
        return bool(self.vendor_batches(vendor) or self.pilot_rates.get(vendor))

    def cost_per_label(self, vendor: str) -> float | None:
        """What a vendor's labels cost on average over its batches (pilot when none)."""
        labels = sum(b.labels_by_vendor.get(vendor, 0) for b in self.batches)
        cost = sum(b.cost_by_vendor.get(vendor, 0.0) for b in self.batches)
        if labels:
            return cost / labels
        return self.pilot_cost_per_label.get(vendor)

    def until(self, version: str) -> History:
        """The history as it was before a batch: earlier batches only (for backtests)."""
        cut = version_number(version)
        return History(self.dataset, tuple(b for b in self.batches
                                           if version_number(b.version) < cut),
                       self.pilots, self.gold, self.pilot_rates, self.pilot_cost_per_label)


def _rows(conn: duckdb.DuckDBPyConnection, table: str, columns: str, dataset: str,
          order: str) -> list[tuple]:
    if not table_exists(conn, MAIN, table):
        return []
    return conn.execute(f"SELECT {columns} FROM {qualified(MAIN, table)} WHERE dataset = ? "
                        f"ORDER BY {order}", [dataset]).fetchall()


def _rate(labels: float, per_hour: float | None) -> float | None:
    ok = per_hour is not None and math.isfinite(per_hour) and per_hour > 0 and labels > 0
    return float(per_hour) if ok else None


def read_history(conn: duckdb.DuckDBPyConnection, dataset: str,
                 dates: Mapping[str, datetime] | None = None) -> History:
    """A dataset's labeling history; a batch is dated by `dates` (else its measured_at)."""
    check_dataset_name(dataset)
    dates = dates or {}
    rates: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cost: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for version, vendor, n, per_hour, per_label in _rows(
            conn, LABELING_ANNOTATORS, "version, vendor, labels, labels_per_hour, "
            "cost_per_label", dataset, "version, vendor, annotator"):
        n = int(n or 0)
        labels[version][vendor] += n
        if per_label is not None and math.isfinite(per_label):
            cost[version][vendor] += per_label * n
        if (rate := _rate(n, per_hour)) is not None:
            rates[version][vendor].append(rate)
    shares: dict[str, list[tuple[float | None, int | None]]] = defaultdict(list)
    for row in batch_history(conn, dataset):
        shares[str(row["vendor"])].append((row["gold_accuracy"], row["gold_items"]))
    gold: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for vendor, pairs in shares.items():
        pooled = accuracy_from_shares(pairs)  # the vendor comparison pools them so too
        gold[vendor] = [pooled.correct, pooled.total]
    batches = []
    for row in _rows(conn, LABELING_BATCHES, "version, items, labels, gold_ratings, "
                     "adjudication_items, audit_size, total_cost, measured_at", dataset,
                     "version"):
        version = row[0]
        batches.append(BatchHistory(
            version, int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), int(row[4] or 0),
            int(row[5] or 0), float(row[6] or 0.0), dates.get(version) or row[7],
            {v: tuple(r) for v, r in rates[version].items()}, dict(labels[version]),
            dict(cost[version])))
    batches.sort(key=lambda b: version_number(b.version))
    pilots: set[str] = set()
    pilot_rates: dict[str, list[float]] = defaultdict(list)
    pilot_cost: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in stored_pilots(conn, dataset):
        pilot, vendor, n, right, given, seconds, spent = (row[c] for c in (
            "pilot", "vendor", "labels", "gold_correct", "gold_items", "active_seconds", "cost"))
        pilots.add(pilot)
        gold[vendor][0] += int(right or 0)
        gold[vendor][1] += int(given or 0)
        if n and seconds and seconds > 0:
            pilot_rates[vendor].append(n * 3600.0 / seconds)
        if n and spent is not None:
            pilot_cost[vendor][0] += float(spent)
            pilot_cost[vendor][1] += int(n)
    return History(dataset, tuple(batches), tuple(sorted(pilots)),
                   {v: (c, n) for v, (c, n) in gold.items()},
                   {v: tuple(r) for v, r in pilot_rates.items()},
                   {v: c / n for v, (c, n) in pilot_cost.items() if n})
