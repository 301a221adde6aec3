"""What the weekly report needs from the Dagster instance, as plain data: the outcome of each
version's latest pipeline run (and whether its first run delivered it) and every counted
service-level check evaluation. The governance builder does the arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from dataops_assets.keys import (
    META_SLO_NAME,
    SERVICE_LEVEL_CHECK_STAGES,
    TAG_PARTITION,
    job_name,
    stage_key,
)
from dataops_assets.outcomes import VersionOutcome, outcome_from_events
from dataops_assets.service_levels.history import counted_evaluations
from governance.contracts import DatasetContract
from governance.reporting.model import RunOutcome, SloEvaluation

_FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]


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
        for check, stage in SERVICE_LEVEL_CHECK_STAGES.items():
            key = dg.AssetCheckKey(stage_key(contract.name, stage), check)
            for evaluation, meta in counted_evaluations(instance, key):
                name = meta.get(META_SLO_NAME)
                if name is None:
                    continue
                out.append(SloEvaluation(contract.name, check, str(name.value),
                                         evaluation.version, evaluation.at, evaluation.passed))
    return sorted(out, key=lambda e: (e.at, e.dataset, e.check, e.version))
