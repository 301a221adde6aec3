"""Definitions of service levels: SLO checks and the pipeline-health asset per dataset."""

from __future__ import annotations

import dagster as dg

from dataops_assets.service_levels.assets import (
    build_pipeline_health,
    pipeline_health_job,
    pipeline_health_schedule,
)
from dataops_assets.service_levels.checks import build_service_level_checks
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Per dataset: its service-level checks and pipeline-health asset; one job and schedule."""
    job = pipeline_health_job(contracts)
    return dg.Definitions(
        assets=[build_pipeline_health(c) for c in contracts],
        asset_checks=[check for c in contracts for check in build_service_level_checks(c)],
        jobs=[job], schedules=[pipeline_health_schedule(job)])
