"""Definitions of the planning concern: labeling budget vs actual and vendor comparison."""

from __future__ import annotations

import dagster as dg

from dataops_assets.planning.assets import build_planning_assets
from dataops_assets.planning.sensors import build_planning_sensor, planning_job
from governance.contracts import DatasetContract
from governance.labeling.spec import labeling_spec


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Budget and vendor-comparison assets of every contract with a labeling section."""
    labeled = [c for c in contracts if labeling_spec(c) is not None]
    return dg.Definitions(assets=[a for c in labeled for a in build_planning_assets(c)],
                          jobs=[planning_job(c) for c in labeled],
                          sensors=[build_planning_sensor(c) for c in labeled])
