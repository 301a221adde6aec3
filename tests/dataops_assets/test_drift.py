"""Drift on the demo, and the sensor that turns a drifted version into one refresh request."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_assets.definitions import build_definitions
from dataops_assets.runner import tick_drift_sensor
from governance.contracts import find_contract
from governance.drift.refresh import DISPATCHED, RefreshLedger
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR

LOANS = "loan_applications"


def _query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return conn.execute(sql, params or []).fetchall()


def test_loans_v2_drifts_from_v1_and_v1_has_no_reference(demo) -> None:
    summary = {v: rest for v, *rest in _query(
        demo.data_dir, "SELECT version, reference_version, dataset_drift, share_drifted, "
        "schema_changes FROM drift_summary WHERE dataset = ?", [LOANS])}
    assert summary["v1"][:2] == [None, False]
    reference, drifted, share, schema = summary["v2"]
    assert (reference, drifted) == ("v1", True) and share >= 0.5
    # The planted "n/a" income makes the source send the column as text: schema drift.
    assert "type_changed annual_income" in schema
    columns = dict(_query(demo.data_dir, "SELECT \"column\", drifted FROM drift_results WHERE "
                          "dataset = ? AND version = 'v2'", [LOANS]))
    assert columns["credit_score"] and columns["annual_income"]
    assert not columns["employment_status"]
    event = demo.instance.get_latest_materialization_event(
        dg.AssetKey([LOANS, "drift"])).asset_materialization
    assert event.partition == "v2" and event.metadata["drift/dataset_drift"].value is True


def test_drifted_version_raises_exactly_one_refresh_request(demo) -> None:
    ledger = RefreshLedger(Layout(demo.data_dir).refresh_requests_file)
    requests = ledger.list(LOANS)
    assert [(r.version, r.reference_version, r.status) for r in requests] == [
        ("v2", "v1", DISPATCHED)]
    assert "credit_score" in requests[0].drifted_columns
    # The evidence: each drifted column's test, statistic and threshold (numbers only).
    score = requests[0].evidence["credit_score"]
    assert score["test"] == "wasserstein_norm" and score["statistic"] >= score["threshold"]
    assert set(requests[0].evidence) == set(requests[0].drifted_columns)
    # The refresh job ran once, under the sensor's run key, and marked the request dispatched
    # in the one store of requests (the ledger); the warehouse keeps no second copy.
    runs = demo.instance.get_runs(dg.RunsFilter(tags={
        "dagster/run_key": requests[0].run_key}))
    assert len(runs) == 1 and runs[0].job_name == "loan_applications_refresh"
    assert runs[0].run_id == requests[0].run_id
    [stored] = RefreshLedger(Layout(demo.data_dir).refresh_requests_file).list(LOANS)
    assert (stored.version, stored.reference_version, stored.status, stored.run_id) == (
        "v2", "v1", DISPATCHED, runs[0].run_id)
    assert not _query(demo.data_dir, "SELECT table_name FROM information_schema.tables "
                      "WHERE table_name = 'refresh_requests'", [])
    event = demo.instance.get_latest_materialization_event(
        dg.AssetKey([LOANS, "refresh_request"])).asset_materialization
    assert event.partition == "v2" and event.metadata["status"].value == DISPATCHED


def test_sensor_never_asks_twice(demo) -> None:
    defs = build_definitions(CONTRACTS_DIR, demo.data_dir)
    loans = find_contract(CONTRACTS_DIR, LOANS)
    # A fresh cursor (as a restarted daemon has) replays every drift event: nothing new.
    assert tick_drift_sensor(defs, demo.instance, loans) == []
    # Re-measuring v2's drift emits a new drifted event for the same version: still nothing.
    key = dg.AssetKey([LOANS, "drift"])
    latest = demo.instance.get_latest_materialization_event(key).asset_materialization
    assert latest.partition == "v2"
    demo.instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key=key, partition="v2", metadata=latest.metadata))
    assert tick_drift_sensor(defs, demo.instance, loans) == []
    assert len(RefreshLedger(Layout(demo.data_dir).refresh_requests_file).list(LOANS)) == 1
    runs = demo.instance.get_runs(dg.RunsFilter(job_name=f"{LOANS}_refresh"))
    assert len(runs) == 1
