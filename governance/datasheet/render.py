"""Render datasheets with Jinja2: Markdown, a self-contained HTML page, and an index.

Output is deterministic: only recorded timestamps appear, so regenerating from the same
state gives the same bytes and datasheets diff cleanly in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markdown_it import MarkdownIt

from governance.atomic import atomic_write_text
from governance.charts import bar_chart, line_chart
from governance.datasheet.facts import NOT_PROVIDED, VersionFacts
from governance.identifiers import check_dataset_name, check_version
from governance.tables import version_number
from governance.templating import package_environment

# Shipped inside the package (governance/datasheet/templates/), so a wheel install finds them.
TEMPLATES_PACKAGE = "governance.datasheet"
_BOUNDED = ("completeness", "validity", "uniqueness", "consistency", "accuracy")


def _pct(value: float | None) -> str:
    return NOT_PROVIDED if value is None else f"{value:.1%}"


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.2f}"
    return str(value)


def _env() -> Environment:
    env = package_environment(TEMPLATES_PACKAGE)
    env.globals.update(pct=_pct, num=_num, NP=NOT_PROVIDED)
    return env


def template(name: str) -> Any:
    """A Jinja2 template from governance/datasheet/templates, with the datasheet helpers."""
    return _env().get_template(name)


def changes(facts: VersionFacts, previous: VersionFacts | None) -> dict[str, Any] | None:
    """What changed since the previous version: rows, arriving columns, personal data, quality."""
    if previous is None:
        return None
    cols_now = {x["column"] for x in facts.findings} | {c["name"] for c in facts.columns}
    cols_before = {x["column"] for x in previous.findings} | {c["name"] for c in
                                                             previous.columns}
    pii_now = {(x["column"], x["entity"]) for x in facts.findings}
    pii_before = {(x["column"], x["entity"]) for x in previous.findings}
    quality_before = {q["dimension"]: q["value"] for q in previous.quality if q["column"] == "*"}
    quality = [(q["dimension"], quality_before.get(q["dimension"]), q["value"])
               for q in facts.quality if q["column"] == "*"
               and q["dimension"] in _BOUNDED and quality_before.get(q["dimension"]) != q["value"]]
    schema = ", ".join([f"+{c}" for c in sorted(cols_now - cols_before)]
                       + [f"-{c}" for c in sorted(cols_before - cols_now)])
    pii = ", ".join([f"+{c}:{e}" for c, e in sorted(pii_now - pii_before)]
                    + [f"-{c}:{e}" for c, e in sorted(pii_before - pii_now)])
    return {"previous": previous.version, "rows_before": previous.rows["validated"],
            "schema": schema, "pii": pii, "quality": quality}


def markdown_html(markdown: str) -> str:
    """A Markdown document as an HTML fragment: CommonMark with tables, as datasheets use."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def html_page(title: str, markdown: str) -> str:
    """A self-contained HTML page of a Markdown document, in the datasheets' style."""
    return _env().get_template("page.html.j2").render(title=title, body=markdown_html(markdown))


def render(facts: VersionFacts, previous: VersionFacts | None) -> tuple[str, str]:
    """The Markdown and HTML datasheet of one version."""
    env = _env()
    basis = facts.contract.custom.get("retentionLegalBasis", NOT_PROVIDED)
    context = {"c": facts.contract, "f": facts, "changes": changes(facts, previous),
               "basis": basis}
    markdown = env.get_template("datasheet.md.j2").render(**context)
    body = markdown_html(markdown)
    html = env.get_template("datasheet.html.j2").render(body=body, charts=charts(facts),
                                                        **context)
    return markdown, html


def charts(facts: VersionFacts) -> list[str]:
    """The datasheet's charts as inline SVG: value distributions, group shares, then quality
    per version."""
    drawn = [bar_chart([label for label, _ in values], [n for _, n in values],
                       title=f"distribution of {name}")
             for name, values in facts.distributions.items() if values]
    # Shares of the watched groups, as stored: groups below the minimum count never appear.
    for group in (facts.subpopulations or {}).get("groups", []):
        if group["members"]:
            drawn.append(bar_chart([m["member"] for m in group["members"]],
                                   [m["share"] for m in group["members"]], percent=True,
                                   xmax=1.0, title=f"share of each {group['group_name']} group"))
    trends: dict[str, dict[str, float]] = {}
    for point in facts.history:
        if point["dimension"] in _BOUNDED and point["value"] is not None:
            trends.setdefault(point["dimension"], {})[point["version"]] = point["value"]
    targets = {q["dimension"]: q["target"] for q in facts.quality
               if q["column"] == "*" and q.get("target") is not None}
    for dimension, points in trends.items():
        versions = sorted(points, key=version_number)  # v10 after v9, not after v1
        drawn.append(line_chart(versions, {dimension: [points[v] for v in versions]},
                                title=f"{dimension} across versions", percent=True,
                                target=targets.get(dimension), highlight=facts.version))
    return drawn


@dataclass(frozen=True)
class IndexEntry:
    """One line of datasheets/index.md."""

    dataset: str
    version: str
    status: str
    rows: int


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically, leaving an unchanged file untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # unchanged: keep the file (and its timestamp) as it is
    atomic_write_text(path, text)


def write_datasheet(out_dir: Path, facts: VersionFacts,
                    previous: VersionFacts | None) -> tuple[Path, Path]:
    """Write <dataset>/<version>.md and .html atomically; return both paths."""
    markdown, html = render(facts, previous)
    folder = out_dir / check_dataset_name(facts.contract.name)
    md_path = folder / f"{check_version(facts.version)}.md"
    html_path = folder / f"{facts.version}.html"
    write_text(md_path, markdown)
    write_text(html_path, html)
    return md_path, html_path


def write_index(out_dir: Path) -> Path:
    """Rebuild datasheets/index.md from the datasheets on disk."""
    entries = []
    for md in sorted(out_dir.glob("*/v*.md"), key=lambda p: (p.parent.name, int(p.stem[1:]))):
        lines = md.read_text(encoding="utf-8").splitlines()
        status = next((ln.split("|")[2].strip() for ln in lines
                       if ln.startswith("| Delivery |")), NOT_PROVIDED)
        rows = next((ln for ln in lines if ln.startswith("- **Instances:**")), "")
        count = rows.split(";")[1].split()[0] if ";" in rows else "0"
        entries.append(IndexEntry(md.parent.name, md.stem, status.split(":")[0],
                                  int(count)))
    text = _env().get_template("index.md.j2").render(entries=entries)
    path = out_dir / "index.md"
    write_text(path, text)
    return path
