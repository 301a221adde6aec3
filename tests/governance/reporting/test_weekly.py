"""Every section of the weekly report against figures computed by hand on a constructed state;
golden files for its Markdown and HTML; the period's windows and name."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from governance.audit import AuditEntry
from governance.reporting.build import build_report
from governance.reporting.model import NOT_MEASURED
from governance.reporting.period import ReportDateError, parse_as_of, period_for
from governance.reporting.privacy import refusals
from governance.reporting.render import render, write_report
from governance.service_levels.spec import service_levels
from tests.golden import assert_golden
from tests.governance.reporting.conftest import AS_OF, EVALUATIONS, LABELS, OUTCOMES, TICKETS


@pytest.fixture
def report(state, contracts):
    return build_report(state, list(contracts.values()), period_for(AS_OF), OUTCOMES,
                        EVALUATIONS)


def test_period_windows_and_name():
    period = period_for(AS_OF)
    assert period.start == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert period.baseline_start == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert period.name == "weekly-2026-10"  # Sunday 2026-03-08 is in ISO week 10
    assert period_for(datetime(2026, 3, 11, 15, tzinfo=UTC)).name == "weekly-2026-11"
    assert not period.in_week(period.start) and period.in_week(AS_OF)
    paris = ZoneInfo("Europe/Paris")
    assert parse_as_of("2026-03-08", paris) == datetime(2026, 3, 9, tzinfo=paris)
    assert parse_as_of("2026-03-09T08:00", paris) == datetime(2026, 3, 9, 8, tzinfo=paris)
    with pytest.raises(ReportDateError, match="is not a date"):
        parse_as_of("next monday", paris)
    with pytest.raises(ReportDateError):
        period_for(datetime(2026, 3, 9))


def test_headline(report, contracts):
    h = report.headline
    assert (h.received, h.delivered, h.blocked, h.failed) == (2, 2, 1, 1)
    assert h.first_pass_yield == pytest.approx(1 / 4)
    assert h.slo_attainment == pytest.approx(2 / 3)  # v6's later pass replaces its breach
    # Frequency: one evaluation in the 28-day window, a breach.
    objective = service_levels(contracts[TICKETS]).objective("frequency").objective
    allowed = 1 - objective
    expected = (allowed - 1) / allowed if allowed > 0 else 0.0
    assert h.error_budget_left == pytest.approx(expected)
    assert h.error_budget_tightest == "support_tickets: frequency"
    assert report.headline_json()["received"] == 2
    flows = {f.dataset: f for f in report.flows}
    assert flows[LABELS].received == 0 and flows[TICKETS].delivered == 2


def test_quality_and_worst_rules(report):
    rows = {(q.dataset, q.dimension): q for q in report.quality}
    assert set(rows) == {(TICKETS, "completeness"), (TICKETS, "validity")}
    c = rows[(TICKETS, "completeness")]
    assert (c.this_week, c.previous_week, c.baseline, c.target) == pytest.approx(
        (0.96, 0.96, 0.93, 0.98))
    assert c.below_target and not rows[(TICKETS, "validity")].below_target
    assert [(w.check, w.failures, w.versions) for w in report.worst_rules] == [
        ("unique_keys", 8, 2), ("allowed_values", 2, 1)]


def test_privacy(report):
    p = report.privacy
    assert [(f.version, f.column, f.entity) for f in p.undeclared] == [
        ("v3", "customer_phone", "PHONE_NUMBER")]
    assert (p.erasures, p.purges_done, p.purges_due, p.holds, p.deliveries_refused) == (
        2, 1, 1, 1, 0)  # v1's body is due 2026-03-20; v2 is held


def test_refusals_count_delivery_and_export_in_the_week():
    def entry(at: str, stage: str) -> AuditEntry:
        return AuditEntry(1, at, "refuse", TICKETS, "v1", "x", {"stage": stage})
    entries = [entry("2026-03-05T10:00:00+00:00", "delivered"),
               entry("2026-03-06T10:00:00+00:00", "export"),
               entry("2026-03-06T10:00:00+00:00", "query"),
               entry("2026-02-06T10:00:00+00:00", "delivered")]
    assert refusals(entries, period_for(AS_OF)) == 2


def test_labeling(report):
    (row,) = report.labeling
    assert (row.dataset, row.batches, row.items, row.labels) == (LABELS, 1, 100, 300)
    assert row.cost_per_item == pytest.approx(0.4) and row.cost_target == pytest.approx(0.3)
    assert row.over_budget
    assert (row.gold_accuracy, row.audit_accuracy) == pytest.approx((0.9, 0.95))
    assert (row.flagged_annotators, row.adjudication_backlog) == (1, 3)
    assert [(v.vendor, v.spend, v.labels) for v in report.vendors] == [
        ("acme", 15.0, 100), ("in_house", 25.0, 200)]


def test_operations_and_risks(report):
    o = report.operations
    assert (o.drifted_versions, o.refresh_requests) == (1, 0)
    assert (o.incidents_opened, o.incidents_resolved, o.incidents_active) == (2, 1, 1)
    old_ack = (datetime(2026, 3, 3, 9, tzinfo=UTC) - datetime(2026, 2, 20, tzinfo=UTC))
    assert o.mtta_seconds == pytest.approx((3600 + old_ack.total_seconds()) / 2)
    assert o.mttr_seconds == pytest.approx(5 * 3600)
    assert [(c.cause, c.incidents) for c in o.causes] == [("upstream source change", 1)]
    assert [(r.kind, r.subject, r.owner) for r in report.risks] == [
        ("incident", "INC-0001", "support-data"), ("quality", TICKETS, "support-data"),
        ("budget", LABELS, "support-data"), ("budget", LABELS, "support-data"),
        ("waiver", "INC-0003", "support-data")]
    # The contract's quarter budget (1000 USD, 3000 items) at this batch's 0.40 per item:
    # none of it spent in the quarter, 3000 items left, 1200 forecast.
    assert report.risks[3].detail.startswith("labeling budget forecast to overrun: 1,200.00 USD")


def test_nothing_measured_says_so(data_dir, contracts):
    empty = build_report(data_dir, list(contracts.values()), period_for(AS_OF), [], [])
    markdown, _ = render(empty)
    h = empty.headline_json()
    assert (h["received"], h["delivered"], h["first_pass_yield"], h["slo_attainment"]) == (
        0, 0, None, None)
    assert f"| First-pass yield | {NOT_MEASURED} |" in markdown
    assert f"Labeling: {NOT_MEASURED}." in markdown


def test_golden_markdown_and_html_and_same_bytes_twice(report, state, tmp_path):
    md_path, html_path, markdown, page = write_report(tmp_path / "a", report)
    assert md_path.name == "weekly-2026-10.md" and html_path.name == "weekly-2026-10.html"
    again = write_report(tmp_path / "b", report)
    assert again[0].read_bytes() == md_path.read_bytes()
    assert again[1].read_bytes() == html_path.read_bytes()
    assert page.count('<svg role="img"') == 3 and "<svg" not in markdown
    assert_golden(markdown, "reports/weekly-2026-10.md")
    assert_golden(page, "reports/weekly-2026-10.html")
