"""The one step every stage asset calls to record what it did: lineage event and audit entry."""

from __future__ import annotations

import dagster as dg

from dataops_assets.auditing import audit
from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract
from governance.lineage import emit, run_event
from governance.storage import DUCKDB_TYPES


def stage_column_types(contract: DatasetContract) -> list[tuple[str, str]]:
    """Contract columns with their DuckDB types, as stage tables hold them."""
    return [(c.name, DUCKDB_TYPES[c.logical_type]) for c in contract.columns]


def record_stage(context: dg.AssetExecutionContext, store: DataStore,
                 contract: DatasetContract, stage: str,
                 columns: list[tuple[str, str]] | None = None, **details: object) -> None:
    """Emit the stage's OpenLineage COMPLETE event and append its audit entry.

    Lineage comes first: an audit entry then always has its event beside it. `details` are
    counts, identifiers and hashes only (the audit trail refuses anything else).
    """
    version = context.partition_key
    event = run_event(contract, stage, version, columns or stage_column_types(contract),
                      run_id=context.run_id)
    emit(event, store.layout.lineage_file, store.openlineage_url or None)
    audit(store.data_dir, "materialize", contract.name, version, stage=stage, **details)
