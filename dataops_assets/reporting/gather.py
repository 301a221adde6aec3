"""What the weekly report needs from the Dagster instance, as plain data: the outcome of each
version's latest pipeline run (and whether its first run delivered it) and every counted
service-level check evaluation. The governance builder does the arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
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
    LABELING,
    META_SLO_COUNTED,
    META_SLO_NAME,
    TAG_PARTITION,
    job_name,
    stage_key,
)
from dataops_assets.outcomes import VersionOutcome, outcome_from_events
from governance.contracts import DatasetContract
from governance.reporting.model import RunOutcome, SloEvaluation
from governance.stages import DELIVERED, INTAKE

_FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
_HISTORY = 10_000
# Which asset each service-level check is declared on (dataops_assets/service_levels/).
_CHECK_STAGE = {CHECK_LATENCY: DELIVERED, CHECK_AVAILABILITY: DELIVERED, CHECK_ARRIVAL: INTAKE,
                CHECK_LABELING_TURNAROUND: LABELING, CHECK_LABELING_THROUGHPUT: LABELING,
                CHECK_LABELING_COST: LABELING}


def _outcome(instance: dg.DagsterInstance, dataset: str, run: dg.DagsterRun) -> VersionOutcome:
    events = [e.dagster_event for e in instance.all_logs(run.run_id)
              if e.dagster_event is not None]
    return outcome_from_events(dataset, run.tags.get(TAG_PARTITION, ""), run.run_id, events)


def run_outcomes(instance: dg.DagsterInstance,
                 contracts: list[DatasetContract]) -> list[RunOutcome]:
    """Per version of each dataset: its latest finished pipeline run's outcome."""
    out = []
    for contract in contracts:
        records = instance.get_run_records(dg.RunsFilter(job_name=job_name(contract.name),
                                                         statuses=_FINISHED))
        by_version: dict[str, list[dg.RunRecord]] = {}
        for record in records:
            version = record.dagster_run.tags.get(TAG_PARTITION)
            if version and record.end_time is not None:
                by_version.setdefault(version, []).append(record)
        for version, runs in sorted(by_version.items()):
            runs.sort(key=lambda r: (r.start_time or 0, r.end_time or 0))
            first, last = runs[0], runs[-1]
            latest = _outcome(instance, contract.name, last.dagster_run)
            first_out = latest if first is last else _outcome(instance, contract.name,
                                                              first.dagster_run)
            out.append(RunOutcome(contract.name, version, latest.status,
                                  datetime.fromtimestamp(last.end_time, UTC),
                                  first_out.delivered, bool(latest.refusals)))
    return out


def slo_evaluations(instance: dg.DagsterInstance,
                    contracts: list[DatasetContract]) -> list[SloEvaluation]:
    """Every counted evaluation of each dataset's service-level checks, oldest first."""
    out = []
    for contract in contracts:
        for check, stage in _CHECK_STAGE.items():
            key = dg.AssetCheckKey(stage_key(contract.name, stage), check)
            for record in instance.event_log_storage.get_asset_check_execution_history(
                    key, limit=_HISTORY, status={Status.SUCCEEDED, Status.FAILED}):
                entry = record.event
                evaluation = entry.asset_check_evaluation if entry is not None else None
                if evaluation is None or not evaluation.partition:
                    continue
                meta = evaluation.metadata
                counted = meta.get(META_SLO_COUNTED)
                name = meta.get(META_SLO_NAME)
                if (counted is not None and not counted.value) or name is None:
                    continue
                out.append(SloEvaluation(contract.name, check, str(name.value),
                                         evaluation.partition,
                                         datetime.fromtimestamp(entry.timestamp, UTC),
                                         evaluation.passed))
    return sorted(out, key=lambda e: (e.at, e.dataset, e.check, e.version))
