"""A small constructed state for the weekly report: every figure is known by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.contracts import DatasetContract
from governance.holds import HoldBook
from governance.incidents.book import IncidentBook
from governance.incidents.model import HIGH, MEDIUM, QUALITY, Signal
from governance.rawstore import RawStore
from governance.reporting.model import RunOutcome, SloEvaluation
from governance.settings import Layout
from governance.storage import ensure_table
from governance.tables import (
    ADJUDICATION_COLUMNS,
    ANNOTATOR_COLUMNS,
    BATCH_COLUMNS,
    CHECK_RESULTS_COLUMNS,
    DRIFT_SUMMARY_COLUMNS,
    PII_FINDINGS_COLUMNS,
    QUALITY_METRICS_COLUMNS,
    RETENTION_LOG_COLUMNS,
    TOMBSTONE_COLUMNS,
    VENDOR_COLUMNS,
)
from governance.warehouse import EMBEDDED, open_warehouse

# Monday 08:00 UTC: the week is (2026-03-02 08:00, 2026-03-09 08:00].
AS_OF = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
IN_WEEK = datetime(2026, 3, 5, 12, 0)          # naive UTC, as the warehouse stores times
PREVIOUS = datetime(2026, 2, 25, 12, 0)
BASELINE = datetime(2026, 2, 10, 12, 0)
TICKETS, LABELS = "support_tickets", "support_ticket_labels"


def _insert(conn, schema: str, table: str, columns, rows: list[tuple]) -> None:
    name = ensure_table(conn, schema, table, columns)
    marks = ", ".join("?" for _ in columns)
    for row in rows:
        conn.execute(f"INSERT INTO {name} VALUES ({marks})", list(row))


def _batch(version: str, at: datetime) -> tuple:
    values = {c: None for c, _ in BATCH_COLUMNS}
    values.update(dataset=LABELS, version=version, items=100, labels=300, total_cost=40.0,
                  cost_per_item=0.4, labels_per_hour=80.0, median_seconds=30.0,
                  p90_seconds=60.0, gold_ratings=50, gold_accuracy=0.9, audited=100,
                  audit_accuracy=0.95, measured_at=at)
    return tuple(values[c] for c, _ in BATCH_COLUMNS)


def build_state(data_dir: Path, contracts: dict[str, DatasetContract]) -> None:
    """Write the constructed warehouse, raw store, holds and incidents."""
    layout = Layout(data_dir)
    with open_warehouse(layout, EMBEDDED).session() as conn:
        q = []
        for version, at, value in (("v1", BASELINE, 0.90), ("v2", PREVIOUS, 0.96),
                                   ("v3", IN_WEEK, 0.97), ("v4", IN_WEEK, 0.95)):
            q.append((TICKETS, version, "completeness", "*", value, 0.98, value >= 0.98, at))
            q.append((TICKETS, version, "validity", "*", 1.0, 0.995, True, at))
            q.append((TICKETS, version, "freshness", "*", 10.0, 168.0, True, at))
            q.append((TICKETS, version, "completeness", "body", 0.5, 0.98, False, at))
        _insert(conn, "main", "quality_metrics", QUALITY_METRICS_COLUMNS, q)
        _insert(conn, "main", "check_results", CHECK_RESULTS_COLUMNS, [
            (TICKETS, "v2", "required_values", "error", True, False, 10, 100, PREVIOUS),
            (TICKETS, "v3", "unique_keys", "error", True, False, 10, 5, IN_WEEK),
            (TICKETS, "v4", "unique_keys", "error", True, False, 10, 3, IN_WEEK),
            (TICKETS, "v4", "allowed_values", "error", True, False, 10, 2, IN_WEEK),
            (TICKETS, "v4", "row_count", "error", True, True, 10, 0, IN_WEEK)])
        _insert(conn, TICKETS, "pii_findings", PII_FINDINGS_COLUMNS, [
            ("v3", "customer_phone", False, False, True, "phone", "PHONE_NUMBER", 0.4, 0.9,
             4, 10, "full", IN_WEEK),
            ("v3", "customer_email", True, True, True, "email", "EMAIL_ADDRESS", 1.0, 1.0,
             10, 10, "full", IN_WEEK),
            ("v2", "notes", False, False, True, "person", "PERSON", 0.4, 0.9, 4, 10, "full",
             PREVIOUS)])
        _insert(conn, "main", "erasure_tombstones", TOMBSTONE_COLUMNS, [
            (TICKETS, "customer_email", "a" * 64, IN_WEEK),
            ("loan_applications", "email", "b" * 64, IN_WEEK),
            (TICKETS, "customer_email", "c" * 64, PREVIOUS)])
        _insert(conn, "main", "retention_log", RETENTION_LOG_COLUMNS, [
            (TICKETS, "v0", "*", "delete", IN_WEEK, 10)])
        _insert(conn, "main", "labeling_batches", BATCH_COLUMNS,
                [_batch("v1", IN_WEEK), _batch("v0", BASELINE)])
        ann = {c: None for c, _ in ANNOTATOR_COLUMNS}
        _insert(conn, "main", "labeling_annotators", ANNOTATOR_COLUMNS, [
            tuple({**ann, "dataset": LABELS, "version": "v1", "annotator": a, "flagged": f}[c]
                  for c, _ in ANNOTATOR_COLUMNS) for a, f in (("AC-01", False), ("AC-03", True))])
        ven = {c: None for c, _ in VENDOR_COLUMNS}
        _insert(conn, "main", "labeling_vendors", VENDOR_COLUMNS, [
            tuple({**ven, "dataset": LABELS, "version": v, "vendor": name, "total_cost": cost,
                   "labels": n}[c] for c, _ in VENDOR_COLUMNS)
            for v, name, cost, n in (("v1", "acme", 15.0, 100), ("v1", "in_house", 25.0, 200),
                                     ("v0", "acme", 99.0, 300))])
        _insert(conn, LABELS, "adjudication_queue", ADJUDICATION_COLUMNS, [
            ("v1", f"item-{i}", "tie", 3, 1, 0.33, 3, "tie") for i in range(3)])
        drift = {c: None for c, _ in DRIFT_SUMMARY_COLUMNS}
        _insert(conn, "main", "drift_summary", DRIFT_SUMMARY_COLUMNS, [
            tuple({**drift, "dataset": TICKETS, "version": v, "dataset_drift": d,
                   "measured_at": at}[c] for c, _ in DRIFT_SUMMARY_COLUMNS)
            for v, d, at in (("v3", True, IN_WEEK), ("v4", False, IN_WEEK),
                             ("v2", True, PREVIOUS))])
    source = data_dir / "batch.csv"
    source.write_text("ticket_id\n1\n")
    store = RawStore(layout.raw_dir)
    for i, at in enumerate((datetime(2025, 12, 20, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC),
                            datetime(2026, 3, 5, tzinfo=UTC))):
        source.write_text(f"ticket_id\n{i}\n")
        store.put(TICKETS, source, now=at)
    HoldBook(layout.holds_file).add(TICKETS, "v2", "case 17", now=AS_OF - timedelta(days=20))
    book = IncidentBook(layout, contracts)
    opened = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    book.record(Signal(TICKETS, "v3", "unique_keys", QUALITY, HIGH, opened,
                "5 duplicate keys"))
    low, _ = book.record(Signal(TICKETS, "v4", "allowed_values", QUALITY, MEDIUM, opened,
                                "2 values outside the list"))
    book.acknowledge(low.id, "someone", opened + timedelta(hours=1))
    book.resolve(low.id, "upstream source change", "fixed upstream", "someone",
                 opened + timedelta(hours=5))
    old, _ = book.record(Signal(TICKETS, "v2", "required_values", QUALITY, MEDIUM,
                                datetime(2026, 2, 20, tzinfo=UTC), "nulls"))
    book.acknowledge(old.id, "someone", datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    book.waive(old.id, "known gap", datetime(2026, 3, 12, tzinfo=UTC), "someone",
               datetime(2026, 3, 3, 10, 0, tzinfo=UTC))


OUTCOMES = [
    RunOutcome(TICKETS, "v2", "blocked", datetime(2026, 2, 25, tzinfo=UTC), False),
    RunOutcome(TICKETS, "v3", "delivered", datetime(2026, 3, 5, 13, tzinfo=UTC), True),
    RunOutcome(TICKETS, "v4", "blocked", datetime(2026, 3, 6, tzinfo=UTC), False, True),
    RunOutcome(TICKETS, "v5", "failed", datetime(2026, 3, 7, tzinfo=UTC), False),
    RunOutcome(TICKETS, "v6", "delivered", datetime(2026, 3, 8, tzinfo=UTC), False),
]
EVALUATIONS = [
    SloEvaluation(TICKETS, "latency_within_slo", "latency", "v3",
                  datetime(2026, 3, 5, 13, tzinfo=UTC), True),
    SloEvaluation(TICKETS, "latency_within_slo", "latency", "v6",
                  datetime(2026, 3, 8, tzinfo=UTC), False),
    # v6 evaluated twice: the latest counts.
    SloEvaluation(TICKETS, "latency_within_slo", "latency", "v6",
                  datetime(2026, 3, 8, 1, tzinfo=UTC), True),
    SloEvaluation(TICKETS, "arrival_on_schedule", "frequency", "v3",
                  datetime(2026, 3, 5, tzinfo=UTC), False),
    SloEvaluation(TICKETS, "arrival_on_schedule", "frequency", "v1",
                  datetime(2026, 2, 1, tzinfo=UTC), True),
]


@pytest.fixture
def state(data_dir: Path, contracts: dict[str, DatasetContract]) -> Path:
    """The constructed data directory."""
    build_state(data_dir, contracts)
    return data_dir


@pytest.fixture
def backend() -> str:
    """The constructed state is written to the embedded DuckDB file."""
    return EMBEDDED
