"""Build the governance portal: write its Markdown sources, generate mkdocs.yml and build
the MkDocs (Material) site offline, then swap it into place atomically.

Each build goes to a fresh folder `<portal_dir>/builds/<id>/` (docs/, mkdocs.yml, site/);
`<portal_dir>/current` is a symbolic link to the finished one, replaced in one rename, and
`site` and `docs` point through it. A reader (the portal server) therefore sees the old site
or the new one, never half of each; a failing build leaves the previous site as it was.
Builds run under a file lock, so datasheet runs that end together cannot interleave.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from governance.atomic import atomic_write_text, fsync_dir
from governance.audit_sign import Checkpoint
from governance.audit_verify import TrailReport
from governance.contracts import DatasetContract
from governance.datasheet.render import write_text
from governance.errors import GovernanceError
from governance.portal.documents import (
    Page,
    dataset_pages,
    postmortem_pages,
    report_pages,
    scan_datasets,
    scorecard_pages,
)
from governance.portal.records import audit_page, incidents_page, retention_page
from governance.settings import Layout

DEFAULT_BASE_URL = "http://127.0.0.1:3001"
SITE_NAME = "Data governance portal"
CURRENT, SITE, DOCS, BUILDS = "current", "site", "docs", "builds"
_KEEP = 2  # the current build and the one before (a reader may still be fetching from it)
_CSS = """\
.dataops-document table{font-size:.75rem}
.dataops-document .charts{display:flex;flex-wrap:wrap;gap:1.5rem}
.dataops-document svg{max-width:100%;height:auto}
"""
log = logging.getLogger(__name__)


class PortalBuildError(GovernanceError):
    """The portal could not be built; the previous site (if any) is still served."""


class PortalNotBuiltError(GovernanceError):
    """The portal has never been built in this data directory."""


@dataclass(frozen=True)
class PortalBuild:
    """What a build produced: where the site is, how many pages, how long it took."""

    site_dir: Path
    pages: int
    seconds: float
    audit: TrailReport


def site_dir(portal_dir: Path) -> Path:
    """The served site: <portal_dir>/site (a link into the current build)."""
    return portal_dir / SITE


def built_site(portal_dir: Path) -> Path:
    """The built site's folder; PortalNotBuiltError when there is none yet."""
    path = site_dir(portal_dir)
    if not (path / "index.html").is_file():
        raise PortalNotBuiltError(f"the governance portal has not been built in {portal_dir}; "
                                  "run `dataops portal build` (make demo does it too)")
    return path


def page_url(base_url: str, dataset: str, version: str) -> str:
    """The portal URL of a datasheet: <base>/datasets/<ds>/<version>/."""
    return f"{base_url.rstrip('/')}/datasets/{dataset}/{version}/"


def _section(title: str, pages: Sequence[Page]) -> dict[str, list[object]]:
    return {title: [p.path if i == 0 else {p.title: p.path} for i, p in enumerate(pages)]}


def config(base_url: str, nav: list[object]) -> dict[str, object]:
    """mkdocs.yml: Material theme without web fonts, offline search, nothing fetched."""
    return {
        "site_name": SITE_NAME,
        "site_url": base_url.rstrip("/") + "/",
        "docs_dir": DOCS,
        "site_dir": SITE,
        "use_directory_urls": True,
        # font: false keeps Google Fonts out; generator: false drops the footer's web link.
        "theme": {"name": "material", "font": False,
                  "features": ["navigation.indexes", "navigation.sections", "search.suggest"]},
        "plugins": ["search"],
        "extra": {"generator": False},
        "extra_css": ["assets/portal.css"],
        "markdown_extensions": ["tables", "attr_list", "toc"],
        "nav": nav,
    }


def collect_pages(documents_dir: Path, layout: Layout, contracts: Mapping[str, DatasetContract],
                  witnessed: Sequence[Checkpoint] | None,
                  now: datetime) -> tuple[list[Page], list[object], TrailReport]:
    """Every page of the portal and its navigation, in a fixed order."""
    datasets = scan_datasets(documents_dir)
    per_dataset = [dataset_pages(documents_dir, d) for d in datasets]
    scorecards = scorecard_pages(documents_dir, datasets)
    reports = report_pages(documents_dir)
    postmortems = postmortem_pages(documents_dir)
    incidents = incidents_page(layout, contracts, {p.path[12:-3] for p in postmortems[1:]})
    retention = retention_page(layout, contracts, now)
    audit, report = audit_page(layout, witnessed, now)
    home = Page("index.md", "Home", home_text(datasets, reports, report, now))
    overview = Page("datasets/index.md", "Datasets", datasets_text(datasets))
    nav: list[object] = [
        {"Home": home.path},
        {"Datasets": [overview.path, *[_section(pages[0].title, pages) for pages in
                                       per_dataset]]},
        _section("Vendor scorecards", scorecards), _section("Weekly reports", reports),
        {"Incidents": incidents.path}, _section("Post-mortems", postmortems),
        {"Retention plan": retention.path}, {"Audit trail": audit.path}]
    pages = [home, overview, *[p for pages in per_dataset for p in pages], *scorecards,
             *reports, incidents, *postmortems, retention, audit]
    return pages, nav, report


