"""Run a dataset's stage chain for one version in-process and summarise the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from dataops_assets.constants import job_name
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
