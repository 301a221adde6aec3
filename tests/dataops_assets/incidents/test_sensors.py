"""The incident sensor: the demo's incidents, replays, failed runs and breaches seen without a
check (a version still undelivered, a batch that never arrived)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dataops_assets.incidents.sensors import watch
from dataops_assets.keys import (
    CHECK_ARRIVAL,
    CHECK_LATENCY,
    INCIDENTS,
    META_INCIDENTS_ACTIVE,
    META_INCIDENTS_HIGH,
    TAG_PARTITION,
    job_name,
    stage_key,
)
from dataops_assets.runner import tick_incident_sensor
from governance.contracts import DatasetContract
from governance.incidents.book import IncidentBook
from governance.incidents.model import (
    DRIFT,
    FRESHNESS,
    HIGH,
    KEY_DRIFT_REFRESH,
    KEY_MISSING_BATCH,
    LATENCY,
    PIPELINE,
    Incident,
)
from governance.incidents.notify import Notifier
from governance.rawstore import RawStore
from governance.service_levels.spec import service_levels
from governance.settings import Layout
from governance.stages import DELIVERED


def _versions(demo, contracts: dict[str, DatasetContract]) -> tuple[set, set]:
    """(received, delivered) (dataset, version) pairs of the demo, read from the stores."""
    raw = RawStore(Layout(demo.data_dir).raw_dir)
    received = {(ds, v.version) for ds in contracts for v in raw.versions(ds)}
    delivered = {(ds, v) for ds in contracts for v in demo.instance.get_materialized_partitions(
        stage_key(ds, DELIVERED))}
    return received, delivered


def _book(data_dir: Path, contracts: dict[str, DatasetContract]) -> IncidentBook:
    return IncidentBook(Layout(data_dir), contracts)


def _snapshot(book: IncidentBook) -> list[tuple[Incident, int]]:
    return [(i, len(book.events(i.id))) for i in book.list()]


def test_every_blocked_demo_version_has_an_open_incident_of_its_owner(demo, contracts):
    received, delivered = _versions(demo, contracts)
    blocked = received - delivered
    assert len(blocked) == 4 and len(delivered) == 3
    incidents = _book(demo.data_dir, contracts).list()
    for dataset, version in sorted(blocked):
        linked = [i for i in incidents if i.dataset == dataset and version in i.versions]
        assert linked, f"{dataset} {version} is blocked but no incident names it"
        assert all(i.active and i.owner == contracts[dataset].owner_team for i in linked)
    # A delivered version never has an incident.
    assert not [i for i in incidents for v in i.versions if (i.dataset, v) in delivered]


def test_a_later_version_failing_the_same_check_attaches(demo, contracts):
    incidents = _book(demo.data_dir, contracts).list(dataset="support_tickets")
    intake = [i for i in incidents if i.key == "intake_complete"]
    assert len(intake) == 1 and intake[0].versions == ("v2", "v3")
    # Another check of v3 opened its own incident.
    privacy = [i for i in incidents if i.key == "pii_declared"]
    assert len(privacy) == 1 and privacy[0].versions == ("v3",)
    assert privacy[0].type == "privacy" and privacy[0].severity == HIGH


def test_a_drift_refresh_request_opened_a_drift_incident(demo, contracts):
    loans = _book(demo.data_dir, contracts).list(dataset="loan_applications")
    drift = [i for i in loans if i.key == KEY_DRIFT_REFRESH]
    assert len(drift) == 1
    assert drift[0].type == DRIFT and drift[0].versions == ("v2",) and drift[0].active


def test_the_incidents_asset_shows_the_active_incidents_in_the_dataset_group(demo, contracts):
    book = _book(demo.data_dir, contracts)
    for dataset in contracts:
        event = demo.instance.get_latest_materialization_event(stage_key(dataset, INCIDENTS))
        assert event is not None, dataset
        meta = event.asset_materialization.metadata
        active = [i for i in book.list(dataset=dataset) if i.active]
        assert meta[META_INCIDENTS_ACTIVE].value == len(active) > 0
        assert meta[META_INCIDENTS_HIGH].value == sum(i.severity == HIGH for i in active)
    assert "active incidents: 14 (12 high)" in demo.output


def test_a_replayed_pass_changes_nothing(demo, contracts, tmp_path):
    book = _book(demo.data_dir, contracts)
    before = _snapshot(book)
    # A reset cursor (as when the daemon first ticks after the demo's own tick) re-reads
    # every run; just after the demo no escalation step beyond the first is due.
    now = max(i.opened_at for i in book.list()) + timedelta(minutes=1)
    result = watch(demo.instance, Layout(demo.data_dir), contracts,
                   Notifier(tmp_path / "outbox.jsonl"), None, now)
    assert result.notifications == 0
    assert _snapshot(book) == before


def _failing_pipeline(dataset: str) -> dg.JobDefinition:
    @dg.op
    def intake() -> None:
        raise RuntimeError("worker lost")

    @dg.job(name=job_name(dataset))
    def pipeline() -> None:
        intake()

    return pipeline


def test_a_failed_run_opens_a_pipeline_incident_once(instance, data_dir, contracts, tmp_path):
    result = _failing_pipeline("support_tickets").execute_in_process(
        instance=instance, tags={TAG_PARTITION: "v1"}, raise_on_error=False)
    assert not result.success
    outbox = Notifier(tmp_path / "outbox.jsonl")
    now = datetime.now(UTC)
    first = watch(instance, Layout(data_dir), contracts, outbox, None, now)
    [incident] = _book(data_dir, contracts).list()
    assert (incident.type, incident.key, incident.severity, incident.versions) == (
        PIPELINE, "run_failure", HIGH, ("v1",))
    assert ("run", result.run_id) in {(e.kind, e.ref) for e in incident.evidence}
    assert "support_tickets" in first.changed and first.notifications == 1
    # The next pass starts from the cursor: nothing new.
    second = watch(instance, Layout(data_dir), contracts, outbox, first.cursor, now)
    assert second.changed == set() and second.asset_events == []
    assert len(_book(data_dir, contracts).list()) == 1


def test_an_undelivered_version_and_a_missing_batch_are_breaches(instance, data_dir, contracts,
                                                                 tmp_path):
    loans = contracts["loan_applications"]
    levels = service_levels(loans)
    arrived = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    source = tmp_path / "batch.csv"
    source.write_text("application_id\nA-1\n", encoding="utf-8")
    RawStore(Layout(data_dir).raw_dir).put("loan_applications", source, now=arrived)
    # Just before the latency target nothing is due ...
    early = arrived + levels.latency - timedelta(minutes=1)
    watch(instance, Layout(data_dir), contracts, Notifier(tmp_path / "o.jsonl"), None, early)
    assert _book(data_dir, contracts).list() == []
    # ... after it the version is late, and after frequency + grace the next batch is missing.
    late = arrived + levels.frequency + levels.grace + timedelta(hours=1)
    watch(instance, Layout(data_dir), contracts, Notifier(tmp_path / "o.jsonl"), None, late)
    found = {i.key: i for i in _book(data_dir, contracts).list()}
    assert set(found) == {CHECK_LATENCY, KEY_MISSING_BATCH}
    assert found[CHECK_LATENCY].type == LATENCY and found[CHECK_LATENCY].versions == ("v1",)
    assert found[KEY_MISSING_BATCH].type == FRESHNESS and found[KEY_MISSING_BATCH].versions == ()
    severity = {"error": HIGH}.get(levels.objective("latency").severity, "medium")
    assert found[CHECK_LATENCY].severity == severity
    assert CHECK_ARRIVAL not in found  # a missing batch is its own key, not the arrival check
    # The next batch arrives: the contract lets that resolve the missing-batch incident,
    # and the old deadline never opens it again.
    source.write_text("application_id\nA-2\n", encoding="utf-8")
    RawStore(Layout(data_dir).raw_dir).put("loan_applications", source, now=late)
    for minutes in (1, 2):
        watch(instance, Layout(data_dir), contracts, Notifier(tmp_path / "o.jsonl"), None,
              late + timedelta(minutes=minutes))
    missing = [i for i in _book(data_dir, contracts).list() if i.key == KEY_MISSING_BATCH]
    assert [(i.state, i.cause) for i in missing] == [("resolved", "upstream source change")]


def test_the_in_process_tick_records_the_asset_events(instance, data_dir, contracts, defs):
    _failing_pipeline("loan_applications").execute_in_process(
        instance=instance, tags={TAG_PARTITION: "v1"}, raise_on_error=False)
    assert tick_incident_sensor(defs, instance) == len(contracts)
    event = instance.get_latest_materialization_event(stage_key("loan_applications", INCIDENTS))
    assert event.asset_materialization.metadata[META_INCIDENTS_ACTIVE].value == 1


@pytest.fixture(autouse=True)
def _no_dagster_home(monkeypatch):
    # The audit witness must use the test's instance, never a home left by another test.
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
