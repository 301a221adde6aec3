"""The code location: contracts in, Definitions out. Assembly only; logic lives elsewhere."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_assets.datasheets.assets import build_datasheet_defs
from dataops_assets.drift.refresh import drift_defs
from dataops_assets.ingestion.definitions import ingestion_defs
from dataops_assets.resources import build_resources
from dataops_assets.retention.jobs import build_retention_defs
from dataops_assets.stages.definitions import stage_defs
from governance.contracts import load_contracts
from governance.settings import contracts_dir_from_env, data_dir_from_env


def build_definitions(contracts_dir: Path, data_dir: Path) -> dg.Definitions:
    """Build every definition for the contracts in a folder and a data directory."""
    contracts = load_contracts(contracts_dir)
    return dg.Definitions.merge(
        stage_defs(contracts),
        ingestion_defs(contracts),
        build_retention_defs(contracts),
        build_datasheet_defs(contracts),
        drift_defs(contracts),
        dg.Definitions(resources=build_resources(data_dir)),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Definitions for the contracts and data directory named by the environment."""
    return build_definitions(contracts_dir_from_env(), data_dir_from_env())
