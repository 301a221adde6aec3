"""Fixtures of the portal tests: a documents folder as the catalog writes it, and records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance.audit import AuditLog, audit_path
from governance.contracts import DatasetContract
from governance.portal.site import PortalBuild, build_portal
from governance.settings import Layout

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:3999"
CHART = '<svg role="img" aria-label="completeness per version"><text>v1</text></svg>'


def _datasheet(dataset: str, version: str, status: str, changes: str) -> str:
    return (f"# Datasheet: {dataset} {version}\n\n| | |\n| --- | --- |\n"
            f"| Delivery | {status} |\n\n## Composition\n\n"
            f"- **Instances:** one row per record; 120 validated rows (121 read).\n\n"
            f"## Changes since the previous version\n\n{changes}\n\n### Drift\n\nnone\n")


def write_documents(folder: Path) -> Path:
    """Datasheets of two datasets, a scorecard, two weekly reports and a post-mortem."""
    sheets = {("loan_applications", "v1"): ("delivered (v1.parquet)", "the first version."),
              ("loan_applications", "v2"): ("blocked: intake_complete failed",
                                            "Compared with v1:\n\n- **Rows (validated):** "
                                            "120 → 98"),
              ("support_tickets", "v1"): ("delivered (v1.parquet)", "the first version.")}
    for (dataset, version), (status, changes) in sheets.items():
        md = _datasheet(dataset, version, status, changes)
        path = folder / dataset / f"{version}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(md, encoding="utf-8")
        path.with_suffix(".html").write_text(
            f"<!doctype html><html><head><style>p{{}}</style></head><body>\n<h1>Datasheet: "
            f"{dataset} {version}</h1>\n<p>{status}</p>\n{CHART}\n</body></html>\n",
            encoding="utf-8")
    card = folder / "support_tickets" / "scorecards" / "v1.md"
    card.parent.mkdir(parents=True)
    card.write_text("# Vendor scorecard: support_tickets v1\n\n| vendor | accuracy |\n"
                    "| --- | ---: |\n| acme | 97.0% |\n", encoding="utf-8")
    reports = folder / "reports"
    reports.mkdir()
    for week, received in (("2026-09", 5), ("2026-10", 7)):
        (reports / f"weekly-{week}.md").write_text(
            f"# Weekly status report {week}\n\n- versions received: {received}\n",
            encoding="utf-8")
    (folder / "postmortems").mkdir()
    (folder / "postmortems" / "INC-0001.md").write_text(
        "# Post-mortem INC-0001\n\nThe intake check failed.\n", encoding="utf-8")
    return folder


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    """A documents folder like <documents_dir> after a few runs."""
    return write_documents(tmp_path / "documents")


@pytest.fixture
def portal_inputs(data_dir: Path, documents: Path,
                  contracts: dict[str, DatasetContract]) -> tuple[Layout, Path, dict]:
    """The data directory's layout (with a few audit entries), documents and contracts."""
    log = AuditLog(audit_path(data_dir))
    for version in ("v1", "v2"):
        log.append("ingest", "loan_applications", version, {"rows": 121})
    return Layout(data_dir), documents, contracts


def build(portal_inputs: tuple[Layout, Path, dict]) -> PortalBuild:
    """Build the portal of the fixture's inputs."""
    layout, documents, contracts = portal_inputs
    return build_portal(layout.portal_dir, documents, layout, contracts, base_url=BASE_URL,
                        now=NOW)
