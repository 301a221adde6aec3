"""The planning document: vendor comparison and budget vs actual, as Markdown and HTML.

Written to `<documents>/<dataset>/planning/planning.md|html` (charts from governance/charts.py
inside the HTML page). Deterministic: no clock is read, every list is already sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from governance.charts import bar_chart, grouped_bar_chart, line_chart
from governance.datasheet.render import html_page, write_text
from governance.planning.accuracy import Accuracy
from governance.planning.budget import BudgetStatus
from governance.planning.vendors import VendorComparison
from governance.templating import package_environment

PLANNING_FOLDER = "planning"
DOCUMENT = "planning"
NONE = "-"


@dataclass(frozen=True)
class PlanningDocument:
    """Where the document went and what it says."""

    markdown_path: Path
    html_path: Path
    markdown: str
    vendor_table: str
    budget_table: str


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.1%}"


def _interval(acc: Accuracy) -> str:
    if acc.interval is None or acc.estimate is None:
        return NONE
    low, high = acc.interval
    return f"{acc.estimate:.1%} ({low:.1%} to {high:.1%}, n={acc.total})"


def _num(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def _money(currency: str, digits: int = 2):  # type: ignore[no-untyped-def]
    def fmt(value: float | None) -> str:
        return NONE if value is None else f"{value:,.{digits}f} {currency}".strip()
    return fmt


def vendor_table(comparison: VendorComparison, currency: str) -> str:
    """Every vendor over all batches, with the latest pilot beside, as a Markdown table."""
    unit = _money(currency, 4)
    lines = ["| vendor | batches | gold accuracy (95% CI) | audited accuracy (95% CI) | "
             "agreement | turnaround p90 | cost/label | cost/item | cost/correct label | "
             "pilot accuracy (95% CI) | pilot cost/correct label | surely below target |",
             "|---|---:|---|---|---:|---|---:|---:|---:|---|---:|---|"]
    for v in comparison.vendors:
        p90 = NONE if v.turnaround_p90 is None else \
            f"{v.turnaround_p90:.0f} s ({_num(v.turnaround_p90_worst, 0)} s)"
        lines.append(
            f"| {v.vendor} | {len(v.versions)} | {_interval(v.gold)} | {_interval(v.audit)} | "
            f"{_pct(v.agreement)} | {p90} | {unit(v.cost_per_label)} | "
            f"{unit(v.cost_per_item)} | {unit(v.cost_per_correct_label)} | "
            f"{_interval(v.pilot.accuracy) if v.pilot else NONE} | "
            f"{unit(v.pilot.cost_per_correct_label) if v.pilot else NONE} | "
            f"{'yes' if v.below_target else 'no'} |")
    return "\n".join(lines)


def pilot_table(comparison: VendorComparison, currency: str) -> str:
    """The latest pilot's vendors side by side (empty text when there is no pilot)."""
    if not comparison.pilot_vendors:
        return ""
    unit = _money(currency, 4)
    lines = ["| vendor | annotators | labels | accuracy (95% CI) | labels/hour | cost/label | "
             "cost/correct label | surely below target |",
             "|---|---:|---:|---|---:|---:|---:|---|"]
    lines += [f"| {p.vendor} | {p.annotators} | {p.labels} | {_interval(p.accuracy)} | "
              f"{_num(p.labels_per_hour)} | {unit(p.cost_per_label)} | "
              f"{unit(p.cost_per_correct_label)} | {'yes' if p.below_target else 'no'} |"
              for p in comparison.pilot_vendors]
    return "\n".join(lines)


def budget_table(status: BudgetStatus | None) -> str:
    """Per vendor: allotment, spend to date and EAC P50/P90, then the total row."""
    if status is None:
        return ""
    money = _money(status.budget.currency)
    lines = ["| vendor | allotment | spent to date | EAC P50 | EAC P90 | over allotment |",
             "|---|---:|---:|---:|---:|---|"]
    lines += [f"| {v.vendor} | {money(v.allotment)} | {money(v.spent)} | {money(v.eac_p50)} | "
              f"{money(v.eac_p90)} | {'yes' if v.over_allotment else 'no'} |"
              for v in status.vendors]
    lines.append(f"| **all vendors** | {money(status.budget.amount)} | {money(status.spent)} | "
                 f"{money(status.eac_p50)} | {money(status.eac_p90)} | "
                 f"{'no' if status.on_track else 'yes'} |")
    return "\n".join(lines)


