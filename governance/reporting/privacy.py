"""Privacy section: undeclared personal data found, deliveries and exports refused, erasure
requests served, retention purges done and due, legal holds. Counts and names only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from governance.audit import AuditEntry
from governance.contracts import DatasetContract
from governance.holds import HoldBook
from governance.identifiers import qualified
from governance.rawstore import RawVersion
from governance.reporting.model import Finding, Privacy
from governance.reporting.period import DUE_AHEAD, Period, utc_naive
from governance.reporting.sql import rows
from governance.retention import retention_plan
from governance.tables import ERASURE_TOMBSTONES, PII_FINDINGS, RETENTION_LOG

# Refusals the audit trail records at these stages stop data from leaving.
REFUSED_STAGES = ("delivered", "export")


def undeclared(conn: duckdb.DuckDBPyConnection, contracts: Iterable[DatasetContract],
               period: Period) -> list[Finding]:
    """Columns where the scan found personal data the contract does not declare."""
    out = []
    window = [utc_naive(period.start), utc_naive(period.as_of)]
    for contract in contracts:
        for version, column, entity in rows(
                conn, f"SELECT _version, column_name, coalesce(entity, kind, '') FROM "
                f"{qualified(contract.name, PII_FINDINGS)} WHERE detected_personal AND NOT "
                "declared_personal AND scanned_at > ? AND scanned_at <= ?", window):
            out.append(Finding(contract.name, version, column, entity))
    return sorted(out, key=lambda f: (f.dataset, int(f.version[1:]), f.column, f.entity))


def _count(conn: duckdb.DuckDBPyConnection, table: str, column: str, period: Period) -> int:
    found = rows(conn, f"SELECT count(*) FROM main.{table} WHERE {column} > ? AND {column} <= ?",
                 [utc_naive(period.start), utc_naive(period.as_of)])
    return int(found[0][0]) if found else 0


def refusals(entries: Iterable[AuditEntry], period: Period) -> int:
    """Deliveries and exports the audit trail records as refused in the week."""
    return sum(1 for e in entries if e.action == "refuse"
               and e.details.get("stage") in REFUSED_STAGES
               and period.in_week(datetime.fromisoformat(e.at)))


def privacy(conn: duckdb.DuckDBPyConnection, contracts: list[DatasetContract], period: Period,
            raw: dict[str, list[RawVersion]], holds: HoldBook,
            audit_entries: Iterable[AuditEntry]) -> Privacy:
    """The privacy section's figures."""
    due = 0
    now, ahead = utc_naive(period.as_of), utc_naive(period.as_of + DUE_AHEAD)
    for contract in contracts:
        for item in retention_plan(contract, raw.get(contract.name, []), holds, conn):
            if not item.done and not item.held and now < item.due_at <= ahead:
                due += 1
    return Privacy(
        undeclared=tuple(undeclared(conn, contracts, period)),
        deliveries_refused=refusals(audit_entries, period),
        erasures=_count(conn, ERASURE_TOMBSTONES, "erased_at", period),
        purges_done=_count(conn, RETENTION_LOG, "executed_at", period),
        purges_due=due, holds=len(holds.list()))
