"""Stage storage: versions replaced atomically, names quoted, cleaning and the delivery gate."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime

import pyarrow as pa
import pytest

from governance.errors import InvalidNameError
from governance.identifiers import qualified
from governance.intake import ROW_ID, QuarantinedRecord
from governance.pii.treatment import TreatmentReport, keyed_hash
from governance.settings import Layout
from governance.stages import (
    build_cleaned,
    build_delivered,
    build_validated,
    delivery_blockers,
    export_delivered,
)
from governance.storage import (
    as_of_utc,
    count_rows,
    delete_version,
    ensure_stage_table,
    insert_batches,
    transaction,
    write_quarantine,
)
from governance.warehouse import (
    BACKENDS,
    EmbeddedWarehouse,
    ParquetWarehouse,
    Warehouse,
    open_warehouse,
)


def _batch(contract, start: int, n: int, **over) -> pa.Table:
    rows = []
    for i in range(start, start + n):
        row = {ROW_ID: i + 1, "ticket_id": f"T-{i:06d}", "created_at": datetime(2026, 11, 1),
               "customer_name": "  Ann  ", "customer_email": f" ANN{i}@Example.com ",
               "channel": "Email", "subject": " ", "body": "Hi", "category": "billing",
               "priority": 2}
        row.update(over)
        rows.append(row)
    return pa.Table.from_pylist(rows)


@pytest.fixture(params=BACKENDS)
def wh(request, tmp_path) -> Warehouse:
    """Each test runs on the embedded DuckDB file and on the Parquet warehouse."""
    return open_warehouse(Layout(tmp_path / "data"), request.param)


def _write(wh: Warehouse, contract, version: str, batches) -> int:
    with wh.session(contract.name, version) as conn:
        table = ensure_stage_table(conn, contract, "intake")
        with transaction(conn):
            delete_version(conn, table, version)
            return insert_batches(conn, table, version, batches)


def _count(wh: Warehouse, table: str, version: str) -> int:
    with wh.reader() as conn:
        return count_rows(conn, qualified("support_tickets", table), version)


def test_failure_mid_write_keeps_the_previous_state(tickets, wh):
    _write(wh, tickets, "v1", [_batch(tickets, 0, 10)])

    def failing() -> Iterator[pa.Table]:
        yield _batch(tickets, 100, 5)
        raise RuntimeError("disk full (injected)")

    with pytest.raises(RuntimeError, match="injected"):
        _write(wh, tickets, "v1", failing())
    assert _count(wh, "intake", "v1") == 10
    with wh.reader() as conn:
        ids = conn.execute('SELECT min(ticket_id), max(ticket_id) FROM '
                           '"support_tickets"."intake"').fetchone()
    assert ids == ("T-000000", "T-000009")


def test_killed_writer_leaves_the_previous_state(tickets, tmp_path):
    wh = EmbeddedWarehouse(Layout(tmp_path))
    db = wh.path
    _write(wh, tickets, "v1", [_batch(tickets, 0, 10)])
    # A separate process starts replacing v1 and dies (os._exit) before committing.
    script = textwrap.dedent(f"""
        import os, duckdb
        conn = duckdb.connect({str(db)!r})
        conn.execute("BEGIN TRANSACTION")
        conn.execute('DELETE FROM "support_tickets"."intake" WHERE "_version" = ?', ["v1"])
        os._exit(9)
    """)
    subprocess.run([sys.executable, "-c", script], check=False)
    assert _count(wh, "intake", "v1") == 10


def test_killed_parquet_writer_leaves_the_previous_file(tickets, tmp_path):
    wh = ParquetWarehouse(Layout(tmp_path))
    _write(wh, tickets, "v1", [_batch(tickets, 0, 10)])
    before = sorted(p.name for p in wh.root.rglob("*") if p.is_file())
    # A separate process empties v1 inside its session and dies before the session saves.
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from governance.settings import Layout
        from governance.storage import ensure_table, writable
        from governance.warehouse import ParquetWarehouse
        wh = ParquetWarehouse(Layout(Path({str(tmp_path)!r})))
        with wh.session("support_tickets", "v1") as conn:
            name = writable(conn, "support_tickets", "intake")
            conn.execute(f"DELETE FROM {{name}}")
            os._exit(9)
    """)
    subprocess.run([sys.executable, "-c", script], check=False)
    assert _count(wh, "intake", "v1") == 10
    assert sorted(p.name for p in wh.root.rglob("*") if p.is_file()) == before


