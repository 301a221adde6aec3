"""Definitions of the personal-data scan of every dataset."""

from __future__ import annotations

import dagster as dg

from dataops_assets.privacy.assets import build_pii_scan
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """One pii_scan asset (with its policy check) per dataset."""
    return dg.Definitions(assets=[build_pii_scan(c) for c in contracts])
