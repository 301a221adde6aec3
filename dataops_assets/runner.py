"""Run a dataset's stage chain for one version in-process and summarise the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dataops_assets.constants import job_name
from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshLedger, RefreshRequest
from governance.settings import Layout
from governance.stages import DELIVERED


@dataclass
class VersionOutcome:
    """What happened to one version: stages materialized, checks failed, errors."""

    dataset: str
    version: str
    run_id: str
    materialized: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        """True when the delivered stage was materialized."""
        return DELIVERED in self.materialized

    @property
    def blocked(self) -> bool:
        """True when a blocking check or the delivery gate stopped the version."""
        return not self.delivered and (bool(self.failed_checks) or any(
            "is blocked" in e for e in self.errors))

    @property
    def status(self) -> str:
        """delivered, blocked or failed."""
        if self.delivered:
            return "delivered"
        return "blocked" if self.blocked else "failed"


def run_version(defs: dg.Definitions, instance: dg.DagsterInstance, dataset: str,
                version: str) -> VersionOutcome:
    """Materialize every stage of one version, recording the run in the instance."""
    job = defs.resolve_job_def(job_name(dataset))
    result = job.execute_in_process(instance=instance, partition_key=version,
                                    raise_on_error=False)
    outcome = VersionOutcome(dataset, version, result.run_id)
    # The datasheet follows every run, delivered or blocked (the sensors do this in `dagster
    # dev`; in-process runs have no daemon, so the runner asks directly).
    defs.resolve_job_def(f"{dataset}_datasheet").execute_in_process(
        instance=instance, partition_key=version, raise_on_error=False)
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            outcome.materialized.append(event.asset_key.path[-1])
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                outcome.failed_checks.append(evaluation.check_name)
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            outcome.errors.append(error.message.strip() if error else "step failed")
    return outcome


def tick_drift_sensor(defs: dg.Definitions, instance: dg.DagsterInstance,
                      contract: DatasetContract) -> list[RefreshRequest]:
    """Evaluate a dataset's drift sensor once and run what it requests, as the daemon would."""
    sensor = defs.resolve_sensor_def(f"{contract.name}_drift_refresh")
    with dg.build_sensor_context(instance=instance, definitions=defs,
                                 resources=defs.resources) as context:
        result = sensor(context)
    ledger = RefreshLedger(Layout(Path(defs.resources["store"].data_dir))
                           .refresh_requests_file)
    for run in result.run_requests or []:
        job = defs.resolve_job_def(run.job_name or sensor.job_name)
        # The sensor's tags make the daemon see this run key as already launched.
        tags = {**run.tags, "dagster/run_key": run.run_key or "",
                "dagster/sensor_name": sensor.name}
        job.execute_in_process(instance=instance, partition_key=run.partition_key,
                               tags=tags, raise_on_error=False)
    return [r for run in result.run_requests or []
            if (r := ledger.get(contract.name, run.partition_key or "")) is not None]
