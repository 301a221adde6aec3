"""The demo's reviewer calibration and qualification: lenient RV-02, unqualified AC-06."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.dataops_assets.conftest import DemoRun

DATASET = "support_ticket_labels"


def _query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return conn.execute(sql, params or []).fetchall()


def _check_metadata(demo: DemoRun, check: str, version: str) -> dict:
    key = dg.AssetCheckKey(dg.AssetKey([DATASET, "labeling"]), check)
    records = demo.instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
    for record in records:
        run = demo.instance.get_run_by_id(record.run_id)
        if run is not None and run.tags.get("dagster/partition") == version:
            evaluation = record.event.dagster_event.event_specific_data
            return {k: v.value for k, v in evaluation.metadata.items()}
    raise AssertionError(f"no {check} evaluation for {version}")


def test_lenient_reviewer_is_named_and_the_audit_is_inconclusive(demo: DemoRun) -> None:
    rows = _query(demo.data_dir, "SELECT version, reviewer, below_target, gold_items, "
                  "gold_correct, gold_upper, kappa, calibration_items FROM labeling_reviewers "
                  "WHERE dataset = ? ORDER BY 1, 2", [DATASET])
    assert [(v, r, b) for v, r, b, *_ in rows] == [
        ("v1", "RV-01", False), ("v1", "RV-02", True),
        ("v2", "RV-01", False), ("v2", "RV-02", True)]
    for _, reviewer, _, gold, correct, upper, kappa, calibration in rows:
        # RV-01's verdicts are the truth; RV-02 accepts wrong labels, surely below 95 %.
        assert gold >= 30 and calibration > 0 and kappa < 0.9
        assert (correct == gold) if reviewer == "RV-01" else upper < 0.95
    # The audit check is not passed but inconclusive, naming the reviewer, in both batches
    # (v2's accuracy alone would pass: 96.5 % vs 95 %).
    passed = dict(_query(demo.data_dir, "SELECT version, passed FROM check_results WHERE "
                         "dataset = ? AND check_name = 'labeling_audit_accuracy'", [DATASET]))
    assert passed == {"v1": False, "v2": False}
    meta = _check_metadata(demo, "labeling_audit_accuracy", "v2")
    assert meta["inconclusive"] is True and meta["reviewers_below_target"] == ["RV-02"]
    assert "RV-02" in meta["reason"]
    card = (Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / DATASET / "scorecards" / "v2.md"
            ).read_text()
    assert "The audit result is inconclusive: reviewer(s) RV-02 below target." in card
    # Still delivered: the audit check does not block in the demo's contract.
    assert demo.instance.get_materialized_partitions(
        dg.AssetKey([DATASET, "delivered"])) == {"v2"}


def test_unqualified_annotator_is_named_and_left_out_of_consensus(demo: DemoRun) -> None:
    status = _query(demo.data_dir, "SELECT version, annotator, status, excluded_labels FROM "
                    "annotator_qualification WHERE dataset = ? AND status <> 'qualified'",
                    [DATASET])
    assert status == [("v2", "AC-06", "failed", 45)]
    # AC-06 labeled 45 tickets of batch 2 as a fourth annotator; consensus, the audit sample
    # and agreement use the three qualified annotators' labels only.
    (labels,), = _query(demo.data_dir, "SELECT labels FROM labeling_annotators WHERE "
                        "dataset = ? AND version = 'v2' AND annotator = 'AC-06'", [DATASET])
    assert labels == 45
    (ratings,), = _query(demo.data_dir, f'SELECT max(ratings) FROM "{DATASET}".consensus_labels '
                         "WHERE _version = 'v2'")
    assert ratings == 3
    sampled = _query(demo.data_dir, f'SELECT count(*) FROM "{DATASET}".audit_sample WHERE '
                     "_version = 'v2' AND annotator = 'AC-06'")
    assert sampled == [(0,)]
    (population,), = _query(demo.data_dir, "SELECT audit_population FROM labeling_batches "
                            "WHERE dataset = ? AND version = 'v2'", [DATASET])
    assert population == 900
    passed = dict(_query(demo.data_dir, "SELECT version, passed FROM check_results WHERE "
                         "dataset = ? AND check_name = 'annotators_qualified'", [DATASET]))
    assert passed == {"v1": True, "v2": False}
    meta = _check_metadata(demo, "annotators_qualified", "v2")
    assert meta["unqualified_annotators"] == ["AC-06"] and meta["excluded_labels"] == 45
    sheets = Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / DATASET
    card = (sheets / "scorecards" / "v2.md").read_text()
    assert "| AC-06 | 20 | 12 | failed | 45 | failed qualification: 12 of 20" in card
    pack = (sheets / "feedback" / "v2" / "annotator-AC-06.md").read_text()
    assert "Not qualified: AC-06's labels in this batch do not count" in pack
    vendor = (sheets / "feedback" / "v2" / "vendor-acme_labeling.md").read_text()
    assert "Not qualified: AC-06" in vendor


def test_weak_annotator_triggers_retraining_on_the_current_guidelines(demo: DemoRun) -> None:
    rows = _query(demo.data_dir, "SELECT version, annotator, guidelines_version, reason FROM "
                  "annotator_retraining WHERE dataset = ?", [DATASET])
    assert [r[:3] for r in rows] == [("v1", "AC-03", "2.2")]
    assert rows[0][3].startswith("gold accuracy 50% on 14 gold items")
    pack = (Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / DATASET / "feedback" / "v1"
            / "annotator-AC-03.md").read_text()
    assert "Retraining triggered for AC-03 on guidelines 2.2" in pack
