"""In-process materialization of the demo graph, and bad input through the real assets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from dataops_assets.demo.generate import generate_demo
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.runner import run_version
from governance.rawstore import RawStore
from governance.settings import Layout
from governance.warehouse import BACKENDS, open_warehouse


def _query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return conn.execute(sql, params or []).fetchall()


def test_whole_demo_graph_materializes(demo, contracts):
    assert demo.exit_code == 0
    assert "7 versions: 3 delivered, 4 blocked by checks, 0 failed" in demo.output
    # Quiet: Dagster's per-event lines go to the run log, not the terminal (the summary,
    # the blocked versions' reasons and one line per active incident: about 60 lines).
    shown = demo.output + demo.errors
    assert len(shown.splitlines()) <= 75 and "DEBUG" not in shown
    assert "dagster._core" not in shown and "Traceback" not in shown
    log = Path(demo.errors.split("Dagster event log of these runs: ")[1].split(" ")[0])
    assert "DEBUG" in log.read_text() and log.is_relative_to(demo.data_dir)
    # Blocked versions say why in plain words: the check, its count and first reason.
    assert ("intake_complete, 1 failure(s): column 'annual_income': value is not a valid "
            "number (number expected)") in demo.output
    assert "pii_declared, 1 failure(s): undeclared personal data in: customer_phone" \
        in demo.output
    data_dir, instance = demo.data_dir, demo.instance
    layout = Layout(data_dir)
    # v1 of both datasets delivered: table and Parquet export agree.
    for dataset, rows in (("support_tickets", 2000), ("loan_applications", 3000)):
        delivered = _query(data_dir, f'SELECT _version, count(*) FROM "{dataset}"."delivered" '
                           "GROUP BY 1")
        assert delivered == [("v1", rows)]
        assert pq.read_metadata(layout.delivered_file(dataset, "v1")).num_rows == rows
        assert not layout.delivered_file(dataset, "v2").exists()
    # v2's unparseable rows sit in quarantine with line and column; v2 stopped before delivery.
    quarantined = _query(data_dir, 'SELECT line, column_name FROM "support_tickets"."quarantine" '
                         "WHERE _version = 'v2' ORDER BY line")
    assert quarantined == [(214, "priority"), (979, "priority")]
    assert _query(data_dir, 'SELECT count(*) FROM "support_tickets"."validated" '
                  "WHERE _version = 'v2'") == [(1498,)]
    # The instance knows every version as a partition with materializations.
    key = dg.AssetKey(["support_tickets", "delivered"])
    assert instance.get_dynamic_partitions("support_tickets_versions") == ["v1", "v2", "v3"]
    assert instance.get_materialized_partitions(key) == {"v1"}
    intake = instance.get_latest_materialization_event(
        dg.AssetKey(["support_tickets", "intake"])).asset_materialization
    raw = RawStore(layout.raw_dir).get("support_tickets", intake.partition)
    assert intake.metadata["sha256"].value == raw.sha256
    assert intake.metadata["size_bytes"].value == raw.size
    # Ingesting the same bytes again is a duplicate: no new version.
    again = ingest_file(instance, RawStore(layout.raw_dir), contracts["support_tickets"],
                        demo.source_dir / "support_tickets" / "batch_001.csv")
    assert again.duplicate and again.raw.version == "v1"
    assert instance.get_dynamic_partitions("support_tickets_versions") == ["v1", "v2", "v3"]


def _ingest(defs, instance, data_dir, contracts, path: Path, dataset: str = "support_tickets"):
    result = ingest_file(instance, RawStore(Layout(data_dir).raw_dir), contracts[dataset], path)
    return result, run_version(defs, instance, dataset, result.raw.version)


@pytest.fixture
def good_batch(tmp_path: Path) -> Path:
    """The first demo batch of support tickets."""
    return generate_demo(tmp_path / "src", date(2026, 11, 20))["support_tickets"][0]


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


BAD_INPUTS = {
    "empty file": (lambda lines: b"", "the file is empty"),
    "header only": (lambda lines: lines[0], "header but no data rows"),
    "missing required column": (
        lambda lines: b"".join(ln.replace(b",category,", b",kategory,", 1) for ln in lines[:50]),
        "required columns are missing from the header: category"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_unreadable_file_fails_intake_keeps_raw_and_delivers_nothing(
        case, tmp_path, data_dir, instance, defs, contracts, good_batch):
    make, message = BAD_INPUTS[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(make(_lines(good_batch)))
    result, outcome = _ingest(defs, instance, data_dir, contracts, path)
    assert outcome.status == "failed" and outcome.materialized == []
    assert any(message in e and "bad.csv" in e for e in outcome.errors), outcome.errors
    assert Path(result.raw.stored_path).read_bytes() == path.read_bytes()  # raw kept
    reasons = _query(data_dir, 'SELECT reason FROM "support_tickets"."quarantine" '
                     "WHERE _version = ?", [result.raw.version])
    assert [r[0] for r in reasons] == [pytest.approx(reasons[0][0])] and message in reasons[0][0]
    assert not Layout(data_dir).delivered_file("support_tickets", result.raw.version).exists()


ROW_DEFECTS = {
    "broken quoting": (lambda lines: [*lines[:5], b'T-999999,2026-11-01T00:00:00,"Ann,x\n',
                                      *lines[5:150]], 6, None),
    "undecodable bytes": (lambda lines: [*lines[:7], lines[7].replace(b",", b",\xff\xfe", 1),
                                         *lines[8:150]], 8, "created_at"),
    "wrong type": (lambda lines: [*lines[:9], lines[9].rsplit(b",", 1)[0] + b",soon\n",
                                  *lines[10:150]], 10, "priority"),
    "5 MB field": (lambda lines: [*lines[:11], lines[11].replace(b",", b"," + b"x" * 5_000_000
                                                                 + b" ", 1), *lines[12:150]],
                   12, "created_at"),
    "unexpected column": (lambda lines: [lines[0].rstrip(b"\n") + b",ssn\n",
                                         *(ln.rstrip(b"\n") + b",x\n" for ln in lines[1:150])],
                          None, None),
}


@pytest.mark.parametrize("case", sorted(ROW_DEFECTS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_rows_are_quarantined_and_block_delivery(
        case, tmp_path, data_dir, instance, defs, contracts, good_batch):
    make, line, column = ROW_DEFECTS[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(b"".join(make(_lines(good_batch))))
    result, outcome = _ingest(defs, instance, data_dir, contracts, path)
    assert outcome.status == "blocked", outcome
    # Only the intake check blocks; old demo rows may also miss the (warning) freshness SLA.
    assert {c.name for c in outcome.checks if c.blocking} == {"intake_complete"}
    assert set(outcome.failed_checks) - {"quality_targets", "freshness_within_sla"} == {
        "intake_complete"}
    assert "delivered" not in outcome.materialized and "validated" in outcome.materialized
    rows = _query(data_dir, 'SELECT line, column_name, record IS NOT NULL '
                  'FROM "support_tickets"."quarantine" WHERE _version = ?', [result.raw.version])
    assert rows == [(line, column, line is not None)]
    assert not Layout(data_dir).delivered_file("support_tickets", result.raw.version).exists()
    # Asking for delivery on its own is refused too.
    job = defs.resolve_implicit_global_asset_job_def()
    forced = job.get_subset(asset_selection={dg.AssetKey(["support_tickets", "delivered"])})
    run = forced.execute_in_process(instance=instance, partition_key=result.raw.version,
                                    raise_on_error=False)
    assert not run.success
    tables = _query(data_dir, "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'support_tickets'")
    assert ("delivered",) not in tables


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_parquet_and_jsonl_batches_of_a_csv_contract_are_delivered(
        suffix, tmp_path, data_dir, instance, defs, contracts):
    import csv
    import json

    import pyarrow.csv as pcsv

    assert contracts["support_tickets"].file_format == "csv"
    full = generate_demo(tmp_path / "src", date.today())["support_tickets"][0]
    lines = _lines(full)
    fresh = tmp_path / "fresh.csv"
    fresh.write_bytes(b"".join([lines[0], *lines[-150:]]))
    path = tmp_path / f"tickets{suffix}"
    if suffix == ".parquet":
        pq.write_table(pcsv.read_csv(fresh), path)  # native types, typed again by the contract
    else:
        with fresh.open(newline="") as fh:
            path.write_text("".join(json.dumps(r) + "\n" for r in csv.DictReader(fh)))
    result, outcome = _ingest(defs, instance, data_dir, contracts, path)
    assert outcome.status == "delivered", outcome
    assert pq.read_metadata(Layout(data_dir).delivered_file(
        "support_tickets", result.raw.version)).num_rows == 150
    intake = instance.get_latest_materialization_event(
        dg.AssetKey(["support_tickets", "intake"])).asset_materialization
    assert intake.metadata["read_as"].value == f"{suffix[1:]} (by content)"
