"""The delivered asset in chunks: several treat steps, the same rows, nothing half-delivered."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pytest

from dataops_assets.demo.generate import generate_demo
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.keys import DELIVERY_TREAT, delivery_op_name
from dataops_assets.resources import HASH_KEY_ENV
from dataops_assets.runner import run_version
from dataops_assets.stages import delivered as delivered_module
from governance.chunking import CHUNK_ROWS_ENV
from governance.pii.treatment import TreatmentReport
from governance.rawstore import RawStore
from governance.settings import Layout
from governance.stages import build_delivered
from governance.storage import ensure_stage_table
from governance.warehouse import BACKENDS, open_warehouse

ROWS = 150


@pytest.fixture
def fresh_batch(tmp_path: Path) -> Path:
    """150 recent support tickets (recent, so the freshness check passes)."""
    full = generate_demo(tmp_path / "src", date.today())["support_tickets"][0]
    lines = full.read_bytes().splitlines(keepends=True)
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"".join([lines[0], *lines[-ROWS:]]))
    return path


def _deliver(defs, instance, data_dir, contracts, path):
    result = ingest_file(instance, RawStore(Layout(data_dir).raw_dir),
                         contracts["support_tickets"], path)
    outcome = run_version(defs, instance, "support_tickets", result.raw.version)
    return result.raw.version, outcome


def _treat_steps(instance, run_id: str) -> list[str]:
    op = delivery_op_name("support_tickets", DELIVERY_TREAT)
    return sorted(e.step_key for e in instance.all_logs(
        run_id, of_type=dg.DagsterEventType.STEP_SUCCESS) if op in e.step_key)


def _delivered_rows(conn: duckdb.DuckDBPyConnection, version: str) -> list[tuple]:
    return conn.execute('SELECT * FROM "support_tickets"."delivered" WHERE _version = ? '
                        "ORDER BY _row_id", [version]).fetchall()


def _validated(data_dir: Path, version: str) -> pa.Table:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return conn.sql('SELECT * FROM "support_tickets"."validated" WHERE _version = ?',
                        params=[version]).to_arrow_table()


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunked_delivery_runs_one_step_per_chunk_and_equals_unchunked(
        monkeypatch, data_dir, instance, defs, contracts, fresh_batch):
    monkeypatch.setenv(CHUNK_ROWS_ENV, "40")
    version, outcome = _deliver(defs, instance, data_dir, contracts, fresh_batch)
    assert outcome.status == "delivered", outcome
    # 150 rows in chunks of 40: four treat steps, each its own step a worker could take.
    steps = _treat_steps(instance, outcome.run_id)
    assert len(steps) == 4 and len(set(steps)) == 4, steps
    event = instance.get_latest_materialization_event(
        dg.AssetKey(["support_tickets", "delivered"])).asset_materialization
    assert event.metadata["chunks"].value == 4
    assert event.metadata["spans_redacted"].value  # redaction ran in the chunk steps
    layout = Layout(data_dir)
    assert not (data_dir / "staging").exists()  # no chunk files, no empty folders left
    with open_warehouse(layout).reader() as conn:
        chunked = _delivered_rows(conn, version)
    assert len(chunked) == ROWS
    # The same validated rows delivered the old way, in one pass, in a scratch database.
    validated = _validated(data_dir, version)
    with duckdb.connect() as scratch:
        target = ensure_stage_table(scratch, contracts["support_tickets"], "validated")
        scratch.register("_v", validated)
        scratch.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _v")
        build_delivered(scratch, contracts["support_tickets"], version,
                        os.environ[HASH_KEY_ENV], TreatmentReport())
        whole = _delivered_rows(scratch, version)
    assert chunked == whole


@pytest.mark.parametrize("backend", BACKENDS)
def test_failed_chunk_delivers_nothing_and_leaves_no_staging(
        monkeypatch, data_dir, instance, defs, contracts, fresh_batch):
    monkeypatch.setenv(CHUNK_ROWS_ENV, "50")
    real = delivered_module.treat_chunk

    def flaky(batches, contract, chunk, hash_key, folder):
        if chunk.index == 1:
            raise RuntimeError("worker lost")
        return real(batches, contract, chunk, hash_key, folder)

    monkeypatch.setattr(delivered_module, "treat_chunk", flaky)
    version, outcome = _deliver(defs, instance, data_dir, contracts, fresh_batch)
    assert outcome.status == "failed", outcome
    assert "delivered" not in outcome.materialized
    assert not Layout(data_dir).delivered_file("support_tickets", version).exists()
    assert not (data_dir / "staging" / "support_tickets" / version).exists()
    with open_warehouse(Layout(data_dir)).reader() as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = 'support_tickets'").fetchall()
        assert ("delivered",) not in tables or not _delivered_rows(conn, version)


def test_blocked_version_is_refused_before_any_chunk_is_treated(
        monkeypatch, data_dir, instance, defs, contracts, fresh_batch, tmp_path):
    treated = []
    monkeypatch.setattr(delivered_module, "treat_chunk",
                        lambda *a, **k: treated.append(1))  # would record any treatment
    lines = fresh_batch.read_bytes().splitlines(keepends=True)
    bad = tmp_path / "bad.csv"
    # A priority that is not a number: quarantined at intake, so the version is blocked.
    bad.write_bytes(b"".join([*lines[:9], lines[9].rsplit(b",", 1)[0] + b",soon\n",
                              *lines[10:]]))
    version, outcome = _deliver(defs, instance, data_dir, contracts, bad)
    assert outcome.status == "blocked", outcome
    # Asking for delivery on its own: the plan step refuses, marked as a refusal.
    job = defs.resolve_implicit_global_asset_job_def()
    forced = job.get_subset(asset_selection={dg.AssetKey(["support_tickets", "delivered"])})
    run = forced.execute_in_process(instance=instance, partition_key=version,
                                    raise_on_error=False)
    assert not run.success
    failures = [e for e in run.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert len(failures) == 1 and "plan" in failures[0].step_key
    assert failures[0].event_specific_data.user_failure_data.metadata["blocked"].value is True
    assert treated == []
    assert not (data_dir / "staging" / "support_tickets" / version).exists()


def test_bad_chunk_size_setting_fails_with_a_message_not_a_trace(
        monkeypatch, data_dir, instance, defs, contracts, fresh_batch):
    monkeypatch.setenv(CHUNK_ROWS_ENV, "lots")
    version, outcome = _deliver(defs, instance, data_dir, contracts, fresh_batch)
    assert outcome.status == "failed" and not outcome.unexpected, outcome
    assert any(CHUNK_ROWS_ENV in e and "'lots'" in e for e in outcome.errors), outcome.errors
    assert not (data_dir / "staging" / "support_tickets" / version).exists()
