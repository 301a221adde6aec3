"""The `<ds>/incidents` asset: each dataset's incidents, observed by the incident sensor."""

from __future__ import annotations

import dagster as dg

from dataops_assets.keys import INCIDENTS, stage_key
from dataops_assets.metadata import contract_link, owners
from governance.contracts import DatasetContract


def incidents_spec(contract: DatasetContract) -> dg.AssetSpec:
    """The dataset's incidents: no run writes them; the incident sensor records each change
    as a runless materialization whose metadata lists the open incidents."""
    return dg.AssetSpec(
        key=stage_key(contract.name, INCIDENTS),
        group_name=contract.name,
        owners=owners(contract),
        kinds={"sqlite"},
        description=f"Incidents of {contract.name}: blocking check failures, breached service "
        "levels, failed runs, missing batches and drift refresh requests, with owner, state "
        "and escalation (`dataops incident list --dataset " + contract.name + "`).",
        metadata=contract_link(contract),
    )
