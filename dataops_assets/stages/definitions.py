"""Definitions of the stage chain (intake, cleaned, validated, delivered) and its job."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from dataops_assets.keys import (
    NOT_IN_PIPELINE,
    PLANNING_STAGES,
    dataset_partitions,
    job_name,
    stage_key,
)
from dataops_assets.stages.assets import build_stage_assets
from dataops_assets.stages.delivered import build_delivered_asset
from governance.contracts import DatasetContract
from governance.labeling.spec import labeling_spec

if TYPE_CHECKING:  # not exported by dagster's public namespace
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def pipeline_job(contract: DatasetContract) -> UnresolvedAssetJobDefinition:
    """The job that runs a dataset's whole chain for one version, whichever folder built it."""
    return dg.define_asset_job(
        job_name(contract.name),
        # The group's assets that follow a run rather than belong to it (keys.NOT_IN_PIPELINE),
        # and the planning assets, which follow the labeling runs (an annotation dataset's).
        selection=dg.AssetSelection.groups(contract.name)
        - dg.AssetSelection.assets(*(stage_key(contract.name, a) for a in (
            *NOT_IN_PIPELINE, *(PLANNING_STAGES if labeling_spec(contract) else ())))),
        partitions_def=dataset_partitions(contract.name),
        description=f"Runs {contract.name}'s stage chain for one version.",
    )


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Stage assets (their checks included) and one pipeline job per dataset."""
    return dg.Definitions(
        assets=[a for c in contracts
                for a in (*build_stage_assets(c), build_delivered_asset(c))],
        jobs=[pipeline_job(c) for c in contracts])
