"""Definitions of the representation concern: subgroup shares and disparity per version."""

from __future__ import annotations

import dagster as dg

from dataops_assets.representation.assets import build_representation_asset
from governance.contracts import DatasetContract
from governance.representation.spec import representation_spec


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """The representation asset and check of every contract that declares groups to watch."""
    assets = []
    for contract in contracts:
        spec = representation_spec(contract)
        if spec is not None:
            # In the dataset's group, so its `<ds>_pipeline` job runs it for every version.
            assets.append(build_representation_asset(contract, spec))
    return dg.Definitions(assets=assets)
