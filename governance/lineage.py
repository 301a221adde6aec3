"""Column lineage of the stage chain, personal-data propagation along it, and OpenLineage events.

Each stage column comes from one upstream column through a transform. A column derived
from a personal column is personal unless the transform is anonymizing (drop, keyed
hash, aggregate, span redaction); masking keeps part of the value, so it is not.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset, schema_dataset
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from governance.contracts import DatasetContract

RAW, INTAKE, CLEANED, VALIDATED, DELIVERED = "raw", "intake", "cleaned", "validated", "delivered"
CHAIN = ((INTAKE, RAW), (CLEANED, INTAKE), (VALIDATED, CLEANED), (DELIVERED, VALIDATED))
ANONYMIZING = frozenset({"drop", "hash", "aggregate", "redact_spans"})
NAMESPACE = "dataops"
PRODUCER = "https://github.com/dataops-governance/dataops"


@dataclass(frozen=True)
class ColumnEdge:
    """One column of a stage and where it comes from."""

    stage: str
    column: str
    upstream_stage: str
    upstream_column: str
    transform: str


def stage_edges(contract: DatasetContract) -> list[ColumnEdge]:
    """Every column edge of a dataset's chain, from the raw file to delivery."""
    edges = []
    for stage, upstream in CHAIN:
        for col in contract.columns:
            if stage == DELIVERED:
                if col.treatment == "drop":
                    continue
                transform = col.treatment if col.personal else "identity"
            elif stage == CLEANED:
                transform = "+".join(col.cleaning) or "identity"
            elif stage == INTAKE:
                transform = f"parse as {col.logical_type}"
            else:
                transform = "identity"
            edges.append(ColumnEdge(stage, col.name, upstream, col.name, transform))
    return edges


def propagate_personal(edges: Iterable[ColumnEdge],
                       personal_sources: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(stage, column) pairs holding personal data, following edges from the sources."""
    personal = set(personal_sources)
    pending = list(edges)
    changed = True
    while changed:  # edges may come in any order; iterate to a fixed point
        changed = False
        for edge in pending:
            node = (edge.stage, edge.column)
            if node in personal or edge.transform in ANONYMIZING:
                continue
            if (edge.upstream_stage, edge.upstream_column) in personal:
                personal.add(node)
                changed = True
    return personal


def personal_columns_by_stage(contract: DatasetContract) -> dict[str, set[str]]:
    """Personal columns of every stage, propagated from the contract's declarations."""
    sources = {(RAW, c.name) for c in contract.columns if c.personal}
    personal = propagate_personal(stage_edges(contract), sources)
    out: dict[str, set[str]] = {stage: set() for stage, _ in CHAIN}
    for stage, column in personal:
        if stage in out:
            out[stage].add(column)
    return out


def _dataset_name(contract: DatasetContract, stage: str) -> str:
    return f"{contract.name}.{stage}"


def run_event(contract: DatasetContract, stage: str, version: str,
              columns: list[tuple[str, str]], event_time: datetime | None = None,
              run_id: str | None = None) -> RunEvent:
    """A COMPLETE OpenLineage run event for one stage of one version, with column lineage."""
    upstream = dict(CHAIN)[stage]
    edges = {e.column: e for e in stage_edges(contract) if e.stage == stage}
    fields = {
        name: column_lineage_dataset.Fields(
            inputFields=[column_lineage_dataset.InputField(
                namespace=NAMESPACE, name=_dataset_name(contract, upstream),
                field=edges[name].upstream_column)],
            transformationDescription=edges[name].transform,
            transformationType="DIRECT")
        for name, _ in columns if name in edges
    }
    output = OutputDataset(
        namespace=NAMESPACE, name=_dataset_name(contract, stage),
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns]),
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields),
        })
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=(event_time or datetime.now(UTC)).isoformat(),
        run=Run(runId=run_id or str(uuid.uuid4())),
        # One job per stage; each version's materialization is a run of it.
        job=Job(namespace=NAMESPACE, name=f"{contract.name}.{stage}"),
        inputs=[InputDataset(namespace=NAMESPACE, name=_dataset_name(contract, upstream))],
        outputs=[output],
        producer=PRODUCER,
    )


def emit(event: RunEvent, jsonl_path: Path, url: str | None = None) -> None:
    """Send an event to a JSON Lines file, and to an HTTP endpoint (e.g. Marquez) if set."""
    jsonl_path.parent.mkdir(parents=True, exist_ok=True)
    OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(jsonl_path),
                                                         append=True))).emit(event)
    if url:
        OpenLineageClient(transport=HttpTransport(HttpConfig(url=url))).emit(event)
