"""Cluster code location: the embedded definitions, with every job on the Celery executor.

Only the cluster profile imports this module (dagster-celery is the optional `cluster`
extra); the embedded default (`dataops_assets.definitions`) never does.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_celery import celery_executor

from dataops_assets.definitions import build_definitions
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.warehouse import (
    PARQUET,
    WAREHOUSE_ENV,
    WarehouseError,
    open_warehouse,
    requested_backend,
)

# Broker and result backend come from the environment when a run starts (deploy/cluster).
CELERY = celery_executor.configured({"broker": {"env": "DATAOPS_CELERY_BROKER"},
                                     "backend": {"env": "DATAOPS_CELERY_BACKEND"}})


def build_cluster_definitions(contracts_dir: Path, data_dir: Path) -> dg.Definitions:
    """The embedded definitions for these folders, with the Celery executor as default."""
    backend = open_warehouse(Layout(data_dir), requested_backend()).kind
    if backend != PARQUET:
        # Workers write at the same time and the cluster sets no pool limit: a DuckDB file
        # would refuse all but one of them ("Could not set lock on file").
        raise WarehouseError(f"the cluster profile needs the parquet warehouse ({WAREHOUSE_ENV}"
                             f"=parquet); {data_dir} uses {backend!r}, which takes one "
                             "writer at a time")
    return dg.Definitions.merge(build_definitions(contracts_dir, data_dir),
                                dg.Definitions(executor=CELERY))


@dg.definitions
def defs() -> dg.Definitions:
    """Cluster definitions for the contracts and data directory named by the environment."""
    return build_cluster_definitions(contracts_dir_from_env(), data_dir_from_env())
