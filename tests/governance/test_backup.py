"""Backups: consistent parts, every file checked by sha256, refusals that change nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from governance.audit import AuditLog, audit_path
from governance.backup import MANIFEST, BackupError, backup, restore, verify_backup
from governance.holds import HoldBook
from governance.incidents.book import IncidentBook
from governance.incidents.model import Signal
from governance.rawstore import RawStore
from governance.settings import Layout


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, Path]:
    """A small data directory (warehouse, raw store, audit trail, holds) and a Dagster home."""
    data, home = tmp_path / "data", tmp_path / "home"
    layout = Layout(data)
    data.mkdir()
    with duckdb.connect(str(layout.warehouse)) as conn:
        conn.execute("CREATE SCHEMA tickets")
        conn.execute("CREATE TABLE tickets.delivered AS SELECT range AS id, 'v1' AS _version "
                     "FROM range(1000)")
    batch = tmp_path / "batch.csv"
    batch.write_text("id\n1\n2\n")
    RawStore(layout.raw_dir).put("tickets", batch)
    AuditLog(audit_path(data)).append("ingest", "tickets", "v1", {"rows": 2})
    HoldBook(layout.holds_file).add("tickets", "v1", "litigation")
    home.mkdir()
    with sqlite3.connect(home / "runs.db") as db:
        db.execute("CREATE TABLE runs (id TEXT)")
        db.execute("INSERT INTO runs VALUES ('run-1')")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return data, home


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.name.endswith(".lock")}


def test_backup_and_restore_round_trip_to_another_path(source, tmp_path):
    data, home = source
    report = backup(data, tmp_path / "bk", home)
    assert report.dagster_home == "dagster_home" and report.files >= 7
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    assert str(data) not in json.dumps(manifest)  # relative paths only
    restored = tmp_path / "elsewhere" / "restored"
    assert restore(tmp_path / "bk", restored).files == report.files
    original = _files(data)
    copied = _files(restored)
    del original["warehouse.duckdb"], copied["warehouse.duckdb"]  # a snapshot, not a copy
    assert {k: v for k, v in copied.items() if not k.startswith("dagster_home/")} == original
    with duckdb.connect(str(Layout(restored).warehouse), read_only=True) as conn:
        assert conn.execute("SELECT count(*), sum(id) FROM tickets.delivered").fetchone() \
            == (1000, 499500)
    with sqlite3.connect(restored / "dagster_home" / "runs.db") as db:
        assert db.execute("SELECT id FROM runs").fetchall() == [("run-1",)]
    raw = RawStore(Layout(restored).raw_dir).get("tickets", "v1")
    assert Path(raw.stored_path).is_relative_to(restored)
    assert Path(raw.stored_path).read_text() == "id\n1\n2\n"
    assert not Path(raw.stored_path).stat().st_mode & 0o222  # raw copies stay read-only
    assert AuditLog(audit_path(restored)).verify().ok
    assert HoldBook(Layout(restored).holds_file).held("tickets", "v1")


def test_a_damaged_backup_is_refused_and_nothing_is_restored(source, tmp_path):
    data, home = source
    backup(data, tmp_path / "bk", home)
    victim = next((tmp_path / "bk" / "data" / "raw").rglob("data.csv"))
    victim.chmod(0o644)
    victim.write_text("id\n1\n3\n")
    with pytest.raises(BackupError, match="does not match the sha256"):
        restore(tmp_path / "bk", tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
    assert not list(tmp_path.glob(".restored*"))
    victim.unlink()
    with pytest.raises(BackupError, match="1 file\\(s\\) missing"):
        verify_backup(tmp_path / "bk")


def test_unfinished_or_unsafe_backups_are_refused(source, tmp_path):
    data, _ = source
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackupError, match="not a finished dataops backup"):
        restore(tmp_path / "empty", tmp_path / "restored")
    backup(data, tmp_path / "bk")
    manifest = tmp_path / "bk" / MANIFEST
    body = json.loads(manifest.read_text())
    body["files"]["../../outside.txt"] = {"sha256": "0" * 64, "size": 0, "mode": 0o644}
    manifest.write_text(json.dumps(body))
    with pytest.raises(BackupError, match="outside the backup"):
        restore(tmp_path / "bk", tmp_path / "restored")


def test_destinations_that_are_not_empty_or_inside_the_data_directory_are_refused(
        source, tmp_path):
    data, home = source
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(data, taken, home)
    with pytest.raises(BackupError, match="inside"):
        backup(data, data / "backups", home)
    backup(data, tmp_path / "bk", home)
    with pytest.raises(BackupError, match="not an empty folder"):
        restore(tmp_path / "bk", taken)
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]


def test_a_warehouse_held_by_a_writer_waits_then_refuses(source, tmp_path):
    data, _ = source
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"c = duckdb.connect({str(Layout(data).warehouse)!r})\n"
         "print('open', flush=True)\ntime.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(BackupError, match="being written by a run"):
            backup(data, tmp_path / "bk", wait_seconds=1)
        assert time.monotonic() - started >= 1
        assert not (tmp_path / "bk").exists()  # a refused backup leaves nothing behind
        assert not list(tmp_path.glob(".bk*"))
    finally:
        holder.kill()
        holder.wait()
    assert backup(data, tmp_path / "bk2", wait_seconds=10).files > 0


def test_the_audit_trail_and_its_head_are_copied_together_while_entries_are_appended(
        source, tmp_path):
    data, _ = source
    log = AuditLog(audit_path(data))
    stop = threading.Event()

    def append() -> None:
        while not stop.is_set():
            log.append("check", "tickets", "v1", {"rows": 1})

    writer = threading.Thread(target=append)
    writer.start()
    try:
        for i in range(8):
            backup(data, tmp_path / f"bk{i}")
    finally:
        stop.set()
        writer.join()
    for i in range(8):
        restored = restore(tmp_path / f"bk{i}", tmp_path / f"restored{i}")
        assert restored.files > 0
        assert AuditLog(audit_path(tmp_path / f"restored{i}")).verify().ok


def test_the_incidents_database_is_copied_with_what_its_wal_holds(source, tmp_path, contracts):
    data, home = source
    book = IncidentBook(Layout(data), contracts)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    book.record(Signal("support_tickets", "v1", "intake_complete", "quality", "high", at, "x"))
    # Hold a reader open so SQLite cannot checkpoint the WAL into the main file.
    with book.store.read() as conn:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM incidents").fetchone()
        book.acknowledge("INC-0001", "alice", at)
        assert Path(f"{Layout(data).incidents_db}-wal").stat().st_size > 0
        backup(data, tmp_path / "bk", home)
        conn.execute("COMMIT")
    restored = tmp_path / "restored"
    restore(tmp_path / "bk", restored)
    again = IncidentBook(Layout(restored), contracts).get("INC-0001")
    assert again.state == "acknowledged"
