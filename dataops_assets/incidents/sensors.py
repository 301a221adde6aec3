"""The incident sensor: opens, attaches and escalates incidents from what the instance saw.

Each tick reads the runs that ended since the last tick (blocking check failures, breached
service levels, failed runs), the drift refresh requests, the versions still undelivered past
their latency target and the batches that did not arrive on time; it records each as a
signal in the incident book, runs one escalation pass and records a runless materialization
of `<ds>/incidents` for every dataset whose incidents changed, so the UI shows them in the
dataset's group. The book is idempotent per (dataset, key, version), so a replayed tick (a
reset cursor, the demo's own tick followed by the daemon's) changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg

from dataops_assets.auditing import audit_log
from dataops_assets.incidents.resources import NotifierResource
from dataops_assets.incidents.signals import read_run
from dataops_assets.keys import (
    CHECK_ARRIVAL,
    CHECK_AVAILABILITY,
    CHECK_LATENCY,
    INCIDENT_SENSOR,
    INCIDENTS,
    META_INCIDENTS_ACTIVE,
    META_INCIDENTS_HIGH,
    META_INCIDENTS_TABLE,
    stage_key,
)
from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshLedger
from governance.incidents.book import IncidentBook
from governance.incidents.escalation import escalate
from governance.incidents.model import (
    DRIFT,
    FRESHNESS,
    HIGH,
    KEY_DRIFT_REFRESH,
    KEY_MISSING_BATCH,
    LATENCY,
    MEDIUM,
    Evidence,
    Incident,
    Signal,
)
from governance.incidents.notify import Notifier
from governance.incidents.policy import incident_policy
from governance.rawstore import RawStore
from governance.service_levels.breaches import Breach, missing_batch, overdue_versions
from governance.settings import Layout
from governance.stages import DELIVERED

# Run endings are read in pages; a busy instance catches up over a few ticks.
_PAGE = 100
_ENDINGS = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)
# The check each plain service-level name is reported under, so a breach seen by the
# sensor (a version still undelivered) and one seen by the check share an incident.
_SLO_KEYS = {"latency": CHECK_LATENCY, "timeOfAvailability": CHECK_AVAILABILITY,
             "frequency": CHECK_ARRIVAL}


@dataclass
class WatchResult:
    """What one pass did: datasets whose incidents changed, notifications sent, new cursor."""

    cursor: str
    changed: set[str] = field(default_factory=set)
    notifications: int = 0
    asset_events: list[dg.AssetMaterialization] = field(default_factory=list)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _read_endings(instance: dg.DagsterInstance, book: IncidentBook,
                  contracts: Mapping[str, DatasetContract], cursors: dict[str, str | None],
                  changed: set[str]) -> None:
    for ending in _ENDINGS:
        page = instance.fetch_run_status_changes(ending, limit=_PAGE,
                                                 cursor=cursors.get(ending.value),
                                                 ascending=True)
        for record in page.records:
            run = instance.get_run_by_id(record.event_log_entry.run_id)
            if run is None:
                continue
            reading = read_run(instance, run, record.timestamp, contracts)
            for signal in reading.signals:
                if book.record(signal)[1] != "known":
                    changed.add(signal.dataset)
            for passed in reading.passed:
                if book.passed(passed.dataset, passed.key, passed.version, passed.at):
                    changed.add(passed.dataset)
        cursors[ending.value] = page.cursor


def _drift_signals(layout: Layout, contracts: Mapping[str, DatasetContract]) -> list[Signal]:
    return [Signal(
        dataset=r.dataset, version=r.version, key=KEY_DRIFT_REFRESH, type=DRIFT,
        severity=MEDIUM, at=_at(r.requested_at),
        summary=f"{len(r.drifted_columns)} column(s) drifted from {r.reference_version} "
        f"({r.share_drifted:.0%}): {', '.join(r.drifted_columns)}; refresh requested",
        evidence=(Evidence("refresh_request", f"{r.dataset}/{r.version}", r.version, r.job),))
        for r in RefreshLedger(layout.refresh_requests_file).list() if r.dataset in contracts]


def _breach_signal(breach: Breach) -> Signal:
    key = KEY_MISSING_BATCH if breach.version is None else _SLO_KEYS.get(breach.slo, breach.slo)
    hours = breach.observed_seconds / 3600
    target = breach.target_seconds / 3600
    what = ("no new version arrived" if breach.version is None
            else f"{breach.version} not delivered")
    return Signal(
        dataset=breach.dataset, version=breach.version, key=key,
        type=FRESHNESS if breach.version is None else LATENCY,
        severity=HIGH if breach.severity == "error" else MEDIUM, at=breach.at,
        summary=f"{breach.slo} breached: {what} after {hours:.1f} h (target {target:.1f} h)",
        evidence=(Evidence("slo", f"{breach.dataset}:{breach.slo}", breach.version,
                           f"{hours:.1f} h against {target:.1f} h"),))


def _service_levels(instance: dg.DagsterInstance, layout: Layout, book: IncidentBook,
                    contracts: Mapping[str, DatasetContract], now: datetime,
                    changed: set[str]) -> None:
    """Versions still undelivered past their latency target and batches that did not arrive;
    a batch arriving after a missing-batch incident is that key's passing re-run."""
    raw = RawStore(layout.raw_dir)
    for contract in contracts.values():
        arrivals = raw.arrivals(contract.name)
        delivered = instance.get_materialized_partitions(stage_key(contract.name, DELIVERED))
        gap = missing_batch(contract, max(arrivals.values(), default=None), now)
        for breach in (*overdue_versions(contract, arrivals, delivered, now),
                       *([gap] if gap else [])):
            if book.record(_breach_signal(breach))[1] != "known":
                changed.add(contract.name)
        if gap is None and arrivals:
            newest = max(arrivals, key=arrivals.__getitem__)
            if book.passed(contract.name, KEY_MISSING_BATCH, newest, arrivals[newest]):
                changed.add(contract.name)


