"""`dataops status` explains the demo's versions while the warehouse is locked by a writer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dataops_assets.cli.status import collect_status
from governance.errors import UnknownVersionError
from governance.settings import Layout
from tests.conftest import REPO

BIN = Path(sys.executable).parent


@pytest.fixture
def locked_warehouse(demo_embedded):
    """Another process holds DuckDB's write lock on the warehouse, as a running run does."""
    demo = demo_embedded
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; conn = duckdb.connect(sys.argv[1]); "
         "print('locked', flush=True); time.sleep(120)", str(Layout(demo.data_dir).warehouse)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    yield
    holder.kill()
    holder.wait()


def test_status_says_why_demo_versions_were_blocked_while_the_warehouse_is_locked(
        demo_embedded, locked_warehouse, monkeypatch):
    demo = demo_embedded
    import duckdb

    with pytest.raises(duckdb.IOException):  # the lock is real
        duckdb.connect(str(Layout(demo.data_dir).warehouse), read_only=True)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(demo.data_dir))
    entries = {(e["dataset"], e["version"]): e for e in collect_status(demo.instance)}
    assert {k: e["status"] for k, e in entries.items()} == {
        ("support_tickets", "v1"): "delivered", ("support_tickets", "v2"): "blocked",
        ("support_tickets", "v3"): "blocked", ("loan_applications", "v1"): "delivered",
        ("loan_applications", "v2"): "blocked", ("support_ticket_labels", "v1"): "blocked",
        ("support_ticket_labels", "v2"): "delivered"}
    loans = entries[("loan_applications", "v2")]
    intake = next(c for c in loans["failed_checks"] if c["name"] == "intake_complete")
    assert intake["failures"] == 1 and "not a valid number" in intake["first_reason"]
    assert loans["quarantine_by_reason"] == {
        "column 'annual_income': value is not a valid number (number expected)": 1}
    assert loans["stages"]["validated"] == "materialized, blocking check failed"
    assert "delivered" not in loans["stages"]
    # Delivered runs as plan, treat and combine steps; status shows it as one stage.
    assert entries[("loan_applications", "v1")]["stages"] == dict.fromkeys(
        ("intake", "cleaned", "validated", "pii_scan", "drift", "delivered"), "succeeded")
    assert loans["drift"]["drifted"] and loans["drift"]["reference"] == "v1"
    assert loans["retention"] and all(r["due"] for r in loans["retention"])
    tickets = entries[("support_tickets", "v3")]
    assert tickets["pii_findings"]["customer_phone"]
    assert any(c["name"] == "pii_declared" and c["blocking"] for c in tickets["failed_checks"])
    with pytest.raises(UnknownVersionError):
        collect_status(demo.instance, "loan_applications", "v9")


@pytest.mark.e2e
def test_status_command_prints_reasons_and_json(demo_embedded, locked_warehouse):
    demo = demo_embedded
    env = {**os.environ, "DAGSTER_HOME": str(demo.data_dir.parent / "home"),
           "DATAOPS_DATA_DIR": str(demo.data_dir)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([BIN / "dataops", "status", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120)

    shown = run("--dataset", "support_tickets", "--version", "v2")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("support_tickets v2: blocked")
    assert "failed check intake_complete, 2 failure(s): column 'priority'" in shown.stdout
    assert "2 x column 'priority': value is not a valid integer" in shown.stdout
    as_json = run("--json", "--dataset", "support_ticket_labels")
    assert [e["status"] for e in json.loads(as_json.stdout)] == ["blocked", "delivered"]
