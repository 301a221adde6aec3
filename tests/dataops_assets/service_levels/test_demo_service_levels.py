"""After the demo: service-level checks ran in the pipeline runs and passed, and pipeline
health equals a hand computation from the instance's run records."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import dagster as dg
import pytest
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecordStatus as Status,
)

from dataops_assets.keys import (
    CHECK_ARRIVAL,
    CHECK_AVAILABILITY,
    CHECK_LABELING_COST,
    CHECK_LABELING_THROUGHPUT,
    CHECK_LABELING_TURNAROUND,
    CHECK_LATENCY,
    META_SLO_OBSERVED,
    PIPELINE_HEALTH,
    job_name,
    stage_key,
)
from dataops_assets.service_levels.assets import build_pipeline_health
from governance.rawstore import RawStore
from governance.settings import Layout
from governance.warehouse import open_warehouse

DELIVERED = {"support_tickets": ["v1"], "loan_applications": ["v1"],
             "support_ticket_labels": ["v2"]}
BLOCKED = {"support_tickets": ["v2", "v3"], "loan_applications": ["v2"],
           "support_ticket_labels": ["v1"]}
EXPECTED_CHECKS = {
    "support_tickets": {("delivered", CHECK_LATENCY), ("delivered", CHECK_AVAILABILITY),
                        ("intake", CHECK_ARRIVAL)},
    "loan_applications": {("delivered", CHECK_LATENCY), ("intake", CHECK_ARRIVAL)},
    "support_ticket_labels": {("delivered", CHECK_LATENCY), ("intake", CHECK_ARRIVAL),
                              ("labeling", CHECK_LABELING_TURNAROUND),
                              ("labeling", CHECK_LABELING_THROUGHPUT),
                              ("labeling", CHECK_LABELING_COST)},
}


def _history(instance: dg.DagsterInstance, dataset: str, stage: str, check: str):
    key = dg.AssetCheckKey(stage_key(dataset, stage), check)
    # Executed evaluations only: a check planned in a run that stopped before it is not one.
    return {r.partition: r for r in instance.event_log_storage.get_asset_check_execution_history(
        key, limit=100, status={Status.SUCCEEDED, Status.FAILED})}


@pytest.mark.parametrize("dataset", sorted(EXPECTED_CHECKS))
def test_service_level_checks_ran_in_the_pipeline_runs_and_passed(demo, dataset) -> None:
    assert demo.exit_code == 0
    graph = demo.instance  # the checks' history is the instance's
    for stage, check in EXPECTED_CHECKS[dataset]:
        runs = _history(graph, dataset, stage, check)
        # Delivered-stage checks run only when delivery happened; the others every time.
        expected = DELIVERED[dataset] if stage == "delivered" else sorted(
            DELIVERED[dataset] + BLOCKED[dataset])
        assert sorted(runs) == sorted(expected), (stage, check)
        for version, record in runs.items():
            evaluation = record.event.asset_check_evaluation
            assert evaluation.passed, (dataset, check, version, evaluation.description)
            assert graph.get_run_by_id(record.run_id).job_name == job_name(dataset)


def test_demo_latency_is_arrival_to_delivered_materialization(demo) -> None:
    raw = RawStore(Layout(demo.data_dir).raw_dir).get("support_tickets", "v1")
    record = _history(demo.instance, "support_tickets", "delivered", CHECK_LATENCY)["v1"]
    delivered = demo.instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=stage_key("support_tickets", "delivered"), asset_partitions=["v1"]), limit=1)
    expected = (datetime.fromtimestamp(delivered.records[0].timestamp, UTC)
                - datetime.fromisoformat(raw.arrived_at)).total_seconds()
    observed = record.event.asset_check_evaluation.metadata[META_SLO_OBSERVED].value
    assert observed == pytest.approx(expected, abs=1e-3)
    assert observed > 0


@pytest.mark.parametrize("dataset", sorted(EXPECTED_CHECKS))
def test_pipeline_health_equals_a_hand_computation(demo, contracts, dataset) -> None:
    instance = demo.instance
    asset = build_pipeline_health(contracts[dataset])
    # Invoked directly: nothing is added to the shared demo instance.
    result = asset(dg.build_asset_context(instance=instance))
    meta = {k: getattr(v, "value", v) for k, v in result.metadata.items()}
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name(dataset)))
    assert len(records) == len(DELIVERED[dataset]) + len(BLOCKED[dataset])
    assert meta["health/runs"] == len(records)
    assert meta["health/delivered_runs"] == len(DELIVERED[dataset])
    assert meta["health/blocked_runs"] == len(BLOCKED[dataset])
    assert meta["health/failed_runs"] == 0
    assert meta["health/run_success_rate"] == 1.0      # blocked runs are not failures
    assert meta["health/versions_received"] == len(records)
    assert meta["health/versions_delivered"] == len(DELIVERED[dataset])
    assert meta["health/versions_blocked"] == len(BLOCKED[dataset])
    assert meta["health/first_pass_yield"] == pytest.approx(
        len(DELIVERED[dataset]) / len(records))
    assert meta["health/retries"] == 0
    assert meta["health/pool_wait_seconds"] == 0.0     # in-process runs never queue
    intake = [s.end_time - s.start_time for r in records
              for s in instance.get_run_step_stats(r.dagster_run.run_id)
              if s.step_key == f"{dataset}__intake"]
    assert meta["health/p50_seconds/intake"] == pytest.approx(statistics.median(intake),
                                                              abs=1e-3)
    week = datetime.fromtimestamp(records[0].start_time, UTC).isocalendar()
    assert meta["health/week"] == f"{week[0]}-W{week[1]:02d}"
    assert f"| {meta['health/week']} | {len(records)} |" in meta["weeks"]
    assert f"| {meta['health/week']} | intake | {len(records)} |" in meta["stages"]
    assert stage_key(dataset, PIPELINE_HEALTH) == asset.key


def test_labeling_figures_are_the_batch_table_and_the_items_own_times(demo) -> None:
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        rate, cost = conn.execute(
            "SELECT labels_per_hour, cost_per_item FROM main.labeling_batches "
            "WHERE dataset = 'support_ticket_labels' AND version = 'v2'").fetchone()
        spans = [r[0] for r in conn.execute(
            "SELECT epoch(max(finished_at)) - epoch(min(started_at)) "
            "FROM support_ticket_labels.validated WHERE _version = 'v2' GROUP BY item_id")
            .fetchall()]
    observed = {check: _history(demo.instance, "support_ticket_labels", "labeling", check)[
        "v2"].event.asset_check_evaluation.metadata[META_SLO_OBSERVED].value
        for check in (CHECK_LABELING_THROUGHPUT, CHECK_LABELING_COST, CHECK_LABELING_TURNAROUND)}
    assert observed[CHECK_LABELING_THROUGHPUT] == pytest.approx(rate, abs=1e-4)
    assert observed[CHECK_LABELING_COST] == pytest.approx(cost, abs=1e-4)
    # p90 by hand: linear interpolation between the closest ranks of the sorted spans.
    spans.sort()
    pos = (len(spans) - 1) * 0.9
    low = int(pos)
    hand = spans[low] + (spans[low + 1] - spans[low]) * (pos - low)
    assert observed[CHECK_LABELING_TURNAROUND] == pytest.approx(hand, abs=1e-3)
