"""Definitions of the reporting concern (filled in by its issue-18 work)."""

from __future__ import annotations

import dagster as dg

from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Definitions of this concern for the contracts."""
    del contracts
    return dg.Definitions()
