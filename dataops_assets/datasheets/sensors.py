"""Sensors that regenerate a version's datasheet after each pipeline run, delivered or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from dataops_assets.keys import (
    DATASHEET_AFTER_FAILURE,
    DATASHEET_AFTER_SUCCESS,
    TAG_PARTITION,
    datasheet_job_name,
    job_name,
)
from governance.contracts import DatasetContract

if TYPE_CHECKING:  # not exported by dagster's public namespace
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def build_datasheet_sensors(contracts: list[DatasetContract],
                            jobs: list[UnresolvedAssetJobDefinition]
                            ) -> list[dg.SensorDefinition]:
    """A run-success and a run-failure sensor requesting the datasheet job of the version."""
    by_pipeline = {job_name(c.name): datasheet_job_name(c.name) for c in contracts}

    def _request(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        run = context.dagster_run
        partition = run.tags.get(TAG_PARTITION)
        if run.job_name not in by_pipeline or not partition:
            return dg.SkipReason("not a pipeline run of a version")
        return dg.RunRequest(run_key=f"datasheet:{run.run_id}", partition_key=partition,
                             job_name=by_pipeline[run.job_name])

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, request_jobs=jobs,
                          name=DATASHEET_AFTER_SUCCESS,
                          default_status=dg.DefaultSensorStatus.RUNNING)
    def after_success(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        return _request(context)

    @dg.run_failure_sensor(request_jobs=jobs, name=DATASHEET_AFTER_FAILURE,
                           default_status=dg.DefaultSensorStatus.RUNNING)
    def after_failure(context: dg.RunFailureSensorContext) -> dg.RunRequest | dg.SkipReason:
        # Blocked versions get a datasheet too: it says what blocked them.
        return _request(context)

    return [after_success, after_failure]
