"""Definitions of datasheets: one asset and one job per dataset, and the refresh sensors."""

from __future__ import annotations

import dagster as dg

from dataops_assets.datasheets.assets import build_datasheet_asset
from dataops_assets.datasheets.sensors import build_datasheet_sensors
from dataops_assets.keys import dataset_partitions, datasheet_job_name
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Datasheet assets and jobs, and the sensors that run them after pipeline runs end."""
    assets = [build_datasheet_asset(c, contracts) for c in contracts]
    jobs = [dg.define_asset_job(datasheet_job_name(c.name), selection=[a.key],
                                partitions_def=dataset_partitions(c.name))
            for c, a in zip(contracts, assets, strict=True)]
    return dg.Definitions(assets=assets, jobs=jobs,
                          sensors=build_datasheet_sensors(contracts, jobs))