def test_versions_are_independent(tickets, wh):
    _write(wh, tickets, "v1", [_batch(tickets, 0, 3)])
    _write(wh, tickets, "v2", [_batch(tickets, 10, 4)])
    _write(wh, tickets, "v1", [_batch(tickets, 0, 2)])
    assert (_count(wh, "intake", "v1"), _count(wh, "intake", "v2")) == (2, 4)


def test_cleaning_steps_and_exact_duplicates(tickets, wh):
    batch = _batch(tickets, 0, 3)
    dup = _batch(tickets, 0, 1).set_column(0, ROW_ID, pa.array([99]))  # exact resubmission
    _write(wh, tickets, "v1", [batch, dup])
    with wh.session("support_tickets", "v1") as conn, transaction(conn):
        result = build_cleaned(conn, tickets, "v1")
    assert (result.rows_in, result.rows_out, result.removed) == (4, 3, 1)
    with wh.reader() as conn:
        row = conn.execute('SELECT customer_name, customer_email, channel, subject FROM '
                           '"support_tickets"."cleaned" ORDER BY _row_id LIMIT 1').fetchone()
    assert row == ("Ann", "ann0@example.com", "email", None)


def test_delivery_gate_and_atomic_export(tickets, tmp_path, wh):
    _write(wh, tickets, "v1", [_batch(tickets, 0, 3)])
    with wh.session("support_tickets", "v1") as conn:
        assert delivery_blockers(conn, tickets, "v1") == ["the version has no validated rows"]
        with transaction(conn):
            build_cleaned(conn, tickets, "v1")
            build_validated(conn, tickets, "v1")
    with wh.session("support_tickets", "v1") as conn:
        assert delivery_blockers(conn, tickets, "v1") == []
        with transaction(conn):
            write_quarantine(conn, "support_tickets", "v1", "intake", [QuarantinedRecord(
                7, "priority", "value is not a valid integer", "[]")])
    with wh.reader() as conn:
        assert delivery_blockers(conn, tickets, "v1") == [
            "1 record(s) or file problem(s) were quarantined at intake"]
    export = tmp_path / "out" / "v1.parquet"
    report = TreatmentReport()
    with wh.session("support_tickets", "v1") as conn:
        with transaction(conn):
            write_quarantine(conn, "support_tickets", "v1", "intake", [])
        with transaction(conn):
            result = build_delivered(conn, tickets, "v1", "key", report)
            export_delivered(conn, tickets, "v1", export)
    assert result.rows_out == 3
    assert _count(wh, "delivered", "v1") == 3
    delivered = pa.parquet.read_table(export)
    # customer_name is dropped by the contract; the e-mail is hashed.
    assert delivered.column_names == [c for c in tickets.column_names if c != "customer_name"]
    assert delivered.column("customer_email")[0].as_py() == keyed_hash("ann0@example.com", b"key")
    assert report.changed["customer_name"] == 3
    assert not list(export.parent.glob(".*tmp"))


@pytest.mark.parametrize("bad", ['x"; DROP TABLE y; --', "../v1", "v1 OR 1=1"])
def test_injection_in_version_is_refused(tickets, bad, wh):
    with wh.session("support_tickets", "v1") as conn:
        table = ensure_stage_table(conn, tickets, "intake")
        with pytest.raises(InvalidNameError):
            delete_version(conn, table, bad)
    with pytest.raises(InvalidNameError), wh.session("support_tickets", bad):
        pass


def test_as_of_accepts_dates_offsets_and_naive_times_as_utc():
    assert as_of_utc("2040-01-01") == datetime(2040, 1, 1)
    assert as_of_utc("2040-01-01T03:00:00+02:00") == datetime(2040, 1, 1, 1, 0)
    assert as_of_utc("2040-01-01T03:00").tzinfo is None
