"""A small support-tickets warehouse: versions loaded and delivered as the pipeline does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from governance.consent.scope import deliver_purposes
from governance.pii.treatment import TreatmentReport
from governance.settings import Layout
from governance.stages import build_cleaned, build_delivered, build_validated, export_delivered
from governance.storage import delete_version, ensure_stage_table, insert_batches, transaction
from governance.tables import ROW_ID

KEY = "test-hash-key"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=30)


def ticket_rows(emails: list[str], first: int = 1) -> pa.Table:
    """Ticket rows, one per e-mail address given (bodies without personal values)."""
    return pa.Table.from_pylist([
        {ROW_ID: i + 1, "ticket_id": f"T-{first + i:06d}", "created_at": datetime(2026, 11, 1),
         "customer_name": "Someone", "customer_email": email, "channel": "email",
         "subject": f"Order {i}", "body": "The parcel did not arrive.", "category": "billing",
         "priority": 2} for i, email in enumerate(emails)])


def deliver(conn: duckdb.DuckDBPyConnection, layout: Layout, contract, version: str,
            emails: list[str], now: datetime = NOW):
    """Load, clean, validate and deliver a version; return the consent scopes."""
    intake = ensure_stage_table(conn, contract, "intake")
    with transaction(conn):
        delete_version(conn, intake, version)
        insert_batches(conn, intake, version, [ticket_rows(emails)])
        build_cleaned(conn, contract, version)
        build_validated(conn, contract, version)
    # Delivery reads the validated rows through a second cursor: committed rows only.
    with transaction(conn):
        build_delivered(conn, contract, version, KEY, TreatmentReport())
        export_delivered(conn, contract, version, layout.delivered_file(contract.name, version))
        return deliver_purposes(conn, layout, contract, version, KEY, now)


@pytest.fixture
def layout(tmp_path) -> Layout:
    """A data directory for the consent ledger and delivered files."""
    return Layout(tmp_path / "data")


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse."""
    return duckdb.connect()
