"""Definitions of the stage chain for a list of contracts."""

from __future__ import annotations

import warnings

import dagster as dg

from dataops_assets.constants import REFRESH_REQUEST, job_name
from dataops_assets.stages.assets import build_dataset_assets, dataset_partitions, stage_key
from dataops_assets.stages.checks import freshness_checks
from governance.contracts import DatasetContract


def stage_defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Assets, freshness checks (and the sensor that runs them) and one job per dataset."""
    assets, jobs, fresh = [], [], []
    for contract in contracts:
        assets += build_dataset_assets(contract)
        fresh += freshness_checks(contract, stage_key(contract.name, "validated"))
        jobs.append(dg.define_asset_job(
            job_name(contract.name),
            # The datasheet is refreshed by its own job after every run, blocked or not, and
            # refresh requests only ever run when the drift sensor asks.
            selection=dg.AssetSelection.groups(contract.name)
            - dg.AssetSelection.assets(stage_key(contract.name, "datasheet"),
                                       stage_key(contract.name, REFRESH_REQUEST)),
            partitions_def=dataset_partitions(contract),
            description=f"Runs {contract.name}'s stage chain for one version.",
        ))
    with warnings.catch_warnings():  # see checks.freshness_checks for why not FreshnessPolicy
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        sensors = [dg.build_sensor_for_freshness_checks(
            freshness_checks=fresh, name="freshness_checks_sensor",
            default_status=dg.DefaultSensorStatus.RUNNING)] if fresh else []
    return dg.Definitions(assets=assets, jobs=jobs, asset_checks=fresh, sensors=sensors)
