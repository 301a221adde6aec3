"""The labeling stage on the demo: two vendors, a weak annotator, audits and scorecards."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from dataops_assets.definitions import build_definitions
from governance.labeling.sampling import sample_size_for_proportion
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR

DATASET = "support_ticket_labels"


def _query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return conn.execute(sql, params or []).fetchall()


def test_weak_annotator_is_singled_out_and_blocks_batch_one(demo) -> None:
    flagged = _query(demo.data_dir, "SELECT version, annotator FROM labeling_annotators "
                     "WHERE dataset = ? AND flagged ORDER BY 1, 2", [DATASET])
    # AC-06 failed qualification (see test_labeling_calibration.py).
    assert flagged == [("v1", "AC-03"), ("v2", "AC-06")]
    # Batch 1 is refused for the vendor's gold accuracy; batch 2 (AC-03 replaced) delivered.
    checks = dict(_query(demo.data_dir, "SELECT version, passed FROM check_results WHERE "
                         "dataset = ? AND check_name = 'labeling_gold_accuracy'", [DATASET]))
    assert checks == {"v1": False, "v2": True}
    key = dg.AssetKey([DATASET, "delivered"])
    assert demo.instance.get_materialized_partitions(key) == {"v2"}
    vendors = _query(demo.data_dir, "SELECT version, vendor, meets_targets FROM "
                     "vendor_scorecard WHERE dataset = ? ORDER BY 1, 2", [DATASET])
    assert vendors == [("v1", "acme_labeling", False), ("v1", "in_house", True),
                       ("v2", "acme_labeling", True), ("v2", "in_house", True)]
    (alpha, fleiss, gold, adjudication), = _query(
        demo.data_dir, "SELECT krippendorff_alpha, fleiss_kappa, gold_accuracy, "
        "adjudication_items FROM labeling_batches WHERE dataset = ? AND version = 'v1'",
        [DATASET])
    assert 0.667 <= alpha < 0.95 and fleiss == pytest.approx(alpha, abs=0.01)
    assert gold < 0.95
    queued = _query(demo.data_dir, f'SELECT count(*) FROM "{DATASET}"."adjudication_queue" '
                    "WHERE _version = 'v1'")
    assert queued == [(adjudication,)]


def test_audit_sample_has_the_stated_size_and_feeds_accuracy(demo) -> None:
    for version in ("v1", "v2"):
        (population, size, audited, accuracy), = _query(
            demo.data_dir, "SELECT audit_population, audit_size, audited, audit_accuracy FROM "
            "labeling_batches WHERE dataset = ? AND version = ?", [DATASET, version])
        # 300 tickets x 3 annotators; ±3 points at 95 % with the finite-population correction.
        assert population == 900
        assert size == sample_size_for_proportion(900, 0.03, 0.95) == 489
        rows = _query(demo.data_dir, f'SELECT vendor, count(*), avg(correct::INT) FROM '
                      f'"{DATASET}"."audit_sample" WHERE _version = ? GROUP BY 1', [version])
        assert sum(n for _, n, _ in rows) == size == audited
        assert {v for v, _, _ in rows} == {"acme_labeling", "in_house"}
        metric = _query(demo.data_dir, "SELECT value FROM quality_metrics WHERE dataset = ? "
                        "AND version = ? AND dimension = 'accuracy' AND \"column\" = '*'",
                        [DATASET, version])
        assert metric == [(pytest.approx(accuracy),)]
    # The weak annotator shows in batch 1's audited accuracy, not in batch 2's.
    accuracy = dict(_query(demo.data_dir, "SELECT version, audit_accuracy FROM "
                           "labeling_batches WHERE dataset = ?", [DATASET]))
    assert accuracy["v1"] < 0.95 <= accuracy["v2"]


def test_scorecards_and_datasheet_labeling_section(demo) -> None:
    sheets = Path(os.environ["DATAOPS_DATASHEETS_DIR"])
    card = (sheets / DATASET / "scorecards" / "v1.md").read_text()
    assert card.startswith("# Vendor scorecard: support_ticket_labels v1")
    assert "| acme_labeling | 4 |" in card and "| AC-03 | acme_labeling |" in card
    sheet = (sheets / DATASET / "v1.md").read_text()
    assert "Krippendorff's alpha (nominal)" in sheet and "Annotators singled out" in sheet
    assert "n=489 of 900" in sheet
    # The labeled dataset's datasheet, regenerated once batches exist, points at them.
    defs = build_definitions(CONTRACTS_DIR, demo.data_dir)
    assert defs.resolve_job_def("support_tickets_datasheet").execute_in_process(
        instance=demo.instance, partition_key="v1").success
    tickets = (sheets / "support_tickets" / "v1.md").read_text()
    assert "labels come from the labeling program `support_ticket_labels` v2" in tickets
    assert "flagged: AC-03" in tickets


def test_risk_sample_finds_more_errors_and_stays_out_of_accuracy(demo) -> None:
    for version in ("v1", "v2"):
        risk = _query(demo.data_dir, f'SELECT item, annotator, score, correct FROM '
                      f'"{DATASET}"."risk_audit_sample" WHERE _version = ? ORDER BY rank',
                      [version])
        # 5% of the 900 labels, lowest scores first, none of them in the random sample.
        assert len(risk) == 45 and [r[2] for r in risk] == sorted(r[2] for r in risk)
        random = _query(demo.data_dir, f'SELECT item, annotator, correct FROM '
                        f'"{DATASET}"."audit_sample" WHERE _version = ?', [version])
        assert not {(i, a) for i, a, _, _ in risk} & {(i, a) for i, a, _ in random}
        risk_rate = sum(not c for *_, c in risk) / len(risk)
        random_rate = sum(not c for *_, c in random) / len(random)
        assert risk_rate >= 2 * random_rate
        # The accuracy metric is the random sample's alone.
        (accuracy,), = _query(demo.data_dir, "SELECT audit_accuracy FROM labeling_batches "
                              "WHERE dataset = ? AND version = ?", [DATASET, version])
        assert accuracy == pytest.approx(1 - random_rate)
        # Its wrong labels join the error table, marked as found by the risk sample.
        (found,), = _query(demo.data_dir, f'SELECT count(*) FROM "{DATASET}"."labeling_errors" '
                           "WHERE _version = ? AND source = 'risk_audit'", [version])
        assert found == sum(not c for *_, c in risk)
    event = demo.instance.get_latest_materialization_event(
        dg.AssetKey([DATASET, "labeling"])).asset_materialization
    meta = {k: getattr(v, "value", v) for k, v in event.metadata.items()}
    assert meta["risk_audit/status"] == "drawn" and meta["risk_audit/sample_size"] == 45
    assert meta["risk_audit/ratio_to_random"] >= 2
    assert meta["risk_audit/items_with_text"] == "300 of 300"
    card = (Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / DATASET / "scorecards" / "v1.md")
    assert "Audits aimed at likely errors: the risk sample took the 45 labels" in \
        card.read_text()
