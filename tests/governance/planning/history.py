"""A hand-made labeling history: three batches by two vendors, and a pilot with a third.

Batch v1 is labeled before the budget period (2026-10-01..2026-12-31), v2 and v3 in it.
Each batch labels 100 items; vendor A costs 10, 20, 30 and vendor B 10 each batch, so the
batches' cost per item is 0.2, 0.3 and 0.4. A's gold accuracy is 90 %, 95 %, 100 % on 40
gold labels a batch (so 114 of 120 pooled); B's 75 % on 40 a batch (90 of 120).
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from governance.planning.pilot import write_pilot
from governance.planning.spec import Budget
from governance.storage import replace_rows
from governance.tables import BATCH_COLUMNS, LABELING_BATCHES, LABELING_VENDORS, VENDOR_COLUMNS

DATASET = "support_ticket_labels"
BUDGET = Budget(400.0, "USD", date(2026, 10, 1), date(2026, 12, 31), 1000,
                {"A": 250.0, "B": 150.0})
_MEASURED = {"v1": datetime(2026, 9, 20), "v2": datetime(2026, 10, 20),
             "v3": datetime(2026, 11, 20)}
_A = {"v1": (0.90, 10.0), "v2": (0.95, 20.0), "v3": (1.0, 30.0)}
_B_COST = 10.0


def _vendor_row(version: str, vendor: str, accuracy: float, cost: float,
                p90: float) -> list[object]:
    row = {"dataset": DATASET, "version": version, "vendor": vendor, "annotators": 2,
           "labels": 150, "items": 100, "gold_items": 40, "gold_accuracy": accuracy,
           "gold_upper": None, "agreement_rate": 0.9 if vendor == "A" else 0.7,
           "median_seconds": 20.0, "p90_seconds": p90, "labels_per_hour": 100.0,
           "total_cost": cost, "cost_per_item": cost / 100, "audited": 50,
           "audit_accuracy": 0.96 if vendor == "A" else 0.8, "flagged_annotators": 0}
    return [row[c] for c, _ in VENDOR_COLUMNS]


def _batch_row(version: str, cost: float) -> list[object]:
    row = {c: None for c, _ in BATCH_COLUMNS}
    row.update(dataset=DATASET, version=version, items=100, labels=300, total_cost=cost,
               cost_per_item=cost / 100, measured_at=_MEASURED[version])
    return [row[c] for c, _ in BATCH_COLUMNS]


def write_history(conn: duckdb.DuckDBPyConnection, pilot: bool = True) -> None:
    """Store the three batches (and the pilot) in labeling_batches/_vendors/_pilots."""
    for n, (version, (accuracy, cost)) in enumerate(_A.items()):
        key = {"dataset": DATASET, "version": version}
        replace_rows(conn, "main", LABELING_VENDORS, VENDOR_COLUMNS, key, [
            _vendor_row(version, "A", accuracy, cost, 40.0 + 10 * n),
            _vendor_row(version, "B", 0.75, _B_COST, 20.0)])
        replace_rows(conn, "main", LABELING_BATCHES, BATCH_COLUMNS, key,
                     [_batch_row(version, cost + _B_COST)])
    if pilot:
        at = datetime(2026, 11, 1)
        write_pilot(conn, DATASET, "p1", [
            (DATASET, "p1", "A", "A-1", 20, 20, 20, 1200.0, 60.0, 2.0, at),
            (DATASET, "p1", "C", "C-1", 20, 20, 14, 400.0, 20.0, 0.6, at)])
