"""Reading the Dagster instance into incident signals: what went wrong in a finished run.

The incident sensor asks this module, for each run that ended, which blocking checks failed,
which service levels were breached and whether the run failed for a reason other than a
refusal (a bug, a lost worker). Everything it returns is plain data (governance's `Signal`),
so the incident book never sees Dagster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg

from dataops_assets.keys import (
    CHECK_ARRIVAL,
    CHECK_AVAILABILITY,
    CHECK_FRESHNESS,
    CHECK_LABELING_COST,
    CHECK_LABELING_THROUGHPUT,
    CHECK_LABELING_TURNAROUND,
    CHECK_LATENCY,
    LABELING_STAGES,
    PII_SCAN,
    TAG_PARTITION,
    job_name,
)
from dataops_assets.outcomes import outcome_from_events
from governance.contracts import DatasetContract
from governance.incidents.model import (
    FRESHNESS,
    HIGH,
    KEY_RUN_FAILURE,
    LABELING,
    LATENCY,
    MEDIUM,
    PIPELINE,
    PRIVACY,
    QUALITY,
    Evidence,
    Signal,
)

# Service-level checks open an incident at any severity (error: high, warning: medium);
# other checks open one only when they block delivery.
SLO_CHECK_TYPES = {
    CHECK_LATENCY: LATENCY, CHECK_AVAILABILITY: LATENCY, CHECK_ARRIVAL: FRESHNESS,
    CHECK_FRESHNESS: FRESHNESS, CHECK_LABELING_TURNAROUND: LABELING,
    CHECK_LABELING_THROUGHPUT: LABELING, CHECK_LABELING_COST: LABELING,
}
_EVENT_TYPES = {dg.DagsterEventType.ASSET_MATERIALIZATION,
                dg.DagsterEventType.ASSET_CHECK_EVALUATION, dg.DagsterEventType.STEP_FAILURE}


@dataclass(frozen=True)
class Passed:
    """A check that passed for a version: an incident on it may auto-resolve."""

    dataset: str
    key: str
    version: str
    at: datetime


@dataclass
class RunReading:
    """What one finished run says: signals to record and checks that passed."""

    signals: list[Signal] = field(default_factory=list)
    passed: list[Passed] = field(default_factory=list)


def incident_type(stage: str, check: str) -> str:
    """The incident type of a failing check, from its name and the stage it judges."""
    if check in SLO_CHECK_TYPES:
        return SLO_CHECK_TYPES[check]
    if stage == PII_SCAN or check.startswith("pii_"):
        return PRIVACY
    if stage in LABELING_STAGES:
        return LABELING
    return QUALITY


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(microsecond=0)


def read_run(instance: dg.DagsterInstance, run: dg.DagsterRun, ended_at: float,
             contracts: Mapping[str, DatasetContract]) -> RunReading:
    """Signals and passed checks of one finished run of a dataset version."""
    reading = RunReading()
    version = run.tags.get(TAG_PARTITION)
    if not version:
        return reading
    records = instance.all_logs(run.run_id, of_type=_EVENT_TYPES)
    events = [r.dagster_event for r in records if r.dagster_event is not None]
    for record in records:
        event = record.dagster_event
        if event is None or event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            continue
        evaluation = event.event_specific_data
        dataset, stage = evaluation.asset_key.path[0], evaluation.asset_key.path[-1]
        if dataset not in contracts:
            continue
        at = _at(record.timestamp)
        if evaluation.passed:
            reading.passed.append(Passed(dataset, evaluation.check_name, version, at))
            continue
        signal = _check_signal(evaluation, dataset, stage, version, at, run.run_id, events)
        if signal is not None:
            reading.signals.append(signal)
    dataset = _dataset_of(run, events, contracts)
    if run.status == dg.DagsterRunStatus.FAILURE and dataset is not None:
        outcome = outcome_from_events(dataset, version, run.run_id, events)
        # A refusal by a check or the delivery gate is the check's incident, not a failure.
        if outcome.status == "failed":
            reading.signals.append(Signal(
                dataset=dataset, version=version, key=KEY_RUN_FAILURE, type=PIPELINE,
                severity=HIGH, at=_at(ended_at),
                summary=f"run of {run.job_name} failed: "
                f"{len(outcome.unexpected) + len(outcome.errors)} step error(s)",
                evidence=(Evidence("run", run.run_id, version, run.job_name),)))
    return reading


def _check_signal(evaluation: object, dataset: str, stage: str, version: str, at: datetime,
                  run_id: str, events: list[dg.DagsterEvent]) -> Signal | None:
    check = evaluation.check_name  # type: ignore[attr-defined]
    error = evaluation.severity == dg.AssetCheckSeverity.ERROR  # type: ignore[attr-defined]
    blocking = bool(evaluation.blocking) or error  # type: ignore[attr-defined]
    if check in SLO_CHECK_TYPES:
        severity = HIGH if error else MEDIUM
    elif blocking:
        severity = HIGH
    else:
        return None  # a warning that is not a service level: shown, not an incident
    outcome = outcome_from_events(dataset, version, run_id, events)
    failed = next((c for c in outcome.checks if c.name == check), None)
    failures = failed.failures if failed is not None else None
    reason = failed.first_reason if failed is not None else "the check did not pass"
    count = "" if failures is None else f"{failures} failure(s); "
    return Signal(
        dataset=dataset, version=version, key=check, type=incident_type(stage, check),
        severity=severity, at=at, summary=f"{check} failed on {stage}: {count}{reason}",
        evidence=(Evidence("check", f"{dataset}/{stage}:{check}", version,
                           "" if failures is None else f"{failures} failure(s)"),
                  Evidence("run", run_id, version)))


def _dataset_of(run: dg.DagsterRun, events: Iterable[dg.DagsterEvent],
                contracts: Mapping[str, DatasetContract]) -> str | None:
    for event in events:
        key = event.asset_key
        if key is not None and key.path[0] in contracts:
            return key.path[0]
    # A run that failed before any asset event: its job says whose it was.
    return next((name for name in contracts if job_name(name) == run.job_name), None)
