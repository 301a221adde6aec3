"""The code location: contracts in, Definitions out. Assembly only; logic lives elsewhere.

Each concern folder turns the contracts into its own definitions (`<folder>.definitions.defs`);
this module only merges them with the resources.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_assets.datasheets import definitions as datasheets
from dataops_assets.drift import definitions as drift
from dataops_assets.incidents import definitions as incidents
from dataops_assets.ingestion import definitions as ingestion
from dataops_assets.labeling import definitions as labeling
from dataops_assets.planning import definitions as planning
from dataops_assets.portal import definitions as portal
from dataops_assets.privacy import definitions as privacy
from dataops_assets.reporting import definitions as reporting
from dataops_assets.representation import definitions as representation
from dataops_assets.resources import build_resources
from dataops_assets.retention import definitions as retention
from dataops_assets.service_levels import definitions as service_levels
from dataops_assets.stages import definitions as stages
from governance.contracts import load_contracts
from governance.settings import contracts_dir_from_env, data_dir_from_env

CONCERNS = (stages, privacy, drift, labeling, datasheets, ingestion, retention, service_levels,
            incidents, reporting, portal, planning, representation)


def build_definitions(contracts_dir: Path, data_dir: Path) -> dg.Definitions:
    """Build every definition for the contracts in a folder and a data directory."""
    contracts = load_contracts(contracts_dir)
    return dg.Definitions.merge(
        *(concern.defs(contracts) for concern in CONCERNS),
        dg.Definitions(resources=build_resources(data_dir)),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Definitions for the contracts and data directory named by the environment."""
    return build_definitions(contracts_dir_from_env(), data_dir_from_env())
