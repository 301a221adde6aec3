"""The demo's review loop: error categories, confusions, feedback packs, guideline proposals."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from governance.labeling.feedback import guideline_proposals
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.dataops_assets.conftest import DemoRun
from tests.golden import assert_golden

DATASET = "support_ticket_labels"


def _packs(version: str) -> Path:
    return Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / DATASET / "feedback" / version


def test_demo_proposes_a_billing_shipping_guideline_change(demo: DemoRun) -> None:
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        for version in ("v1", "v2"):
            proposals = guideline_proposals(conn, DATASET, version)
            assert [(p["label_a"], p["label_b"]) for p in proposals] == [
                ("billing", "shipping")], version
            p = proposals[0]
            assert p["rule"] == "billing | shipping" and p["guidelines_version"] == "2.2"
            assert p["share"] >= 0.3 and len(p["annotators"].split(",")) >= 2
            assert p["errors"] == p["a_as_b"] + p["b_as_a"] >= 5
            # The affected items are exactly the wrong billing/shipping labels stored.
            wrong = conn.execute(
                f'SELECT DISTINCT item FROM "{DATASET}".labeling_errors WHERE _version = ? '
                "AND least(label, truth) = 'billing' AND greatest(label, truth) = 'shipping' "
                "AND coalesce(error_category, '') NOT IN ('careless', 'tooling') "
                # AC-06's labels do not count (failed qualification), so nor do their errors.
                "AND annotator <> 'AC-06' ORDER BY 1",
                [version]).fetchall()
            assert p["items"].split(",") == [i for i, in wrong]
        # Batch 1's weak annotator is careless, not confused by a rule.
        counts = dict(conn.execute(
            "SELECT error_category, errors FROM labeling_error_categories WHERE dataset = ? "
            "AND version = 'v1' AND scope = 'annotator' AND member = 'AC-03'",
            [DATASET]).fetchall())
        assert counts["careless"] > sum(counts.values()) / 2
        # Every judged label is a cell of the batch matrix; the diagonal are the correct ones.
        (cells, correct), = conn.execute(
            "SELECT sum(labels), sum(labels) FILTER (WHERE true_label = given_label) FROM "
            "labeling_confusions WHERE dataset = ? AND version = 'v2' AND scope = 'batch'",
            [DATASET]).fetchall()
        (errors,), = conn.execute(f'SELECT count(*) FROM "{DATASET}".labeling_errors WHERE '
                                  "_version = 'v2'").fetchall()
        assert cells - correct == errors > 0


def test_scorecard_lists_confusions_categories_and_the_proposal(demo: DemoRun) -> None:
    card = (Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / DATASET / "scorecards" / "v2.md"
            ).read_text()
    assert "## Errors, confusions and guideline proposals" in card
    assert "| true \\ given | billing | technical | account | shipping | other | total |" in card
    assert "- Clarify the rule(s) 'billing' and 'shipping' in guidelines 2.2" in card
    assert "feedback/v2/annotator-AC-05.md" in card


def test_feedback_packs_per_annotator_and_vendor(demo: DemoRun) -> None:
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        for version in ("v1", "v2"):
            people = conn.execute("SELECT annotator FROM labeling_annotators WHERE dataset = ? "
                                  "AND version = ?", [DATASET, version]).fetchall()
            expected = {f"annotator-{a}.md" for a, in people} | {
                "vendor-acme_labeling.md", "vendor-in_house.md"}
            assert {p.name for p in _packs(version).iterdir()} == expected
    weak = (_packs("v1") / "annotator-AC-03.md").read_text()
    assert "| gold accuracy (14 gold labels) | 50.0% | 95.0% | below target (95% upper" in weak
    assert "| careless |" in weak and "## Audited examples" in weak


def test_feedback_packs_hold_no_item_text_or_personal_values(demo: DemoRun) -> None:
    texts = {f"{v}/{p.name}": p.read_text() for v in ("v1", "v2") for p in _packs(v).iterdir()}
    assert len(texts) == 21  # 10 packs for v1, 11 for v2 (AC-06 joined)
    forbidden: set[str] = set()
    for path in sorted((demo.source_dir / "support_tickets").glob("batch_*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                forbidden.update(row[c].strip() for c in ("customer_name", "customer_email",
                                                          "subject", "body")
                                 if len(row[c].strip()) > 5)
    assert len(forbidden) > 1_000
    hits = {(name, value) for name, text in texts.items() for value in forbidden
            if value in text}
    assert hits == set(), sorted(hits)[:5]


def test_feedback_pack_matches_its_golden_file(demo: DemoRun) -> None:
    assert_golden((_packs("v2") / "annotator-AC-05.md").read_text(),
                  "feedback/support_ticket_labels_v2_annotator-AC-05.md")
