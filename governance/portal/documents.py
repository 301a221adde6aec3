"""The portal's pages made from the documents the catalog writes: datasheets, scorecards,
weekly reports and post-mortems, each at a deterministic path under the portal's docs/.

Documents are embedded as their own renderer drew them (the HTML body, charts included),
so the portal shows exactly what the datasheet or report says, in the portal's style.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from governance.datasheet.facts import NOT_PROVIDED
from governance.datasheet.render import markdown_html
from governance.errors import InvalidNameError
from governance.identifiers import check_dataset_name
from governance.planning.report import DOCUMENT as PLANNING_DOCUMENT
from governance.planning.report import PLANNING_FOLDER
from governance.tables import version_number

VERSION_FILE = re.compile(r"v[0-9]{1,6}")
REPORT_FILE = re.compile(r"weekly-[0-9]{4}-[0-9]{2}")
POSTMORTEM_FILE = re.compile(r"INC-[0-9]{4,}")
REPORTS_FOLDER = "reports"
POSTMORTEMS_FOLDER = "postmortems"
SCORECARDS_FOLDER = "scorecards"
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_ACTIVE = re.compile(r"<(script|iframe|object|embed)\b.*?(</\1>|/?>)", re.S | re.I)
_HEADING = re.compile(r"^#{1,3} ")
_CHANGES = "## Changes since the previous version"


@dataclass(frozen=True)
class Page:
    """One Markdown page of the portal: its path under docs/, title and text."""

    path: str  # e.g. "datasets/loan_applications/v2.md"
    title: str
    text: str


@dataclass
class DatasetDocs:
    """The datasheets and scorecards of one dataset, in version order."""

    name: str
    versions: list[str] = field(default_factory=list)
    scorecards: list[str] = field(default_factory=list)


def front_matter(title: str) -> str:
    """The YAML front matter that names a page (quoted: titles may hold colons)."""
    return f'---\ntitle: "{title.replace(chr(92), "").replace(chr(34), chr(39))}"\n---\n\n'


def embedded(source_md: Path) -> str:
    """A document's HTML body (its own rendering, charts included), else its Markdown."""
    source_html = source_md.with_suffix(".html")
    if source_html.is_file():
        text = source_html.read_text(encoding="utf-8")
        found = _BODY.search(text)
        body = found.group(1) if found else text
    else:
        body = markdown_html(source_md.read_text(encoding="utf-8"))
    # Documents carry no scripts; anything active would be removed rather than run.
    return f'<div class="dataops-document">\n{_ACTIVE.sub("", body).strip()}\n</div>\n'


def _is_dataset(name: str) -> bool:
    try:
        check_dataset_name(name)
    except InvalidNameError:
        return False
    return name not in (REPORTS_FOLDER, POSTMORTEMS_FOLDER)


