"""Definitions of drift: the drift and refresh-request assets, the sensor and refresh job."""

from __future__ import annotations

import dagster as dg

from dataops_assets.drift.assets import build_drift_asset, build_refresh_request_asset
from dataops_assets.drift.sensors import build_drift_sensor
from dataops_assets.keys import dataset_partitions, default_refresh_job_name
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Per dataset: drift asset, refresh-request asset, its default job and the drift sensor."""
    assets, jobs, sensors = [], [], []
    for contract in contracts:
        handoff = build_refresh_request_asset(contract)
        assets += [build_drift_asset(contract), handoff]
        jobs.append(dg.define_asset_job(
            default_refresh_job_name(contract.name), selection=[handoff.key],
            partitions_def=dataset_partitions(contract.name),
            description=f"Hands a drift refresh request for {contract.name} on to the model "
            "team: marks it dispatched in the refresh-request ledger."))
        sensors.append(build_drift_sensor(contract))
    return dg.Definitions(assets=assets, jobs=jobs, sensors=sensors)
