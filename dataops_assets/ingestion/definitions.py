"""Definitions of the landing sensors."""

from __future__ import annotations

import dagster as dg

from dataops_assets.ingestion.sensors import build_landing_sensor
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """One landing sensor per dataset."""
    return dg.Definitions(sensors=[build_landing_sensor(c) for c in contracts])
