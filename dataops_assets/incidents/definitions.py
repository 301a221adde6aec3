"""Definitions of incidents: one incidents asset per dataset and the incident sensor."""

from __future__ import annotations

import dagster as dg

from dataops_assets.incidents.assets import incidents_spec
from dataops_assets.incidents.sensors import build_incident_sensor
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Per dataset: the incidents asset (observed by the sensor); the incident sensor."""
    return dg.Definitions(assets=[incidents_spec(c) for c in contracts],
                          sensors=[build_incident_sensor(contracts)])
