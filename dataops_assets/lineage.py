"""Send each stage materialization's column lineage as an OpenLineage run event."""

import dagster as dg

from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract
from governance.lineage import emit, run_event


def record_lineage(context: dg.AssetExecutionContext, store: DataStore,
                   contract: DatasetContract, stage: str, columns: list[tuple[str, str]]) -> None:
    """Emit a COMPLETE event for this stage and version, keyed by the Dagster run id."""
    event = run_event(contract, stage, context.partition_key, columns, run_id=context.run_id)
    emit(event, store.layout.lineage_file, store.openlineage_url or None)
