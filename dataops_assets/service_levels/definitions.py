"""Definitions of service levels: SLO checks and the pipeline-health asset per dataset."""

from __future__ import annotations

import dagster as dg

from dataops_assets.keys import PIPELINE_HEALTH, stage_key
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Per dataset: the pipeline-health asset (placeholder until the service-level work lands)."""
    return dg.Definitions(assets=[
        dg.AssetSpec(key=stage_key(c.name, PIPELINE_HEALTH), group_name=c.name)
        for c in contracts])
