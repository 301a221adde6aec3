"""Datasheets for every demo version: complete, deterministic, listed, free of personal data."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from dataops_assets.definitions import build_definitions
from tests.conftest import CONTRACTS_DIR
from tests.dataops_assets.test_privacy import _planted

SECTIONS = ("## Motivation", "## Composition", "## Collection process",
            "## Preprocessing, cleaning, labeling", "## Uses", "## Distribution",
            "## Maintenance", "## Lineage", "## Changes since the previous version")
VERSIONS = [("support_tickets", "v1"), ("support_tickets", "v2"), ("support_tickets", "v3"),
            ("loan_applications", "v1"), ("loan_applications", "v2"),
            ("support_ticket_labels", "v1"), ("support_ticket_labels", "v2")]


def _dir() -> Path:
    return Path(os.environ["DATAOPS_DATASHEETS_DIR"])


def test_every_demo_version_has_a_complete_datasheet(demo):
    for dataset, version in VERSIONS:
        md = (_dir() / dataset / f"{version}.md").read_text()
        html = (_dir() / dataset / f"{version}.html").read_text()
        for section in SECTIONS:
            assert section in md, (dataset, version, section)
        assert "<svg" in html and "http" not in html.split("<body>")[0]  # no external assets
        assert "not provided" in md  # unanswered questions are shown, not dropped
    index = (_dir() / "index.md").read_text()
    assert all(f"| {d} | {v} |" in index for d, v in VERSIONS)
    v2 = (_dir() / "loan_applications" / "v2.md").read_text()
    assert "blocked" in v2 and "Compared with v1" in v2 and "cross_field_consistency" in v2
    # The changes section carries the drift against the last delivered version.
    assert "4 of 7 compared columns drift" in v2 and "**DATASET DRIFT**" in v2
    assert "| credit_score | numeric | wasserstein_norm |" in v2
    v1 = (_dir() / "loan_applications" / "v1.md").read_text()
    assert "No reference version: nothing was delivered before v1" in v1
    v3 = (_dir() / "support_tickets" / "v3.md").read_text()
    assert "+customer_phone" in v3  # the undeclared column shows up in the changes


def test_regenerating_gives_identical_bytes(demo):
    path = _dir() / "loan_applications" / "v1.md"
    before = path.read_bytes(), path.with_suffix(".html").read_bytes()
    defs = build_definitions(CONTRACTS_DIR, demo.data_dir)
    result = defs.resolve_job_def("loan_applications_datasheet").execute_in_process(
        instance=demo.instance, partition_key="v1")
    assert result.success
    assert (path.read_bytes(), path.with_suffix(".html").read_bytes()) == before
    event = demo.instance.get_latest_materialization_event(
        dg.AssetKey(["loan_applications", "datasheet"]))
    assert "## Composition" in event.asset_materialization.metadata["datasheet"].value
    assert "| delivered | email | validated.email | hash |" in \
        event.asset_materialization.metadata["column_lineage_table"].value


def test_no_personal_value_in_any_datasheet(demo):
    planted = _planted(demo)
    for path in _dir().rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not [v for v in planted if v in text], path
