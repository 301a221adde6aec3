"""Lineage from the demo run: Dagster column lineage metadata and OpenLineage JSON Lines."""

from __future__ import annotations

import json
import uuid

import dagster as dg
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset, schema_dataset
from openlineage.client.serde import Serde

from governance.settings import Layout


def test_every_derived_stage_carries_column_lineage_and_schema(demo):
    for dataset in ("support_tickets", "loan_applications"):
        for stage in ("cleaned", "validated", "delivered"):
            event = demo.instance.get_latest_materialization_event(dg.AssetKey([dataset, stage]))
            metadata = event.asset_materialization.metadata
            lineage = metadata["dagster/column_lineage"].value
            schema = metadata["dagster/column_schema"].value
            assert {c.name for c in schema.columns} == set(lineage.deps_by_column)
            upstream = {"cleaned": "intake", "validated": "cleaned",
                        "delivered": "validated"}[stage]
            deps = lineage.deps_by_column[schema.columns[0].name]
            assert deps[0].asset_key == dg.AssetKey([dataset, upstream])


def _rebuild(doc: dict) -> RunEvent:
    """Re-create the event with the client's attrs models (their validators run)."""
    out = doc["outputs"][0]
    facets = out["facets"]
    fields = {
        name: column_lineage_dataset.Fields(
            inputFields=[column_lineage_dataset.InputField(
                namespace=f["namespace"], name=f["name"], field=f["field"])
                for f in spec["inputFields"]],
            transformationDescription=spec.get("transformationDescription"),
            transformationType=spec.get("transformationType"))
        for name, spec in facets["columnLineage"]["fields"].items()
    }
    return RunEvent(
        eventType=RunState(doc["eventType"]), eventTime=doc["eventTime"],
        run=Run(runId=doc["run"]["runId"]),
        job=Job(namespace=doc["job"]["namespace"], name=doc["job"]["name"]),
        inputs=[InputDataset(namespace=i["namespace"], name=i["name"]) for i in doc["inputs"]],
        outputs=[OutputDataset(namespace=out["namespace"], name=out["name"], facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name=f["name"], type=f["type"])
                for f in facets["schema"]["fields"]]),
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields)})],
        producer=doc["producer"])


def test_openlineage_jsonl_parses_with_the_client_models(demo):
    lines = Layout(demo.data_dir).lineage_file.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert len(events) >= 12
    jobs = {e["job"]["name"] for e in events}
    assert {"support_tickets.intake", "loan_applications.delivered"} <= jobs
    for doc in events:
        event = _rebuild(doc)
        uuid.UUID(event.run.runId)
        rebuilt = Serde.to_dict(event)
        assert rebuilt["outputs"][0]["facets"]["columnLineage"]["fields"] == \
            doc["outputs"][0]["facets"]["columnLineage"]["fields"]
    delivered = next(e for e in events if e["job"]["name"] == "loan_applications.delivered")
    fields = delivered["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert "applicant_name" not in fields  # dropped on delivery
    assert fields["email"]["transformationDescription"] == "hash"
    assert fields["email"]["inputFields"][0]["name"] == "loan_applications.validated"
