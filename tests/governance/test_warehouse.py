"""The warehouse interface: backends, sessions, concurrency and scope on the Parquet files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from governance.parquet_store import ParquetScopeError, ReadOnlySessionError
from governance.quality.outcomes import CheckOutcome, write_outcomes
from governance.settings import Layout
from governance.storage import ensure_table, replace_rows, transaction, writable
from governance.tables import QUALITY_METRICS, QUALITY_METRICS_COLUMNS
from governance.warehouse import (
    EMBEDDED,
    PARQUET,
    WAREHOUSE_ENV,
    EmbeddedWarehouse,
    ParquetWarehouse,
    WarehouseBusyError,
    WarehouseError,
    backend_from_env,
    open_warehouse,
)


def _metric(conn, version: str, value: float, dataset: str = "support_tickets") -> None:
    replace_rows(conn, "main", QUALITY_METRICS, QUALITY_METRICS_COLUMNS,
                 {"dataset": dataset, "version": version, "dimension": "completeness"},
                 [[dataset, version, "completeness", "*", value, 0.9, value >= 0.9, None]])


def _metrics(wh) -> list[tuple]:
    with wh.reader() as conn:
        return conn.execute("SELECT dataset, version, value FROM main.quality_metrics "
                            "ORDER BY dataset, version").fetchall()


def test_backend_is_chosen_by_environment_and_remembered(tmp_path):
    assert backend_from_env({}) == EMBEDDED
    assert backend_from_env({WAREHOUSE_ENV: "Parquet "}) == PARQUET
    with pytest.raises(WarehouseError, match="not a warehouse backend"):
        backend_from_env({WAREHOUSE_ENV: "postgres"})
    layout = Layout(tmp_path / "data")
    assert isinstance(open_warehouse(layout, PARQUET), ParquetWarehouse)
    # The data directory remembers: opening it as the other backend is refused, not empty.
    with pytest.raises(WarehouseError, match="keeps its warehouse as 'parquet'"):
        open_warehouse(layout, EMBEDDED)
    assert isinstance(open_warehouse(layout), ParquetWarehouse)
    # An older data directory with a DuckDB file and no record is the embedded backend.
    old = Layout(tmp_path / "old")
    old.data_dir.mkdir()
    old.warehouse.write_bytes(b"")
    with pytest.raises(WarehouseError, match="keeps its warehouse as 'duckdb'"):
        open_warehouse(old, PARQUET)


def test_parquet_files_per_version_and_views_over_all(tmp_path):
    wh = ParquetWarehouse(Layout(tmp_path))
    for version, value in (("v1", 0.5), ("v2", 0.95)):
        with wh.session("support_tickets", version) as conn:
            _metric(conn, version, value)
    with wh.session("loan_applications", "v1") as conn:
        _metric(conn, "v1", 1.0, "loan_applications")
    files = sorted(p.relative_to(wh.root).as_posix() for p in wh.root.rglob("*.parquet"))
    assert files == ["main/quality_metrics/loan_applications/v1.parquet",
                     "main/quality_metrics/support_tickets/v1.parquet",
                     "main/quality_metrics/support_tickets/v2.parquet"]
    # Rewriting v1 touches only v1's file; the others keep their bytes and times.
    v2 = wh.root / "main/quality_metrics/support_tickets/v2.parquet"
    stamp = v2.stat().st_mtime_ns
    with wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v1", 0.7)
    assert v2.stat().st_mtime_ns == stamp
    assert _metrics(wh) == [("loan_applications", "v1", 1.0), ("support_tickets", "v1", 0.7),
                            ("support_tickets", "v2", 0.95)]


def test_a_session_writes_only_its_own_version(tmp_path):
    wh = ParquetWarehouse(Layout(tmp_path))
    with wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v1", 0.5)
    # A v2 row in v1's session: nothing is saved.
    with pytest.raises(ParquetScopeError, match="another version"), \
            wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v2", 0.9)
    with pytest.raises(ParquetScopeError, match="one dataset version"), wh.session() as conn:
        _metric(conn, "v1", 0.9)
    with pytest.raises(ReadOnlySessionError), wh.reader() as conn:
        _metric(conn, "v1", 0.9)
    assert _metrics(wh) == [("support_tickets", "v1", 0.5)]


def test_reading_only_rewrites_nothing_and_rollback_keeps_nothing(tmp_path):
    wh = ParquetWarehouse(Layout(tmp_path))
    with wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v1", 0.5)
    path = wh.root / "main/quality_metrics/support_tickets/v1.parquet"
    stamp = path.stat().st_mtime_ns
    with wh.session("support_tickets", "v1") as conn:
        assert writable(conn, "main", QUALITY_METRICS) is not None  # loaded, not changed
    assert path.stat().st_mtime_ns == stamp
    # Like the DuckDB file: what was committed stays, an open transaction is rolled back.
    with pytest.raises(RuntimeError), wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v1", 0.6)
        with transaction(conn):
            _metric(conn, "v1", 0.99)
            raise RuntimeError("injected")
    assert _metrics(wh) == [("support_tickets", "v1", 0.6)]


def test_deleting_every_row_removes_the_file(tmp_path):
    wh = ParquetWarehouse(Layout(tmp_path))
    with wh.session("support_tickets", "v3") as conn:
        _metric(conn, "v3", 0.5)
    with wh.session("support_tickets", "v3") as conn:
        conn.execute(f"DELETE FROM {writable(conn, 'main', QUALITY_METRICS)}")
    assert not list(wh.root.rglob("*.parquet"))
    assert wh.scopes("support_tickets") == []


def test_ledgers_append_one_file_per_write(tmp_path):
    wh = ParquetWarehouse(Layout(tmp_path))
    for version in ("v1", "v2"):
        with wh.session("support_tickets", version) as conn:
            name = ensure_table(conn, "main", "retention_log", [
                ("dataset", "VARCHAR"), ("version", "VARCHAR"), ("scope", "VARCHAR"),
                ("action", "VARCHAR"), ("executed_at", "TIMESTAMP"), ("rows", "BIGINT")])
            conn.execute(f"INSERT INTO {name} VALUES ('support_tickets', ?, 'version', "
                         "'delete', now()::TIMESTAMP, 3)", [version])
    assert len(list((wh.root / "main/retention_log").rglob("part-*.parquet"))) == 2
    with wh.reader() as conn:
        assert conn.execute("SELECT count(*) FROM main.retention_log").fetchone() == (2,)


def test_writers_of_one_version_take_turns_and_lose_nothing(tmp_path):
    """Two steps of the same version writing the same shared table (check results)."""
    wh = ParquetWarehouse(Layout(tmp_path))
    order: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with wh.session("support_tickets", "v1") as conn:
            inside.set()
            write_outcomes(conn, "support_tickets", "v1",
                           [CheckOutcome("check_a", "error", True, True, 10, 0)], None)
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    with wh.session("support_tickets", "v1") as conn:
        order.append("second started")
        write_outcomes(conn, "support_tickets", "v1",
                       [CheckOutcome("check_b", "error", True, False, 10, 2)], None)
    thread.join()
    assert order == ["first done", "second started"]
    with wh.reader() as conn:
        names = conn.execute("SELECT check_name FROM main.check_results ORDER BY 1").fetchall()
    assert names == [("check_a",), ("check_b",)]


_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from governance.settings import Layout
    from governance.storage import replace_rows
    from governance.tables import QUALITY_METRICS, QUALITY_METRICS_COLUMNS
    from governance.warehouse import open_warehouse
    wh = open_warehouse(Layout(Path(sys.argv[1])), sys.argv[2])
    for n in range(int(sys.argv[3]), int(sys.argv[4])):
        v = f"v{n}"
        with wh.session("support_tickets", v) as conn:
            replace_rows(conn, "main", QUALITY_METRICS, QUALITY_METRICS_COLUMNS,
                         {"dataset": "support_tickets", "version": v},
                         [["support_tickets", v, "completeness", "*", 1.0, 0.9, True, None]])
            if len(sys.argv) > 5:
                print("inside", flush=True)  # the test reads while we hold the session
                import time; time.sleep(float(sys.argv[5]))
""")