def _table(incidents: list[Incident]) -> str:
    rows = ["| id | type | severity | state | versions | owner | assignee | opened | summary |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    rows += [f"| {i.id} | {i.type} | {i.severity} | {i.state} | {', '.join(i.versions)} | "
             f"{i.owner} | {i.assignee or ''} | {i.opened_at.isoformat()} | "
             f"{i.summary.replace('|', '/')} |" for i in incidents]
    return "\n".join(rows) if incidents else "No active incidents."


def incidents_event(book: IncidentBook, dataset: str) -> dg.AssetMaterialization:
    """A runless materialization of `<ds>/incidents` listing the active incidents."""
    active = [i for i in book.list(dataset=dataset) if i.active]
    return dg.AssetMaterialization(
        asset_key=stage_key(dataset, INCIDENTS),
        description=f"{len(active)} active incident(s)",
        metadata={META_INCIDENTS_ACTIVE: len(active),
                  META_INCIDENTS_HIGH: sum(i.severity == HIGH for i in active),
                  META_INCIDENTS_TABLE: dg.MetadataValue.md(_table(active))})


def watch(instance: dg.DagsterInstance, layout: Layout,
          contracts: Mapping[str, DatasetContract], notifier: Notifier,
          cursor: str | None, now: datetime) -> WatchResult:
    """One pass of the incident sensor (the demo and tests call it directly)."""
    cursors = json.loads(cursor) if cursor else {}
    book = IncidentBook(layout, contracts, audit_log(layout.data_dir, instance))
    changed: set[str] = set()
    _read_endings(instance, book, contracts, cursors, changed)
    for signal in _drift_signals(layout, contracts):
        if book.record(signal)[1] != "known":
            changed.add(signal.dataset)
    _service_levels(instance, layout, book, contracts, now, changed)
    policies = {name: incident_policy(c) for name, c in contracts.items()}
    sent = escalate(book, policies, now, notifier)
    changed |= {n.dataset for n in sent}
    if cursor is None:
        changed |= set(contracts)  # a first pass shows every dataset's incidents
    return WatchResult(cursor=json.dumps(cursors, sort_keys=True), changed=changed,
                       notifications=len(sent),
                       asset_events=[incidents_event(book, d) for d in sorted(changed)])


def build_incident_sensor(contracts: list[DatasetContract]) -> dg.SensorDefinition:
    """The sensor that keeps the incident book up to date and escalates."""
    by_name = {c.name: c for c in contracts}

    @dg.sensor(name=INCIDENT_SENSOR, minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Opens an incident per (dataset, check or service level) from "
               "blocking check failures, breached service levels, failed runs, missing "
               "batches and drift refresh requests; attaches later versions to the open one; "
               "notifies and escalates as each contract says.")
    def incident_watch(context: dg.SensorEvaluationContext, store: DataStore,
                       notifier: NotifierResource) -> dg.SensorResult:
        result = watch(context.instance, store.layout, by_name,
                       notifier.notifier(store.layout), context.cursor, datetime.now(UTC))
        return dg.SensorResult(asset_events=result.asset_events, cursor=result.cursor)

    return incident_watch
