"""The planning job of an annotation dataset and the sensor that runs it after labeling."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from dataops_assets.keys import (
    LABELING,
    PLANNING_STAGES,
    planning_job_name,
    planning_sensor_name,
    stage_key,
)
from governance.contracts import DatasetContract

if TYPE_CHECKING:  # not exported by dagster's public namespace
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def planning_job(contract: DatasetContract) -> UnresolvedAssetJobDefinition:
    """The job that refreshes the vendor comparison and the budget of one dataset."""
    return dg.define_asset_job(
        planning_job_name(contract.name),
        selection=dg.AssetSelection.assets(*(stage_key(contract.name, s)
                                             for s in PLANNING_STAGES)),
        description=f"Refreshes {contract.name}'s vendor comparison and labeling budget.")


def build_planning_sensor(contract: DatasetContract) -> dg.SensorDefinition:
    """Requests the planning job after each new materialization of the labeling asset."""

    @dg.asset_sensor(
        asset_key=stage_key(contract.name, LABELING), name=planning_sensor_name(contract.name),
        job_name=planning_job_name(contract.name), minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"After each labeling batch of {contract.name} is measured, refreshes "
        "the vendor comparison and the budget (one run per labeling materialization).")
    def planning_after_labeling(context: dg.SensorEvaluationContext,
                                asset_event: dg.EventLogEntry) -> dg.RunRequest:
        # One run per labeling materialization: its run and time make the run key.
        return dg.RunRequest(run_key=f"labeling-{asset_event.run_id or 'runless'}-"
                             f"{asset_event.timestamp:.6f}")

    return planning_after_labeling
