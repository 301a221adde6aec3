"""The history read from warehouse tables (with a vendor pilot), and refresh cycles."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pytest

from governance.contract_model import DatasetContract
from governance.labeling.spec import labeling_spec
from governance.planning.history import read_history
from governance.planning.inputs import judged_versions
from governance.planning.plan import PlanRequest, RefreshInputs, make_plan
from governance.planning.refresh import Cadence, cadence, refresh_forecast
from governance.planning.spec import planning_spec
from governance.storage import ensure_table
from governance.tables import (
    ANNOTATOR_COLUMNS,
    BATCH_COLUMNS,
    DRIFT_SUMMARY_COLUMNS,
    MAIN,
    PILOT_COLUMNS,
    VENDOR_COLUMNS,
)

DS = "support_ticket_labels"
AT = datetime(2026, 11, 2, 12)


def _insert(conn: duckdb.DuckDBPyConnection, table: str, columns, rows: list[dict]) -> None:
    name = ensure_table(conn, MAIN, table, columns)
    for row in rows:
        keys = list(row)
        conn.execute(f"INSERT INTO {name} ({', '.join(keys)}) VALUES "
                     f"({', '.join('?' for _ in keys)})", list(row.values()))


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    """Two demo-like batches, a pilot with swift_annotate at 78%, and drift summaries."""
    conn = duckdb.connect()
    _insert(conn, "labeling_batches", BATCH_COLUMNS, [
        {"dataset": DS, "version": v, "items": 300, "labels": 900, "gold_ratings": 120,
         "adjudication_items": adj, "audit_size": 489, "total_cost": 80.0,
         "measured_at": AT + timedelta(days=7 * i)}
        for i, (v, adj) in enumerate((("v1", 6), ("v2", 3)))])
    _insert(conn, "labeling_annotators", ANNOTATOR_COLUMNS, [
        {"dataset": DS, "version": v, "annotator": a, "vendor": vendor, "labels": 110,
         "labels_per_hour": rate, "cost_per_label": price}
        for v in ("v1", "v2")
        for a, vendor, rate, price in (("IH-01", "in_house", 65.0, 0.12),
                                       ("IH-02", "in_house", 70.0, 0.12),
                                       ("AC-01", "acme_labeling", 110.0, 0.06),
                                       ("AC-02", "acme_labeling", 120.0, 0.06))])
    _insert(conn, "labeling_vendors", VENDOR_COLUMNS, [
        {"dataset": DS, "version": v, "vendor": vendor, "gold_items": 60, "gold_accuracy": acc}
        for v in ("v1", "v2") for vendor, acc in (("in_house", 0.95), ("acme_labeling", 0.9))])
    _insert(conn, "labeling_pilots", PILOT_COLUMNS, [
        {"dataset": DS, "pilot": "p1", "vendor": vendor, "annotator": a, "labels": 60,
         "gold_items": 60, "gold_correct": right, "active_seconds": seconds, "cost": cost,
         "measured_at": AT}
        for vendor, a, right, seconds, cost in (
            ("acme_labeling", "AC-01", 59, 1800.0, 3.6),
            ("acme_labeling", "AC-02", 59, 2000.0, 3.6),
            ("swift_annotate", "SW-01", 47, 1200.0, 2.1),
            ("swift_annotate", "SW-02", 46, 1350.0, 2.1))])
    _insert(conn, "drift_summary", DRIFT_SUMMARY_COLUMNS, [
        {"dataset": "support_tickets", "version": v, "reference_version": ref}
        for v, ref in (("v1", None), ("v2", "v1"), ("v3", "v1"))])
    return conn


def test_history_pools_batches_and_pilots(warehouse: duckdb.DuckDBPyConnection) -> None:
    past = read_history(warehouse, DS)
    assert [b.version for b in past.batches] == ["v1", "v2"]
    first = past.batches[0]
    assert (first.adjudication_share, first.audit_reviews, first.at) == (0.02, 489, AT)
    assert first.rates == {"acme_labeling": (110.0, 120.0), "in_house": (65.0, 70.0)}
    assert past.gold["in_house"] == (114, 120)
    assert past.gold["acme_labeling"] == (108 + 118, 120 + 120)
    assert past.gold["swift_annotate"] == (93, 120)
    assert past.pilots == ("p1",)
    assert past.pilot_rates["swift_annotate"] == (180.0, 160.0)
    assert past.cost_per_label("acme_labeling") == pytest.approx(0.06)
    assert past.cost_per_label("swift_annotate") == pytest.approx(0.035)
    assert past.until("v2").batches == past.batches[:1]
    assert judged_versions(warehouse, "support_tickets") == 2


def test_demo_plan_excludes_the_weak_pilot_vendor(warehouse: duckdb.DuckDBPyConnection,
                                                  contracts: dict[str, DatasetContract]) -> None:
    contract = contracts[DS]
    plan = make_plan(PlanRequest(5000, date(2026, 12, 2), date(2027, 1, 1)),
                     planning_spec(contract), labeling_spec(contract), read_history(
                         warehouse, DS)).to_json()
    assert [e["vendor"] for e in plan["excluded"]] == ["swift_annotate"]
    assert "77.5% on 120 gold answers" in plan["excluded"][0]["reason"]
    assert plan["meets_deadline"] is True
    assert set(plan["vendors"]) <= {"in_house", "acme_labeling"}
    assert plan["history"] == {"batches": 2, "versions": ["v1", "v2"], "pilots": 1}
    # The contract budget (Oct-Dec 2026) has paid for the two November batches.
    assert plan["budget"]["spent"] == 160.0 and plan["budget"]["remaining"] == 840.0
    assert plan["budget"]["within"] == (plan["cost_p90"] <= 840.0)


def test_cadence_from_arrivals_or_contract() -> None:
    weekly = [AT + timedelta(days=7 * i) for i in range(5)]
    assert cadence(weekly, timedelta(days=1)) == Cadence(timedelta(days=7), "arrivals")
    # Three arrivals a minute apart (a demo) say nothing: the contract's frequency does.
    burst = [AT + timedelta(minutes=i) for i in range(3)]
    assert cadence(burst, timedelta(days=1)) == Cadence(timedelta(days=1),
                                                         "contract frequency")
    assert cadence(burst, None) is None
    assert Cadence(timedelta(days=7), "arrivals").per_quarter == 13


def test_refresh_rate_on_a_hand_made_request_history() -> None:
    # 3 of 10 judged versions raised a request: Jeffreys posterior mean 3.5 / 11. A weekly
    # cadence brings 13 versions a quarter: about 13 * 0.318 = 4.1 refresh batches.
    cost = np.full(20_000, 50.0)
    out = refresh_forecast("tickets", 10, 3, Cadence(timedelta(days=7), "arrivals"), cost,
                           300, seed=5)
    assert out.rate == pytest.approx(3.5 / 11)
    assert out.batches.mean() == pytest.approx(13 * 3.5 / 11, abs=0.1)
    np.testing.assert_array_equal(out.cost, out.batches * 50.0)
    shown = out.to_json()
    assert shown["batches_per_quarter"]["p10"] < shown["batches_per_quarter"]["mean"] < \
        shown["batches_per_quarter"]["p90"]
    assert shown["versions_per_quarter"] == 13 and shown["cadence_source"] == "arrivals"
    none = refresh_forecast("tickets", 10, 0, Cadence(timedelta(days=7), "arrivals"), cost,
                            300, seed=5)
    assert none.batches.mean() < out.batches.mean()


def test_plan_carries_the_refresh_forecast(warehouse: duckdb.DuckDBPyConnection,
                                           contracts: dict[str, DatasetContract]) -> None:
    contract = contracts[DS]
    inputs = RefreshInputs("support_tickets", 2, 2, Cadence(timedelta(days=7), "arrivals"),
                           300)
    plan = make_plan(PlanRequest(1000, date(2026, 12, 2)), planning_spec(contract),
                     labeling_spec(contract), read_history(warehouse, DS), inputs).to_json()
    refresh = plan["refresh"]
    assert refresh["dataset"] == "support_tickets" and refresh["batch_items"] == 300
    assert refresh["request_rate"] == pytest.approx(2.5 / 3, abs=1e-3)
    assert refresh["cost_per_quarter"]["p50"] > 0
