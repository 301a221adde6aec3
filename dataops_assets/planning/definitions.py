"""Definitions of the planning concern: labeling budget vs actual and vendor comparison."""

from __future__ import annotations

import dagster as dg

from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Budget and vendor-comparison assets of every contract with a labeling section."""
    return dg.Definitions()