def charts(comparison: VendorComparison, status: BudgetStatus | None) -> list[str]:
    """Budget, accuracy, cost per correct label and the per-batch trend, as SVG."""
    out: list[str] = []
    if status is not None and status.vendors:
        names = [v.vendor for v in status.vendors]
        out.append(grouped_bar_chart(names, {
            "allotment": [v.allotment for v in status.vendors],
            "spent to date": [v.spent for v in status.vendors],
            "EAC P50": [v.eac_p50 for v in status.vendors],
            "EAC P90": [v.eac_p90 for v in status.vendors]},
            title=f"Budget vs actual per vendor ({status.budget.currency})"))
    judged = [v for v in comparison.vendors if v.gold.estimate is not None or v.pilot]
    if judged:
        out.append(grouped_bar_chart([v.vendor for v in judged], {
            "gold accuracy, all batches": [v.gold.estimate for v in judged],
            "pilot accuracy": [v.pilot.accuracy.estimate if v.pilot else None
                               for v in judged]},
            title="Accuracy per vendor", percent=True, target=comparison.gold_target))
    priced = [v for v in comparison.vendors if v.cost_per_correct_label is not None]
    if priced:
        out.append(bar_chart([v.vendor for v in priced],
                             [v.cost_per_correct_label or 0.0 for v in priced],
                             title="Cost per correct label, all batches"))
    versions = sorted({x for v in comparison.vendors for x in v.versions},
                      key=lambda x: (len(x), x))
    if versions:
        series = {v.vendor: [dict(zip(v.trend.versions, v.trend.accuracy, strict=True)).get(x)
                             for x in versions] for v in comparison.vendors if v.versions}
        out.append(line_chart(versions, series, title="Gold accuracy per batch",
                              percent=True, target=comparison.gold_target))
    return out


def _env(currency: str) -> Environment:
    env = package_environment("governance.planning")
    env.globals.update(pct=_pct, money=_money(currency), unit=_money(currency, 4))
    return env


def render_markdown(comparison: VendorComparison, status: BudgetStatus | None,
                    currency: str) -> str:
    """The planning document as Markdown."""
    return _env(currency).get_template("planning.md.j2").render(
        dataset=comparison.dataset, batches=len({x for v in comparison.vendors
                                                 for x in v.versions}),
        pilot=comparison.pilot, gold_target=comparison.gold_target,
        audit_target=comparison.audit_target, vendors=comparison.vendors,
        vendor_table=vendor_table(comparison, currency), marked=comparison.marked,
        pilot_table=pilot_table(comparison, currency), budget=status,
        budget_table=budget_table(status))


def write_planning(documents_dir: Path, comparison: VendorComparison,
                   status: BudgetStatus | None, currency: str) -> PlanningDocument:
    """Write the Markdown and the HTML page (with its charts) atomically."""
    markdown = render_markdown(comparison, status, currency)
    figures = "".join(f'<figure class="chart">{svg}</figure>\n'
                      for svg in charts(comparison, status))
    page = html_page(f"Labeling plan vs actual: {comparison.dataset}", markdown).replace(
        "</body>", f'<h2>Charts</h2>\n<section class="charts">\n{figures}</section>\n</body>',
        1)
    folder = Path(documents_dir) / comparison.dataset / PLANNING_FOLDER
    md_path, html_path = folder / f"{DOCUMENT}.md", folder / f"{DOCUMENT}.html"
    write_text(md_path, markdown)
    write_text(html_path, page)
    return PlanningDocument(md_path, html_path, markdown, vendor_table(comparison, currency),
                            budget_table(status))