def _by_version(paths: list[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: version_number(p.stem))


def scan_datasets(documents_dir: Path) -> list[DatasetDocs]:
    """Every dataset folder holding datasheets (vN.md), with its versions and scorecards."""
    out = []
    if not documents_dir.is_dir():
        return out
    for folder in sorted(p for p in documents_dir.iterdir() if p.is_dir()):
        if not _is_dataset(folder.name):
            continue
        sheets = [p for p in folder.glob("v*.md") if VERSION_FILE.fullmatch(p.stem)]
        cards = [p for p in (folder / SCORECARDS_FOLDER).glob("v*.md")
                 if VERSION_FILE.fullmatch(p.stem)]
        if sheets or cards:
            out.append(DatasetDocs(folder.name, [p.stem for p in _by_version(sheets)],
                                   [p.stem for p in _by_version(cards)]))
    return out


def delivery_status(markdown: str) -> str:
    """A datasheet's delivery line in one word or two: delivered, blocked, cleared."""
    for line in markdown.splitlines():
        if line.startswith("| Delivery |"):
            return line.split("|")[2].strip().split(":")[0].split(" (")[0]
    return NOT_PROVIDED


def changes_section(markdown: str) -> str:
    """The datasheet's "Changes since the previous version" text, without its heading."""
    lines = markdown.splitlines()
    if _CHANGES not in lines:
        return NOT_PROVIDED
    start = lines.index(_CHANGES) + 1
    end = next((i for i in range(start, len(lines)) if _HEADING.match(lines[i])), len(lines))
    return "\n".join(lines[start:end]).strip() or NOT_PROVIDED


def _rows(markdown: str) -> str:
    for line in markdown.splitlines():
        if line.startswith("- **Instances:**") and ";" in line:
            return line.split(";")[1].split()[0]
    return "-"


def dataset_pages(documents_dir: Path, dataset: DatasetDocs) -> list[Page]:
    """A dataset's overview (versions, status, changes) and a page per datasheet."""
    name = dataset.name
    folder = documents_dir / name
    pages, table, changes = [], [], []
    for version in dataset.versions:
        source = folder / f"{version}.md"
        text = source.read_text(encoding="utf-8")
        table.append(f"| [{version}]({version}.md) | {delivery_status(text)} | {_rows(text)} |")
        changes.append(f"### {version}\n\n{changes_section(text)}\n")
        pages.append(Page(f"datasets/{name}/{version}.md", f"{name} {version}",
                          front_matter(f"{name} {version}") + embedded(source)))
    overview = [f"# {name}\n", f"Datasheets of `{name}`, one per version.\n",
                "| version | delivery | validated rows |", "| --- | --- | ---: |", *table, ""]
    if dataset.scorecards:
        overview += ["## Vendor scorecards\n"] + [
            f"- [{v}](../../scorecards/{name}/{v}.md)" for v in dataset.scorecards] + [""]
    planning = folder / PLANNING_FOLDER / f"{PLANNING_DOCUMENT}.md"
    if planning.is_file():
        # An annotation dataset's vendor comparison and budget vs actual (one page, latest).
        overview += ["## Planning\n", "[Vendors and budget vs actual](planning.md)\n"]
        pages.append(Page(f"datasets/{name}/planning.md", f"{name} planning",
                          front_matter(f"{name} planning") + embedded(planning)))
    overview += ["## Changes between versions\n", *changes]
    pages.insert(0, Page(f"datasets/{name}/index.md", name,
                         front_matter(name) + "\n".join(overview)))
    return pages


def scorecard_pages(documents_dir: Path, datasets: list[DatasetDocs]) -> list[Page]:
    """A page per vendor scorecard, and their index."""
    pages, lines = [], ["# Vendor scorecards\n"]
    for dataset in datasets:
        for version in dataset.scorecards:
            source = documents_dir / dataset.name / SCORECARDS_FOLDER / f"{version}.md"
            title = f"Scorecard {dataset.name} {version}"
            pages.append(Page(f"scorecards/{dataset.name}/{version}.md", title,
                              front_matter(title) + embedded(source)))
            lines.append(f"- [{dataset.name} {version}]({dataset.name}/{version}.md)")
    if not pages:
        lines.append("No labeling batch has a scorecard yet.")
    return [Page("scorecards/index.md", "Vendor scorecards", "\n".join(lines) + "\n"), *pages]


def report_pages(documents_dir: Path) -> list[Page]:
    """Weekly reports (reports/weekly-YYYY-WW.md), newest first, and their index."""
    found = sorted((p for p in (documents_dir / REPORTS_FOLDER).glob("weekly-*.md")
                    if REPORT_FILE.fullmatch(p.stem)), key=lambda p: p.stem, reverse=True)
    pages = [Page(f"reports/{p.stem}.md", f"Weekly report {p.stem[7:]}",
                  front_matter(f"Weekly report {p.stem[7:]}") + embedded(p)) for p in found]
    lines = ["# Weekly reports\n", "Newest first.\n"]
    lines += [f"- [{p.title}]({p.path.split('/', 1)[1]})" for p in pages]
    if not pages:
        lines.append("No weekly report has been written yet (`dataops report weekly`).")
    return [Page("reports/index.md", "Weekly reports", "\n".join(lines) + "\n"), *pages]


def postmortem_pages(documents_dir: Path) -> list[Page]:
    """A page per post-mortem (postmortems/INC-xxxx.md), and their index."""
    found = sorted((p for p in (documents_dir / POSTMORTEMS_FOLDER).glob("INC-*.md")
                    if POSTMORTEM_FILE.fullmatch(p.stem)),
                   key=lambda p: int(p.stem.split("-")[1]))
    pages = [Page(f"postmortems/{p.stem}.md", f"Post-mortem {p.stem}",
                  front_matter(f"Post-mortem {p.stem}") + embedded(p)) for p in found]
    lines = ["# Post-mortems\n"]
    lines += [f"- [{p.title}]({p.path.split('/', 1)[1]})" for p in pages]
    if not pages:
        lines.append("No post-mortem has been drafted yet (`dataops incident postmortem`).")
    return [Page("postmortems/index.md", "Post-mortems", "\n".join(lines) + "\n"), *pages]


def escape_cell(value: object) -> str:
    """A value safe in a Markdown table cell: HTML-escaped, no pipes or line breaks."""
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")
