"""Vendor comparison for selection: every vendor over all of a dataset's batches.

Per vendor, the per-batch rows of `main.labeling_vendors` are pooled:
- gold and audit accuracy: the correct answers of every batch added up (each batch's share
  times its judged count), with the 95 % Wilson interval of the pooled count;
- agreement with consensus: the labels-weighted mean of the batches' rates;
- turnaround p90 (seconds per label): a p90 of all labels cannot be rebuilt from per-batch
  p90s, so the labels-weighted mean of the batch p90s is shown as the typical value and
  the largest batch p90 beside it, which bounds the pooled p90 from above (at least 90 %
  of every batch's labels, so of all labels, took no longer);
- cost per label and per item: total cost over total labels and over total items;
- cost per correct label: cost per label / pooled gold accuracy;
- trend: per-batch gold accuracy and cost per item, and their least-squares slope per
  batch (scipy.stats.linregress) once there are three batches or more.
The latest vendor pilot (governance/planning/pilot.py) is shown beside. A vendor is marked
surely below target when the upper end of an interval is under the contract's target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from governance.planning.accuracy import (
    Accuracy,
    accuracy_from_shares,
    cost_per_correct_label,
    ratio,
)
from governance.planning.pilot import PilotVendor, compare_pilots, latest_pilot, stored_pilots
from governance.storage import records, table_exists
from governance.tables import LABELING_BATCHES, LABELING_VENDORS, version_number

MIN_TREND_BATCHES = 3


@dataclass(frozen=True)
class Trend:
    """Per-batch series (oldest first) and their slopes per batch when there are enough."""

    versions: tuple[str, ...]
    accuracy: tuple[float | None, ...]
    cost_per_item: tuple[float | None, ...]
    accuracy_slope: float | None
    cost_slope: float | None

    @property
    def note(self) -> str:
        """How the trend reads: the slopes, or why there is none."""
        if self.accuracy_slope is None and self.cost_slope is None:
            return (f"not enough batches ({len(self.versions)}; a trend needs "
                    f"{MIN_TREND_BATCHES})")
        parts = []
        if self.accuracy_slope is not None:
            parts.append(f"accuracy {self.accuracy_slope * 100:+.2f} pts/batch")
        if self.cost_slope is not None:
            parts.append(f"cost per item {self.cost_slope:+.4f}/batch")
        return ", ".join(parts)


@dataclass(frozen=True)
class VendorRecord:
    """One vendor over every batch of a dataset, with its latest pilot beside."""

    vendor: str
    versions: tuple[str, ...]
    labels: int
    items: int
    gold: Accuracy
    audit: Accuracy
    agreement: float | None
    turnaround_p90: float | None        # labels-weighted mean of the batch p90s (s/label)
    turnaround_p90_worst: float | None  # the largest batch p90: an upper bound
    total_cost: float
    trend: Trend
    pilot: PilotVendor | None = None
    declared: bool = False  # named in the contract's labeling.vendors
    below_target: tuple[str, ...] = field(default=())

    @property
    def cost_per_label(self) -> float | None:
        """Total cost over total labels."""
        return ratio(self.total_cost, self.labels)

    @property
    def cost_per_item(self) -> float | None:
        """Total cost over the items the vendor labeled (summed per batch)."""
        return ratio(self.total_cost, self.items)

    @property
    def cost_per_correct_label(self) -> float | None:
        """Cost per label / pooled gold accuracy."""
        return cost_per_correct_label(self.cost_per_label, self.gold.estimate)

    def to_json(self) -> dict[str, Any]:
        """The record as plain values."""
        return {
            "vendor": self.vendor, "batches": list(self.versions), "labels": self.labels,
            "items": self.items, "gold_accuracy": self.gold.to_json(),
            "audit_accuracy": self.audit.to_json(), "agreement": self.agreement,
            "turnaround_p90_seconds": self.turnaround_p90,
            "turnaround_p90_worst_batch_seconds": self.turnaround_p90_worst,
            "total_cost": self.total_cost, "cost_per_label": self.cost_per_label,
            "cost_per_item": self.cost_per_item,
            "cost_per_correct_label": self.cost_per_correct_label,
            "trend": {"versions": list(self.trend.versions),
                      "accuracy": list(self.trend.accuracy),
                      "cost_per_item": list(self.trend.cost_per_item),
                      "accuracy_slope": self.trend.accuracy_slope,
                      "cost_slope": self.trend.cost_slope, "note": self.trend.note},
            "pilot": None if self.pilot is None else self.pilot.to_json(),
            "declared": self.declared, "surely_below_target": bool(self.below_target),
            "reasons": list(self.below_target)}


@dataclass(frozen=True)
class VendorComparison:
    """Every vendor of a dataset, the targets they were judged by, and the pilot shown."""

    dataset: str
    vendors: tuple[VendorRecord, ...]
    gold_target: float | None
    audit_target: float | None
    pilot: str | None
    pilot_vendors: tuple[PilotVendor, ...] = ()

    @property
    def marked(self) -> dict[str, list[str]]:
        """Vendors surely below a target, with the reasons."""
        return {v.vendor: list(v.below_target) for v in self.vendors if v.below_target}


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _weighted(pairs: Iterable[tuple[Any, Any]]) -> float | None:
    known = [(float(v), float(w)) for v, w in pairs
             if _number(v) is not None and _number(w) is not None and w > 0]
    total = sum(w for _, w in known)
    return sum(v * w for v, w in known) / total if total else None


def _slope(values: tuple[float | None, ...]) -> float | None:
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < MIN_TREND_BATCHES:
        return None
    # Imported on use: scipy is heavy and most steps importing this module draw no trend.
    from scipy.stats import linregress

    return float(linregress([p[0] for p in points], [p[1] for p in points]).slope)


def batch_history(conn: duckdb.DuckDBPyConnection, dataset: str) -> list[dict[str, Any]]:
    """Every batch's per-vendor row of a dataset, oldest batch first."""
    if not table_exists(conn, "main", LABELING_VENDORS):
        return []
    rows = records(conn, f"SELECT * FROM main.{LABELING_VENDORS} WHERE dataset = ?",
                   [dataset])
    return sorted(rows, key=lambda r: (version_number(str(r["version"])), r["vendor"]))


