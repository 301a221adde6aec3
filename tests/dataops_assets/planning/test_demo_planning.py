"""The demo takes in its vendor pilot and runs the planning job once, after the batches."""

from __future__ import annotations

import dagster as dg

from dataops_assets.keys import CHECK_BUDGET, LABELING_BUDGET, VENDOR_COMPARISON, stage_key
from governance.planning.pilot import stored_pilots
from governance.settings import Layout
from governance.warehouse import open_warehouse

DATASET = "support_ticket_labels"


def _latest(demo, stage: str) -> dict[str, object]:
    event = demo.instance.get_latest_materialization_event(stage_key(DATASET, stage))
    assert event is not None, f"{stage} was not materialized by the demo"
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_demo_compares_three_vendors_and_forecasts_within_budget(demo):
    vendors = _latest(demo, VENDOR_COMPARISON)
    assert vendors["pilot"] == "pilot-2026" and vendors["vendors_compared"] == 3
    # swift_annotate labeled only the pilot, 45 of 60 right: surely below 95 %, the rule
    # `dataops plan` excludes it by. acme_labeling's batches and pilot together are not
    # surely below the gold target; only its audited accuracy (AC-03's batch) is marked.
    marked = vendors["surely_below_target"]
    assert marked["swift_annotate"] == [
        "gold accuracy over batches and pilots 75.0% on 60 gold answers is surely below the "
        "95% target (95% upper bound 84.2%)"]
    assert [r.split(" ")[0:2] for r in marked["acme_labeling"]] == [["audited", "accuracy"]]
    budget = _latest(demo, LABELING_BUDGET)
    assert 0 < budget["budget/spent"] < budget["budget/eac_p50"] <= budget["budget/eac_p90"]
    assert budget["budget/eac_p50"] < 900 < budget["budget/amount"]
    check = demo.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(stage_key(DATASET, LABELING_BUDGET), CHECK_BUDGET)])
    [record] = check.values()
    assert record.event.dagster_event.event_specific_data.passed
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        rows = stored_pilots(conn, DATASET)
    # Every vendor labeled the same 60 gold tickets once.
    per_vendor = {}
    for row in rows:
        per_vendor[row["vendor"]] = per_vendor.get(row["vendor"], 0) + row["labels"]
    assert per_vendor == {"in_house": 60, "acme_labeling": 60, "swift_annotate": 60}
