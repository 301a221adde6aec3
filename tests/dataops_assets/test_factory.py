"""The asset factory: keys, groups, checks and metadata generated per contract."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from dataops_assets.definitions import build_definitions
from governance.errors import ContractError
from tests.conftest import CONTRACTS_DIR

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _graph(defs: dg.Definitions) -> list[dict]:
    graph = defs.resolve_asset_graph()
    out = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        out.append({
            "key": key.to_user_string(),
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitions": node.partitions_def.name if node.partitions_def else None,
            "owners": list(node.owners),
            "tags": dict(sorted(node.tags.items())),
            "kinds": sorted(node.kinds),
            "pool": sorted(node.pools or ()),
            "checks": sorted(c.name for c in graph.get_check_keys_for_assets({key})),
            "columns": [c.name for c in node.metadata["dagster/column_schema"].columns]
            if "dagster/column_schema" in node.metadata else [],
        })
    return out


def test_asset_graph_matches_snapshot(defs):
    graph = _graph(defs)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(graph, indent=2) + "\n")
    assert graph == json.loads(SNAPSHOT.read_text())


def test_every_contract_gets_its_own_group_and_chain(defs, contracts):
    graph = defs.resolve_asset_graph()
    for name in contracts:
        keys = {k for k in graph.get_all_asset_keys() if k.path[0] == name}
        stages = {"intake", "cleaned", "validated", "pii_scan", "delivered", "datasheet",
                  "drift", "refresh_request", "incidents", "pipeline_health"}
        if name == "support_ticket_labels":
            stages |= {"labeling", "vendor_scorecard", "labeling_budget", "vendor_comparison"}
        if name == "loan_applications":  # the one demo contract declaring groups to watch
            stages |= {"representation"}
        assert {k.path[1] for k in keys} == stages
        assert {graph.get(k).group_name for k in keys} == {name}
    assert defs.resolve_job_def("support_tickets_pipeline")
    assert defs.resolve_sensor_def("loan_applications_landing")
    assert defs.resolve_sensor_def("loan_applications_drift_refresh")
    assert defs.resolve_job_def("loan_applications_refresh")
    # The pipeline job runs the stage chain; refresh requests only run when drift asks,
    # incidents are observed by their sensor and pipeline health has its own schedule.
    selected = {k.path[1] for k in defs.resolve_job_def("support_ticket_labels_pipeline")
                .asset_layer.selected_asset_keys}
    assert {"labeling", "vendor_scorecard", "drift"} <= selected
    assert not {"refresh_request", "datasheet", "incidents", "pipeline_health"} & selected
    # The representation of a version's groups runs in its pipeline (after cleaned).
    loans = defs.resolve_job_def("loan_applications_pipeline").asset_layer.selected_asset_keys
    assert dg.AssetKey(["loan_applications", "representation"]) in loans


def test_personal_columns_are_tagged_in_the_column_schema(defs):
    node = defs.resolve_asset_graph().get(dg.AssetKey(["support_tickets", "intake"]))
    columns = {c.name: c for c in node.metadata["dagster/column_schema"].columns}
    assert columns["customer_email"].tags == {"classification": "personal",
                                              "pii": "EMAIL_ADDRESS"}
    assert "pii" not in columns["category"].tags
    assert not columns["ticket_id"].constraints.nullable
    assert columns["ticket_id"].constraints.unique


def test_adding_a_contract_file_adds_a_dataset(tmp_path, data_dir):
    contracts_dir = tmp_path / "contracts"
    shutil.copytree(CONTRACTS_DIR, contracts_dir)
    text = (CONTRACTS_DIR / "support_tickets.odcs.yaml").read_text()
    text = text.replace("name: support_tickets", "name: chat_logs")
    text = text.replace("value: support_tickets", "value: chat_logs")
    (contracts_dir / "chat_logs.odcs.yaml").write_text(text)
    defs = build_definitions(contracts_dir, data_dir)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"chat_logs/intake", "chat_logs/delivered"} <= keys
    assert defs.resolve_job_def("chat_logs_pipeline")


def test_a_malformed_contract_stops_the_whole_load(tmp_path, data_dir):
    contracts_dir = tmp_path / "contracts"
    shutil.copytree(CONTRACTS_DIR, contracts_dir)
    (contracts_dir / "broken.odcs.yaml").write_text("apiVersion: v3.2.0\nkind: DataContract\n")
    with pytest.raises(ContractError, match=r"broken\.odcs\.yaml"):
        build_definitions(contracts_dir, data_dir)
