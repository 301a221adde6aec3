"""The `<ds>/pipeline_health` asset: weekly health of a dataset's pipeline, read from the
instance (run records, step stats and the event log), with its job and daily schedule.

The arithmetic is governance/service_levels/health.py; here only the reading happens.
"""


from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import dagster as dg

from dataops_assets.keys import (
    PIPELINE_HEALTH,
    PIPELINE_HEALTH_JOB,
    PIPELINE_HEALTH_SCHEDULE,
    TAG_PARTITION,
    job_name,
    stage_key,
)
from dataops_assets.metadata import contract_link, owners
from dataops_assets.outcomes import outcome_from_events
from governance.contracts import DatasetContract
from governance.service_levels.health import (
    RunRecord,
    StepRecord,
    WeekHealth,
    stages_table,
    weekly_health,
    weeks_table,
)

if TYPE_CHECKING:  # not exported by dagster's public namespace
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

_FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
             dg.DagsterRunStatus.CANCELED]


def step_stage(dataset: str, step_key: str) -> str:
    """The stage a step belongs to: 'ds__delivered.ds_delivery_treat[chunk_00001]' -> its op
    without the dataset ('delivery_treat'), 'ds__intake' -> 'intake'; a check step keeps its
    own name ('delivered_latency_within_slo')."""
    tail = step_key.split("__", 1)[-1]
    if "." in tail:
        tail = tail.split(".", 1)[1].removeprefix(f"{dataset}_")
    return tail.split("[", 1)[0]


def _pool_waits(entries: Iterable[dg.EventLogEntry]) -> dict[str, float]:
    """Seconds each step waited for a pool slot: first 'blocked by limit for pool' engine
    event to STEP_START (the engine logs the first block and then every few minutes)."""
    blocked: dict[str, float] = {}
    started: dict[str, float] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == dg.DagsterEventType.ENGINE_EVENT and "pool" in (
                getattr(event.event_specific_data, "metadata", None) or {}):
            blocked.setdefault(event.step_key, entry.timestamp)
        elif event.event_type == dg.DagsterEventType.STEP_START:
            started.setdefault(event.step_key, entry.timestamp)
    return {step: max(started[step] - at, 0.0) for step, at in blocked.items()
            if step in started}


def read_records(instance: dg.DagsterInstance,
                 dataset: str) -> tuple[list[RunRecord], list[StepRecord]]:
    """The finished runs of a dataset's pipeline job and their steps, from the instance."""
    runs, steps = [], []
    for record in instance.get_run_records(dg.RunsFilter(job_name=job_name(dataset),
                                                         statuses=_FINISHED)):
        run = record.dagster_run
        version = run.tags.get(TAG_PARTITION)
        if not version:
            continue
        entries = instance.all_logs(run.run_id)
        outcome = outcome_from_events(dataset, version, run.run_id,
                                      [e.dagster_event for e in entries if e.dagster_event])
        started = record.start_time or record.create_timestamp.timestamp()
        runs.append(RunRecord(run.run_id, version, outcome.status,
                              datetime.fromtimestamp(started, UTC)))
        waits = _pool_waits(entries)
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time is None or stat.end_time is None:
                continue
            steps.append(StepRecord(run.run_id, step_stage(dataset, stat.step_key),
                                    stat.end_time - stat.start_time, stat.attempts or 1,
                                    waits.get(stat.step_key, 0.0)))
    return runs, steps


def health_metadata(weeks: list[WeekHealth]) -> dict[str, object]:
    """Numeric figures of the latest week (the UI plots them run after run) and tables."""
    if not weeks:
        return {"health/weeks": 0, "weeks": dg.MetadataValue.md("No finished runs yet.")}
    w = weeks[-1]
    metadata: dict[str, object] = {
        "health/weeks": len(weeks),
        "health/week": w.week,
        "health/runs": w.runs,
        "health/run_success_rate": dg.MetadataValue.float(w.success_rate),
        "health/delivered_runs": w.delivered_runs,
        "health/blocked_runs": w.blocked_runs,
        "health/failed_runs": w.failed_runs,
        "health/versions_received": w.received,
        "health/versions_delivered": w.delivered,
        "health/versions_blocked": w.blocked,
        "health/first_pass_yield": dg.MetadataValue.float(w.first_pass_yield),
        "health/retries": w.retries,
        "health/pool_wait_seconds": dg.MetadataValue.float(round(w.pool_wait_seconds, 3)),
    }
    for stage, s in w.stages.items():
        metadata[f"health/p50_seconds/{stage}"] = dg.MetadataValue.float(round(s.p50_seconds, 3))
        metadata[f"health/p95_seconds/{stage}"] = dg.MetadataValue.float(round(s.p95_seconds, 3))
    metadata["weeks"] = dg.MetadataValue.md(weeks_table(weeks))
    metadata["stages"] = dg.MetadataValue.md(stages_table(weeks))
    return metadata


def build_pipeline_health(contract: DatasetContract) -> dg.AssetsDefinition:
    """The dataset's pipeline health, recomputed from the instance when its job runs."""

    @dg.asset(
        key=stage_key(contract.name, PIPELINE_HEALTH), group_name=contract.name,
        owners=owners(contract), kinds={"dagster"}, metadata=contract_link(contract),
        description=f"Health of {contract.name}'s pipeline per ISO week, read from the Dagster "
        "instance: run success rate (a run refused by the delivery gate is blocked, not "
        "failed), step duration p50/p95 per stage, retries, time waiting for the writer pool "
        "(0 for in-process runs, which never queue), versions received / delivered / blocked "
        "and first-pass yield (delivered by the version's only run).")
    def pipeline_health(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        runs, steps = read_records(context.instance, contract.name)
        return dg.MaterializeResult(metadata=health_metadata(weekly_health(runs, steps)))

    return pipeline_health


def pipeline_health_job(contracts: list[DatasetContract]) -> "UnresolvedAssetJobDefinition":
    """The job refreshing every dataset's pipeline health."""
    return dg.define_asset_job(
        PIPELINE_HEALTH_JOB,
        selection=dg.AssetSelection.assets(*(stage_key(c.name, PIPELINE_HEALTH)
                                             for c in contracts)),
        description="Recomputes every dataset's pipeline health from the instance.")


def pipeline_health_schedule(job: "UnresolvedAssetJobDefinition") -> dg.ScheduleDefinition:
    """Daily at 06:00 UTC, before the working day's first look at the dashboards."""
    return dg.ScheduleDefinition(job=job, cron_schedule="0 6 * * *", name=PIPELINE_HEALTH_SCHEDULE,
                                 execution_timezone="UTC",
                                 default_status=dg.DefaultScheduleStatus.RUNNING)
