"""Definitions of the stage chain for a list of contracts."""

from __future__ import annotations

import dagster as dg

from dataops_assets.constants import job_name
from dataops_assets.stages.assets import build_dataset_assets, dataset_partitions
from governance.contracts import DatasetContract


def stage_defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Assets and one pipeline job per dataset."""
    assets, jobs = [], []
    for contract in contracts:
        assets += build_dataset_assets(contract)
        jobs.append(dg.define_asset_job(
            job_name(contract.name),
            selection=dg.AssetSelection.groups(contract.name),
            partitions_def=dataset_partitions(contract),
            description=f"Runs {contract.name}'s stage chain for one version.",
        ))
    return dg.Definitions(assets=assets, jobs=jobs)
