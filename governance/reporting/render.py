"""Render the weekly report: Markdown from a Jinja2 template, and a self-contained HTML page
(the datasheets' page frame) with charts from governance/charts.py. Deterministic: no clock
is read and every list is already sorted, so the same report gives the same bytes."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from governance.charts import bar_chart, grouped_bar_chart
from governance.datasheet.render import html_page, write_text
from governance.reporting.model import NOT_MEASURED, WeeklyReport
from governance.templating import package_environment

TEMPLATES_PACKAGE = "governance.reporting"
_CHARTS_MARK = "<!-- charts -->"


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal, or "not measured"."""
    return NOT_MEASURED if value is None else f"{value:.1%}"


def _pct2(value: float | None) -> str:
    # Quality shares sit near 100%: two decimals keep 99.96% from reading as its 100% target.
    return NOT_MEASURED if value is None else f"{value:.2%}"


def _num(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:,.1f}"


def _secs(value: float | None) -> str:
    if value is None:
        return NOT_MEASURED
    if value < 120:
        return f"{value:.0f} s"
    return f"{value / 60:.1f} min" if value < 7200 else f"{value / 3600:.1f} h"


def _money(value: float | None, currency: str) -> str:
    return NOT_MEASURED if value is None else f"{value:.3f} {currency}".strip()


def _env() -> Environment:
    env = package_environment(TEMPLATES_PACKAGE)
    env.globals.update(pct=pct, pct2=_pct2, num=_num, secs=_secs, money=_money, NM=NOT_MEASURED)
    # A "|" inside a cell (a guideline heading such as "billing | shipping") ends the cell.
    env.filters["cell"] = lambda value: str(value).replace("|", "\\|")
    return env


def render_markdown(report: WeeklyReport) -> str:
    """The report as Markdown."""
    return _env().get_template("weekly.md.j2").render(
        r=report, h=report.headline, p=report.privacy, o=report.operations)


def charts(report: WeeklyReport) -> list[str]:
    """The report's charts as inline SVG: flows, quality per dataset, vendor spend."""
    out: list[str] = []
    if report.flows:
        names = [f.dataset for f in report.flows]
        out.append(grouped_bar_chart(names, {
            "received": [f.received for f in report.flows],
            "delivered": [f.delivered for f in report.flows],
            "blocked": [f.blocked for f in report.flows],
            "failed": [f.failed for f in report.flows]},
            title="Versions this week per dataset"))
    for dataset in sorted({q.dataset for q in report.quality}):
        rows = [q for q in report.quality if q.dataset == dataset]
        out.append(grouped_bar_chart([q.dimension for q in rows], {
            "this week": [q.this_week for q in rows],
            "previous week": [q.previous_week for q in rows],
            "8-week baseline": [q.baseline for q in rows]},
            title=f"Quality of {dataset}", percent=True,
            target=min((q.target for q in rows if q.target is not None), default=None)))
    if report.vendors:
        out.append(bar_chart([f"{v.dataset} / {v.vendor}" for v in report.vendors],
                             [v.spend for v in report.vendors], title="Labeling spend per vendor"))
    return out


def render_html(report: WeeklyReport, markdown: str) -> str:
    """The report as one self-contained HTML page with its charts."""
    section = _env().get_template("weekly.html.j2").render(charts=charts(report))
    page = html_page(f"Weekly status report {report.period.name}", markdown)
    # The charts go at the end of the page body, inside the datasheets' frame.
    return page.replace("</body>", f"{_CHARTS_MARK}\n{section}</body>", 1)


def render(report: WeeklyReport) -> tuple[str, str]:
    """The Markdown and HTML of a report."""
    markdown = render_markdown(report)
    return markdown, render_html(report, markdown)


def report_paths(out_dir: Path, report: WeeklyReport) -> tuple[Path, Path]:
    """Where a report's Markdown and HTML go: <out_dir>/weekly-YYYY-WW.md and .html."""
    return out_dir / f"{report.period.name}.md", out_dir / f"{report.period.name}.html"


def write_report(out_dir: Path, report: WeeklyReport) -> tuple[Path, Path, str, str]:
    """Write the report's Markdown and HTML atomically; the paths and both texts."""
    markdown, page = render(report)
    md_path, html_path = report_paths(Path(out_dir), report)
    write_text(md_path, markdown)
    write_text(html_path, page)
    return md_path, html_path, markdown, page
