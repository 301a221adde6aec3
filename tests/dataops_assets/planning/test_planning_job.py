"""The planning job in-process on a hand-made history, its warning check, and its sensor."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from dataops_assets.definitions import build_definitions
from dataops_assets.keys import (
    CHECK_BUDGET,
    LABELING,
    LABELING_BUDGET,
    PLANNING_STAGES,
    VENDOR_COMPARISON,
    job_name,
    planning_job_name,
    planning_sensor_name,
    stage_key,
)
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR
from tests.governance.planning.history import DATASET, write_history

CONTRACT_FILE = f"{DATASET}.odcs.yaml"


def _contracts(tmp_path: Path, amount: int) -> Path:
    """The demo contracts, with the labeling budget's amount changed."""
    folder = tmp_path / "contracts"
    shutil.copytree(CONTRACTS_DIR, folder)
    path = folder / CONTRACT_FILE
    text = path.read_text(encoding="utf-8")
    assert "        amount: 1000\n" in text
    path.write_text(text.replace("        amount: 1000\n", f"        amount: {amount}\n")
                    .replace("vendors: {in_house: 600, acme_labeling: 400}",
                             "vendors: {in_house: 0, acme_labeling: 0}"), encoding="utf-8")
    return folder


@pytest.fixture
def history(data_dir: Path) -> Path:
    with open_warehouse(Layout(data_dir)).session() as conn:
        write_history(conn)
    return data_dir


def _run(contracts_dir: Path, data_dir: Path, instance: dg.DagsterInstance):
    defs = build_definitions(contracts_dir, data_dir)
    result = defs.resolve_job_def(planning_job_name(DATASET)).execute_in_process(
        instance=instance)
    materialized = {e.asset_key: e.step_materialization_data.materialization.metadata
                    for e in result.get_asset_materialization_events()}
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return result, materialized, checks


def test_the_planning_job_materializes_both_assets(history, instance):
    result, materialized, checks = _run(CONTRACTS_DIR, history, instance)
    assert result.success
    budget = materialized[stage_key(DATASET, LABELING_BUDGET)]
    # 70 spent in the period; 2800 of the contract's 3000 planned items left at 0.30 each.
    assert budget["budget/spent"].value == pytest.approx(70.0)
    assert budget["budget/eac_p50"].value == pytest.approx(70 + 2800 * 0.3)
    assert budget["budget/amount"].value == 1000.0
    assert Path(budget["plots"].value).is_file()
    assert Path(budget["path"].value).read_text(encoding="utf-8").startswith(
        f"# Labeling plan vs actual: {DATASET}")
    assert "| **all vendors** | 1,000.00 USD | 70.00 USD |" in budget["vendors"].value
    vendors = materialized[stage_key(DATASET, VENDOR_COMPARISON)]
    assert vendors["pilot"].value == "p1"
    assert set(vendors["surely_below_target"].value) == {"B", "C"}
    assert "| A | 3 | 95.0% (89.5% to 97.7%, n=120)" in vendors["vendors"].value
    check = checks[CHECK_BUDGET]
    assert check.passed and check.severity == dg.AssetCheckSeverity.WARN


def test_the_budget_check_warns_when_the_forecast_exceeds_the_budget(history, instance,
                                                                     tmp_path):
    result, _, checks = _run(_contracts(tmp_path, 500), history, instance)
    assert result.success  # a warning never fails the run
    check = checks[CHECK_BUDGET]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["budget/eac_p50"].value == pytest.approx(910.0)
    assert check.metadata["budget/amount"].value == 500.0
    assert "exceeds the budget of 500.00 USD" in check.description


def test_the_sensor_requests_the_job_once_per_labeling_materialization(data_dir, instance):
    defs = build_definitions(CONTRACTS_DIR, data_dir)
    sensor = defs.resolve_sensor_def(planning_sensor_name(DATASET))
    assert sensor.job_name == planning_job_name(DATASET)

    def tick(cursor: str | None):
        with dg.build_sensor_context(instance=instance, definitions=defs,
                                     cursor=cursor) as context:
            return sensor.evaluate_tick(context)

    assert tick(None).run_requests == []  # nothing labeled yet
    instance.report_runless_asset_event(dg.AssetMaterialization(stage_key(DATASET, LABELING)))
    first = tick(None)
    assert len(first.run_requests) == 1 and first.run_requests[0].run_key.startswith("labeling-")
    assert tick(first.cursor).run_requests == []  # the same materialization: no second run
    instance.report_runless_asset_event(dg.AssetMaterialization(stage_key(DATASET, LABELING)))
    assert len(tick(first.cursor).run_requests) == 1


def test_the_pipeline_job_leaves_the_planning_assets_out(data_dir):
    defs = build_definitions(CONTRACTS_DIR, data_dir)
    selected = set(defs.resolve_job_def(job_name(DATASET)).asset_layer.selected_asset_keys)
    planning = {stage_key(DATASET, s) for s in PLANNING_STAGES}
    assert stage_key(DATASET, LABELING) in selected and not planning & selected
    job = defs.resolve_job_def(planning_job_name(DATASET))
    assert set(job.asset_layer.selected_asset_keys) == planning