def batch_totals(conn: duckdb.DuckDBPyConnection, dataset: str) -> list[dict[str, Any]]:
    """Every batch's summary row of a dataset (items, cost, when measured), oldest first."""
    if not table_exists(conn, "main", LABELING_BATCHES):
        return []
    rows = records(conn, f"SELECT version, items, labels, total_cost, cost_per_item, "
                   f"measured_at FROM main.{LABELING_BATCHES} WHERE dataset = ?", [dataset])
    return sorted(rows, key=lambda r: version_number(str(r["version"])))


def vendor_record(vendor: str, rows: list[dict[str, Any]]) -> VendorRecord:
    """Pool one vendor's per-batch rows (oldest first) into its record, unjudged."""
    accuracy = tuple(_number(r["gold_accuracy"]) for r in rows)
    per_item = tuple(_number(r["cost_per_item"]) for r in rows)
    p90s = [_number(r["p90_seconds"]) for r in rows]
    return VendorRecord(
        vendor=vendor, versions=tuple(str(r["version"]) for r in rows),
        labels=sum(int(r["labels"] or 0) for r in rows),
        items=sum(int(r["items"] or 0) for r in rows),
        gold=accuracy_from_shares([(r["gold_accuracy"], r["gold_items"]) for r in rows]),
        audit=accuracy_from_shares([(r["audit_accuracy"], r["audited"]) for r in rows]),
        agreement=_weighted((r["agreement_rate"], r["labels"]) for r in rows),
        turnaround_p90=_weighted((r["p90_seconds"], r["labels"]) for r in rows),
        turnaround_p90_worst=max((p for p in p90s if p is not None), default=None),
        total_cost=float(sum(_number(r["total_cost"]) or 0.0 for r in rows)),
        trend=Trend(tuple(str(r["version"]) for r in rows), accuracy, per_item,
                    _slope(accuracy), _slope(per_item)))


def _judged(record: VendorRecord, pilot_gold: Accuracy, gold_target: float | None,
            audit_target: float | None) -> tuple[str, ...]:
    # Gold answers pool over batches and pilots: the rule `dataops plan` excludes by
    # (governance/planning/mix.py), so the comparison and the plan never disagree on it.
    pooled = Accuracy(record.gold.correct + pilot_gold.correct,
                      record.gold.total + pilot_gold.total)
    reasons = [pooled.shortfall("gold accuracy over batches and pilots", gold_target,
                                     "gold answers"),
               record.audit.shortfall("audited accuracy", audit_target)]
    return tuple(r for r in reasons if r)


def compare_vendors(conn: duckdb.DuckDBPyConnection, dataset: str, gold_target: float | None,
                    audit_target: float | None,
                    declared: Iterable[str] = ()) -> VendorComparison:
    """Every vendor of a dataset over all its batches, its latest pilot beside, judged."""
    by_vendor: dict[str, list[dict[str, Any]]] = {}
    for row in batch_history(conn, dataset):
        by_vendor.setdefault(str(row["vendor"]), []).append(row)
    pilot_rows = stored_pilots(conn, dataset)
    pilot = latest_pilot(pilot_rows)
    pilots = compare_pilots([r for r in pilot_rows if r["pilot"] == pilot], gold_target)
    by_pilot = {p.vendor: p for p in pilots}
    declared = set(declared)
    names = sorted(set(by_vendor) | set(by_pilot) | declared)
    out = []
    for name in names:
        record = replace(vendor_record(name, by_vendor.get(name, [])),
                         pilot=by_pilot.get(name), declared=name in declared)
        pilot_gold = Accuracy(
            sum(int(r["gold_correct"]) for r in pilot_rows if r["vendor"] == name),
            sum(int(r["gold_items"]) for r in pilot_rows if r["vendor"] == name))
        out.append(replace(record, below_target=_judged(record, pilot_gold, gold_target,
                                                        audit_target)))
    return VendorComparison(dataset, tuple(out), gold_target, audit_target, pilot,
                            tuple(pilots))