def home_text(datasets: list, reports: list[Page], audit: TrailReport, now: datetime) -> str:
    """The front page: what is in the portal and where."""
    latest = f"[{reports[1].title}]({reports[1].path})" if len(reports) > 1 else "none yet"
    return "\n".join([
        f"# {SITE_NAME}\n",
        f"Built {now:%Y-%m-%d %H:%M} UTC from the catalog's documents and records.\n",
        f"- [Datasets](datasets/index.md): {len(datasets)} dataset(s), "
        f"{sum(len(d.versions) for d in datasets)} datasheet(s), every version with the "
        "changes since the one before",
        "- [Vendor scorecards](scorecards/index.md) of the labeling batches",
        f"- [Weekly reports](reports/index.md): latest {latest}",
        "- [Incidents](incidents.md) and their [post-mortems](postmortems/index.md)",
        "- [Retention plan](retention.md): what is removed when, and the legal holds",
        f"- [Audit trail](audit.md): {'verified' if audit.ok else 'NOT verified'}, "
        f"{audit.entries} entries", "",
        "Use the search box to find a dataset, a column or an incident.", ""])


def datasets_text(datasets: list) -> str:
    """The datasets overview: versions and the latest status of each."""
    lines = ["# Datasets\n", "| dataset | versions | scorecards |", "| --- | ---: | ---: |"]
    lines += [f"| [{d.name}]({d.name}/index.md) | {len(d.versions)} | {len(d.scorecards)} |"
              for d in datasets]
    return "\n".join(lines) + "\n"


@contextmanager
def _locked(portal_dir: Path) -> Iterator[None]:
    portal_dir.mkdir(parents=True, exist_ok=True)
    with open(portal_dir / ".build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _mkdocs_build(config_file: Path) -> None:
    """MkDocs' own build, through its Python API (no subprocess, no network)."""
    # MkDocs and its theme load plugins at import: only when a build runs, not with the CLI.
    from mkdocs.commands.build import build

    # The config loader likewise imports the theme and its plugins.
    from mkdocs.config import load_config

    # MkDocs logs every page at INFO; runs and the CLI only need its warnings.
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    build(load_config(config_file=str(config_file)))


def _swap(portal_dir: Path, build_dir: Path) -> None:
    """Point `current` at the new build in one rename; `site` and `docs` follow it."""
    link = portal_dir / f".{CURRENT}.{secrets.token_hex(6)}"
    os.symlink(Path(BUILDS) / build_dir.name, link)
    os.replace(link, portal_dir / CURRENT)
    for name in (SITE, DOCS):
        path = portal_dir / name
        if not path.is_symlink():
            if path.exists():  # a folder from before this layout: replaced, never merged
                shutil.rmtree(path)
            os.symlink(Path(CURRENT) / name, path)
    fsync_dir(portal_dir)


def _prune(portal_dir: Path) -> None:
    builds = sorted((portal_dir / BUILDS).iterdir(), key=lambda p: p.name)
    current = (portal_dir / CURRENT).resolve()
    old = [b for b in builds if b.resolve() != current]
    for build_dir in old[:max(0, len(old) - (_KEEP - 1))]:
        shutil.rmtree(build_dir, ignore_errors=True)


def build_portal(portal_dir: Path, documents_dir: Path, layout: Layout,
                 contracts: Mapping[str, DatasetContract], *,
                 base_url: str = DEFAULT_BASE_URL,
                 witnessed: Sequence[Checkpoint] | None = None,
                 now: datetime | None = None) -> PortalBuild:
    """Build the whole portal from the documents and records; swap it in when it is done."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    with _locked(portal_dir):
        # Named by the clock in nanoseconds so builds sort in the order they were made (the
        # lock makes them sequential); the token keeps names unique across hosts.
        build_dir = portal_dir / BUILDS / f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        try:
            pages, nav, report = collect_pages(documents_dir, layout, contracts, witnessed,
                                               now)
            docs = build_dir / DOCS
            for page in pages:
                write_text(docs / page.path, page.text)
            write_text(docs / "assets" / "portal.css", _CSS)
            atomic_write_text(build_dir / "mkdocs.yml",
                              yaml.safe_dump(config(base_url, nav), sort_keys=False))
            _mkdocs_build(build_dir / "mkdocs.yml")
            if not (build_dir / SITE / "index.html").is_file():
                raise PortalBuildError("MkDocs finished without writing index.html")
        except Exception as exc:
            shutil.rmtree(build_dir, ignore_errors=True)
            if isinstance(exc, GovernanceError):
                raise
            raise PortalBuildError(f"the governance portal could not be built ({exc}); the "
                                   "previous portal is still served") from exc
        _swap(portal_dir, build_dir)
        _prune(portal_dir)
    return PortalBuild(site_dir(portal_dir), len(pages), time.monotonic() - started, report)
