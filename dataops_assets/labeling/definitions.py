"""Definitions of the labeling stage of annotation datasets."""

from __future__ import annotations

import dagster as dg

from dataops_assets.labeling.assets import build_labeling_assets
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Labeling and vendor-scorecard assets of every contract with a labeling section."""
    return dg.Definitions(assets=[a for c in contracts for a in build_labeling_assets(c)])
