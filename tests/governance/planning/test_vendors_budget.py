"""Vendor comparison over all batches and budget vs actual, on a hand-made 3-batch history."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from governance.planning.budget import bootstrap_cost_per_item, budget_status
from governance.planning.report import render_markdown, write_planning
from governance.planning.vendors import compare_vendors
from tests.golden import assert_golden
from tests.governance.planning.history import BUDGET, DATASET, write_history


@pytest.fixture
def conn():
    with duckdb.connect() as db:
        write_history(db)
        yield db


def test_vendors_are_pooled_over_every_batch(conn):
    comparison = compare_vendors(conn, DATASET, 0.95, 0.95, declared=["A", "B", "D"])
    a, b, c, d = comparison.vendors
    assert [v.vendor for v in comparison.vendors] == ["A", "B", "C", "D"]
    # A: 36 + 38 + 40 of 120 gold labels; 48 of 50 audited per batch.
    assert (a.gold.correct, a.gold.total) == (114, 120)
    assert (a.audit.correct, a.audit.total) == (144, 150)
    assert a.gold.interval == pytest.approx((0.8952, 0.9769), abs=1e-4)
    # 60 spent on 450 labels and 300 items; cost per correct label = 0.1333 / 0.95.
    assert a.cost_per_label == pytest.approx(60 / 450)
    assert a.cost_per_item == pytest.approx(0.2)
    assert a.cost_per_correct_label == pytest.approx((60 / 450) / 0.95)
    # p90: the labels-weighted mean of 40, 50 and 60 s, and the largest batch's as a bound.
    assert (a.turnaround_p90, a.turnaround_p90_worst) == (pytest.approx(50.0), 60.0)
    assert a.agreement == pytest.approx(0.9)
    # Three batches: a trend, +5 points of accuracy and +0.10 per item each batch.
    assert a.trend.accuracy_slope == pytest.approx(0.05)
    assert a.trend.cost_slope == pytest.approx(0.1)
    assert a.below_target == () and a.pilot is not None and a.pilot.accuracy.correct == 20
    # B is surely below on gold (90 of 120) and on the audit (120 of 150), with reasons.
    assert len(b.below_target) == 2
    assert "gold accuracy over batches and pilots 75.0%" in b.below_target[0]
    assert "audited accuracy 80.0%" in b.below_target[1]
    # C labeled only the pilot: 14 of 20, upper bound 85.5 % < 95 %; the pilot counts as
    # gold answers, pooled with the batches, by the rule the plan excludes vendors by.
    assert c.versions == ()
    assert "gold accuracy over batches and pilots 70.0% on 20 gold answers" in c.below_target[0]
    assert d.declared and d.pilot is None and d.below_target == ()
    assert set(comparison.marked) == {"B", "C"}


def test_two_batches_are_not_enough_for_a_trend(conn):
    conn.execute("DELETE FROM main.labeling_vendors WHERE version = 'v3'")
    a = compare_vendors(conn, DATASET, 0.95, 0.95).vendors[0]
    assert a.trend.accuracy_slope is None
    assert a.trend.note == "not enough batches (2; a trend needs 3)"


def test_eac_is_spend_plus_remaining_items_at_bootstrapped_cost(conn):
    status = budget_status(conn, DATASET, BUDGET, "finished_at", seed=7)
    # v1 is before the period: spent 30 + 40 on 200 items, 800 of 1000 planned remain.
    assert [b.in_period for b in status.batches] == [False, True, True]
    assert (status.spent, status.items_done, status.remaining_items) == (70.0, 200, 800)
    assert status.remaining == pytest.approx(330.0)
    assert status.cost_per_item == pytest.approx(0.3)
    # Means of 3 draws from {0.2, 0.3, 0.4}: median 0.3; P90 11/30 (cumulative 23/27 below,
    # 26/27 at it). EAC P50 = 70 + 800 x 0.3, P90 = 70 + 800 x 11/30.
    assert status.eac_p50 == pytest.approx(310.0)
    assert status.eac_p90 == pytest.approx(70 + 800 * 11 / 30)
    assert status.on_track
    a, b = status.vendors
    # Per vendor, the same draws: A's cost per item 0.1/0.2/0.3, B's a constant 0.1.
    assert (a.spent, a.eac_p50) == (50.0, pytest.approx(50 + 800 * 0.2))
    assert (b.spent, b.eac_p50, b.eac_p90) == (20.0, pytest.approx(100.0), pytest.approx(100.0))
    assert not a.over_allotment and not b.over_allotment


def test_the_bootstrap_is_seeded_and_weights_batches_by_items():
    one = bootstrap_cost_per_item([100, 300], [[10.0, 90.0]], draws=500, seed=3)
    two = bootstrap_cost_per_item([100, 300], [[10.0, 90.0]], draws=500, seed=3)
    assert np.array_equal(one, two)
    # Every draw's value is one of the item-weighted ratios: 0.1, 0.3, or (10+90)/400.
    assert set(np.round(one[:, 0], 6)) <= {0.1, 0.3, 0.25}


def test_a_small_budget_is_forecast_over(conn):
    from dataclasses import replace

    status = budget_status(conn, DATASET, replace(BUDGET, amount=200.0), "finished_at")
    assert not status.on_track and status.eac_p50 > 200.0


def test_the_planning_document_matches_its_golden_file(conn, tmp_path):
    comparison = compare_vendors(conn, DATASET, 0.95, 0.95, declared=["A", "B"])
    status = budget_status(conn, DATASET, BUDGET, "finished_at", seed=7)
    doc = write_planning(tmp_path, comparison, status, "USD")
    assert doc.markdown == render_markdown(comparison, status, "USD")
    assert_golden(doc.markdown, "planning/planning.md")
    page = doc.html_path.read_text(encoding="utf-8")
    for title in ("Budget vs actual per vendor (USD)", "Accuracy per vendor",
                  "Cost per correct label, all batches", "Gold accuracy per batch"):
        assert f'aria-label="{title}"' in page
    assert doc.html_path == tmp_path / DATASET / "planning" / "planning.html"


def test_the_portal_gives_the_planning_document_a_page_linked_from_the_dataset(conn,
                                                                                tmp_path):
    from governance.portal.documents import dataset_pages, scan_datasets

    comparison = compare_vendors(conn, DATASET, 0.95, 0.95)
    write_planning(tmp_path, comparison, None, "USD")
    (tmp_path / DATASET / "v1.md").write_text("# datasheet v1\n", encoding="utf-8")
    [dataset] = scan_datasets(tmp_path)
    pages = {p.path: p for p in dataset_pages(tmp_path, dataset)}
    page = pages[f"datasets/{DATASET}/planning.md"]
    assert page.title == f"{DATASET} planning" and "Cost per correct label" in page.text
    assert "[Vendors and budget vs actual](planning.md)" in pages[
        f"datasets/{DATASET}/index.md"].text
    # Without a budget the document says so instead of inventing one.
    assert "declares no labeling budget" in (tmp_path / DATASET / "planning" /
                                            "planning.md").read_text(encoding="utf-8")
