"""Service-level checks in the pipeline job: late versions breach, on-time ones pass, and
the error budget counts each version's latest evaluation from the instance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecordStatus as Status,
)

from dataops_assets.demo.generate import generate_demo
from dataops_assets.keys import (
    CHECK_ARRIVAL,
    CHECK_AVAILABILITY,
    CHECK_LATENCY,
    META_SLO_BUDGET_REMAINING,
    META_SLO_OBSERVED,
    job_name,
    partitions_name,
    stage_key,
)
from dataops_assets.runner import run_version
from governance.rawstore import RawStore
from governance.settings import Layout

DATASET = "support_tickets"


def _evaluation(instance: dg.DagsterInstance, stage: str, check: str, version: str):
    key = dg.AssetCheckKey(stage_key(DATASET, stage), check)
    records = [r for r in instance.event_log_storage.get_asset_check_execution_history(
        key, limit=100, status={Status.SUCCEEDED, Status.FAILED}) if r.partition == version]
    assert records, f"{check} did not run for {version}"
    return records[0], records[0].event.asset_check_evaluation


def _meta(evaluation) -> dict:
    return {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}


def _delivered_at(instance: dg.DagsterInstance, version: str) -> datetime:
    result = instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=stage_key(DATASET, "delivered"), asset_partitions=[version]), limit=1)
    return datetime.fromtimestamp(result.records[0].timestamp, UTC)


@pytest.fixture
def two_batches(tmp_path: Path) -> tuple[Path, Path]:
    """Two deliverable support-ticket batches with different bytes."""
    source = generate_demo(tmp_path / "src", date(2026, 11, 20))[DATASET][0]
    lines = source.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(b"".join(lines[:301]))
    second.write_bytes(b"".join([lines[0], *lines[301:601]]))
    return first, second


def test_late_versions_breach_and_spend_the_error_budget(data_dir, instance, defs, two_batches):
    now = datetime.now(UTC)
    raw = RawStore(Layout(data_dir).raw_dir)
    # v1 landed ten days ago and was never run; v2 lands two hours ago: a 10-day gap.
    old = raw.put(DATASET, two_batches[0], now=now - timedelta(days=10)).raw
    new = raw.put(DATASET, two_batches[1], now=now - timedelta(hours=2)).raw
    instance.add_dynamic_partitions(partitions_name(DATASET), [old.version, new.version])
    outcomes = [run_version(defs, instance, DATASET, v) for v in (old.version, new.version)]
    assert [o.status for o in outcomes] == ["delivered", "delivered"]

    record, late = _evaluation(instance, "delivered", CHECK_LATENCY, old.version)
    assert not late.passed and late.severity == dg.AssetCheckSeverity.ERROR
    # The checks ran inside the version's pipeline run.
    assert instance.get_run_by_id(record.run_id).job_name == job_name(DATASET)
    arrived = datetime.fromisoformat(old.arrived_at)
    expected = (_delivered_at(instance, old.version) - arrived).total_seconds()
    meta = _meta(late)
    assert meta[META_SLO_OBSERVED] == pytest.approx(expected, abs=1e-3)
    assert meta["slo/latency_hours"] == pytest.approx(expected / 3600, abs=1e-4)
    assert meta["slo/target_hours"] == 6.0
    # One version, one breach: allowed 0.05, remaining (0.05 - 1) / 0.05.
    assert (meta["slo/evaluated_in_window"], meta["slo/breaches_in_window"]) == (1, 1)
    assert meta[META_SLO_BUDGET_REMAINING] == pytest.approx(-19.0)

    _, on_time = _evaluation(instance, "delivered", CHECK_LATENCY, new.version)
    meta = _meta(on_time)
    assert on_time.passed
    # Two versions, one breach: allowed 0.1, remaining (0.1 - 1) / 0.1.
    assert (meta["slo/evaluated_in_window"], meta["slo/breaches_in_window"]) == (2, 1)
    assert meta[META_SLO_BUDGET_REMAINING] == pytest.approx(-9.0)

    _, gap = _evaluation(instance, "intake", CHECK_ARRIVAL, new.version)
    assert not gap.passed and gap.severity == dg.AssetCheckSeverity.WARN
    gap_seconds = (datetime.fromisoformat(new.arrived_at) - arrived).total_seconds()
    assert _meta(gap)[META_SLO_OBSERVED] == pytest.approx(gap_seconds)
    _, first = _evaluation(instance, "intake", CHECK_ARRIVAL, old.version)
    assert first.passed and _meta(first)["slo/counted"] is False

    _, unavailable = _evaluation(instance, "delivered", CHECK_AVAILABILITY, old.version)
    assert not unavailable.passed and unavailable.severity == dg.AssetCheckSeverity.WARN
    # The blocking outcome is unchanged: a breached service level never blocks delivery.
    assert Layout(data_dir).delivered_file(DATASET, old.version).exists()