def _writer(data_dir: Path, backend: str, start: int, stop: int,
            hold: float | None = None) -> subprocess.Popen:
    args = [sys.executable, "-c", _WRITER, str(data_dir), backend, str(start), str(stop)]
    proc = subprocess.Popen([*args, *([str(hold)] if hold else [])], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if hold:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "inside"
    return proc


def test_parquet_writers_in_several_processes_and_readers_never_wait(tmp_path):
    data = tmp_path / "data"
    wh = open_warehouse(Layout(data), PARQUET)
    with wh.session("support_tickets", "v100") as conn:
        _metric(conn, "v100", 0.5)  # the table exists before the writers start
    writers = [_writer(data, PARQUET, 1, 9), _writer(data, PARQUET, 9, 17)]
    reads = failures = 0
    while any(w.poll() is None for w in writers):
        try:
            _metrics(wh)
            reads += 1
        except Exception:
            failures += 1
    errors = [w.stderr.read() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    assert len(_metrics(wh)) == 17
    assert failures == 0 and reads > 0


def test_parquet_reader_runs_while_a_writer_holds_its_session(tmp_path):
    data = tmp_path / "data"
    wh = open_warehouse(Layout(data), PARQUET)
    with wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v1", 0.5)
    writer = _writer(data, PARQUET, 2, 3, hold=3.0)  # returns once inside its session
    started = time.monotonic()
    assert _metrics(wh) == [("support_tickets", "v1", 0.5)]
    assert time.monotonic() - started < 2.0
    assert writer.wait(30) == 0
    assert len(_metrics(wh)) == 2


def test_embedded_reader_waits_for_the_writer_then_says_busy(tmp_path):
    data = tmp_path / "data"
    wh = open_warehouse(Layout(data), EMBEDDED)
    with wh.session("support_tickets", "v1") as conn:
        _metric(conn, "v1", 0.5)
    writer = _writer(data, EMBEDDED, 2, 3, hold=4.0)
    with pytest.raises(WarehouseBusyError, match="being written by a run"), \
            wh.reader(wait_seconds=0.5):
        pass
    # Given long enough, the reader gets in once the writer lets go.
    with wh.reader(wait_seconds=30) as conn:
        assert conn.execute("SELECT count(*) FROM main.quality_metrics").fetchone() == (2,)
    assert writer.wait(30) == 0
    assert isinstance(wh, EmbeddedWarehouse)
