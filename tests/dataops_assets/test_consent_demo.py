"""The demo's consent: support tickets train the routing model only with consent, so the
delivered v1's model_training export leaves out the withdrawn and the never asked."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from dataops_assets.demo.consent import consent_path
from governance.consent.records import subject_hash
from governance.datasheet.facts import gather
from governance.datasheet.render import render
from governance.settings import Layout
from governance.warehouse import open_warehouse


def _latest_states(path: Path) -> dict[str, str]:
    """Each demo subject's latest consent state, computed by hand from the demo's file."""
    latest: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = row["piiPrincipalId"]
            if key not in latest or row["consentTimestamp"] > latest[key][0]:
                latest[key] = (row["consentTimestamp"], row["state"])
    return {k: s for k, (_, s) in latest.items()}


def test_model_training_delivery_keeps_only_subjects_who_gave_consent(demo, tickets):
    layout = Layout(demo.data_dir)
    full = pq.read_table(layout.delivered_file("support_tickets", "v1"))
    training = pq.read_table(layout.purpose_file("support_tickets", "model_training", "v1"))
    key = os.environ["DATAOPS_HASH_KEY"]
    states = {subject_hash(tickets, email, key): state
              for email, state in _latest_states(consent_path(demo.source_dir)).items()}
    expected = [h for h in full.column("customer_email").to_pylist()
                if states.get(h) == "given"]
    kept = training.column("customer_email").to_pylist()
    assert kept == expected and 0 < len(kept) < full.num_rows
    withdrawn = [h for h in full.column("customer_email").to_pylist()
                 if states.get(h) == "withdrawn"]
    unknown = [h for h in full.column("customer_email").to_pylist() if h not in states]
    assert withdrawn and unknown  # the demo has both, and neither is in the export
    assert not set(kept) & (set(withdrawn) | set(unknown))
    excluded = full.num_rows - len(kept)
    event = demo.instance.get_latest_materialization_event(
        dg.AssetKey(["support_tickets", "delivered"]))
    meta = event.asset_materialization.metadata
    assert meta["consent_excluded"].value == {"model_training": excluded}
    assert meta["consent_coverage"].value["model_training"]["rows"] == {
        "given": len(kept), "withdrawn": len(withdrawn), "unknown": len(unknown)}
    # The datasheet as the demo's data directory gives it (the session's datasheets folder
    # is shared: another test may have written a support_tickets v1 of its own there).
    with open_warehouse(layout).reader() as conn:
        sheet, _ = render(gather(conn, layout, tickets, "v1"), None)
    share = f"{len(kept) / full.num_rows:.1%} ({len(kept)})"
    assert f"| model_training | consent | {share} |" in sheet
    assert f"| {excluded} |" in sheet and "| ticket_handling | contract |" in sheet
