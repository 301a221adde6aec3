"""Register an arriving file as a dataset version: raw store first, then the partition."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_assets.auditing import audit
from dataops_assets.keys import partitions_name
from governance.contracts import DatasetContract
from governance.rawstore import IngestResult, RawStore


def ingest_file(instance: dg.DagsterInstance, raw_store: RawStore, contract: DatasetContract,
                path: Path) -> IngestResult:
    """Store the file's bytes and make sure its version exists as a dynamic partition."""
    result = raw_store.put(contract.name, path)
    audit(raw_store.root.parent, "duplicate" if result.duplicate else "ingest", contract.name,
          result.raw.version, sha256=result.raw.sha256, size=result.raw.size)
    name = partitions_name(contract.name)
    if not instance.has_dynamic_partition(name, result.raw.version):
        instance.add_dynamic_partitions(name, [result.raw.version])
    return result
