"""The representation asset in process on a small version, its check, and the demo's figures
and datasheet section."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from dataops_assets.keys import CHECK_REPRESENTATION, partitions_name
from dataops_assets.representation.assets import build_representation_asset
from dataops_assets.resources import build_resources
from governance.contracts import DatasetContract
from governance.representation.figures import OTHER
from governance.representation.spec import representation_spec
from governance.settings import Layout
from governance.stages import CLEANED
from governance.storage import ensure_stage_table, insert_batches
from governance.warehouse import open_warehouse

LOANS = "loan_applications"


def _rows(employed: int, others: list[tuple[str, int, int]]) -> pa.Table:
    """Employed applicants aged 40 (a tenth default); others aged 30: (status, rows, good)."""
    status, born, good = [], [], []
    for i in range(employed):
        status.append("employed"), born.append(date(1984, 1, 1)), good.append(i % 10 != 0)
    for name, rows, favorable in others:
        for i in range(rows):
            status.append(name), born.append(date(1994, 1, 1)), good.append(i < favorable)
    n = len(status)
    return pa.table({"_row_id": list(range(1, n + 1)), "employment_status": status,
                     "date_of_birth": born, "applied_at": [datetime(2024, 6, 1)] * n,
                     "defaulted": [not g for g in good]})


def _materialize(data_dir: Path, instance: dg.DagsterInstance, loans: DatasetContract,
                 rows: pa.Table) -> dg.ExecuteInJobResult:
    with open_warehouse(Layout(data_dir)).session(LOANS, "v1") as conn:
        insert_batches(conn, ensure_stage_table(conn, loans, CLEANED), "v1", [rows])
    instance.add_dynamic_partitions(partitions_name(LOANS), ["v1"])
    asset = build_representation_asset(loans, representation_spec(loans))
    return dg.materialize([asset], partition_key="v1", instance=instance,
                          resources=build_resources(data_dir))


def _stored(data_dir: Path) -> dict[tuple[str, str], tuple]:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return {(g, m): rest for g, m, *rest in conn.execute(
            "SELECT group_name, member, rows, outcome_rate, disparate_impact FROM "
            "main.representation WHERE dataset = ? AND version = 'v1'", [LOANS]).fetchall()}


def test_materialized_on_a_small_version_with_a_breached_bound(data_dir, instance, loans):
    # employed 40 (36 good), unemployed 20 (10 good), retired 12 (11 good), student 3.
    result = _materialize(data_dir, instance, loans, _rows(
        40, [("unemployed", 20, 10), ("retired", 12, 11), ("student", 3, 3)]))
    assert result.success
    stored = _stored(data_dir)
    # student (3 rows) is withheld, and retired with it, so 75 - 40 - 20 does not give it.
    assert set(stored) == {("employment_status", "employed"),
                           ("employment_status", "unemployed"), ("employment_status", OTHER),
                           ("age_band", "35-49"), ("age_band", "25-34")}
    assert stored[("employment_status", OTHER)][0] == 15
    rows, rate, impact = stored[("employment_status", "unemployed")]
    assert (rows, rate, impact) == (20, 0.5, pytest.approx(0.5 / 0.9))
    assert stored[("age_band", "25-34")][2] == pytest.approx((24 / 35) / 0.9)
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == CHECK_REPRESENTATION and not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    found = check.metadata["breaches"].value
    assert {"group": "employment_status", "member": "unemployed",
            "figure": "disparate_impact", "value": pytest.approx(0.5 / 0.9, abs=1e-6),
            "bound": "[0.8, 1.25]"} in found
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    table = metadata["representation/employment_status"].value
    assert "| unemployed | 20 |" in table and "| other (suppressed) | 15 |" in table
    # The withheld groups are named nowhere: not in metadata, the check or the tables.
    shown = json.dumps({k: str(v.value) for k, v in metadata.items()}) + str(
        check.description) + json.dumps(found)
    assert "student" not in shown and "retired" not in shown


def test_check_passes_within_the_bounds(data_dir, instance, loans):
    result = _materialize(data_dir, instance, loans, _rows(40, [("self_employed", 30, 27)]))
    [check] = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["breaches"].value == []


def test_the_demo_measures_both_loan_versions(demo):
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        summary = {(v, g): rest for v, g, *rest in conn.execute(
            "SELECT version, group_name, reference_version, small_groups, withheld_groups, "
            "breaches FROM main.representation_summary WHERE dataset = ?", [LOANS]).fetchall()}
        members = {(v, g, m) for v, g, m in conn.execute(
            "SELECT version, group_name, member FROM main.representation WHERE dataset = ?",
            [LOANS]).fetchall()}
    assert summary[("v1", "employment_status")][:3] == [None, 0, 0]
    # v2's one "contractor" row (an invalid value) is withheld with the next smallest group.
    assert summary[("v2", "employment_status")][:3] == ["v1", 1, 2]
    assert ("v2", "employment_status", OTHER) in members
    assert not {m for m in members if m[2] == "contractor"}
    breaches = json.loads(summary[("v2", "employment_status")][3])
    assert {(b["member"], b["figure"]) for b in breaches} >= {
        ("unemployed", "disparate_impact"), ("unemployed", "parity_difference")}


def test_the_demo_datasheets_answer_the_subpopulation_questions(demo):
    folder = Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / LOANS
    v1, v2 = ((folder / f"{v}.md").read_text(encoding="utf-8") for v in ("v1", "v2"))
    for sheet in (v1, v2):
        assert "### Subpopulations" in sheet and "#### age_band" in sheet
        assert "Does the dataset identify any subpopulations?** Yes" in sheet
        assert "| 35-49 (reference) |" in sheet and "| employed (reference) |" in sheet
    assert "no reference version yet" in v1
    assert "against v1: chi-square" in v2 and "| other (suppressed) | 90 |" in v2
    assert "contractor" not in v2
    assert "unemployed: disparate_impact 0.7807 (bound [0.8, 1.25])" in v2
    assert "a withheld group's share is surely below the bound (>= 0.02" in v2
    html = (folder / "v2.html").read_text(encoding="utf-8")
    assert 'aria-label="share of each employment_status group"' in html
