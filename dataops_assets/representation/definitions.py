"""Definitions of the representation concern: subgroup shares and disparity per version."""

from __future__ import annotations

import dagster as dg

from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """The representation asset and check of every contract that declares groups to watch."""
    return dg.Definitions()
