"""Definitions of retention: the enforcement job and its daily schedule."""

from __future__ import annotations

import dagster as dg

from dataops_assets.retention.jobs import build_retention_defs
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """The retention job over every contract, and its daily schedule."""
    return build_retention_defs(contracts)
