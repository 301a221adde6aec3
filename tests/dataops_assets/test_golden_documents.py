"""Generated documents of fixed demo versions match their reviewed golden files."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from governance.contracts import DatasetContract
from tests.dataops_assets.conftest import DemoRun
from tests.golden import assert_golden

# The demo's dates follow the day it runs (run_demo takes no date) and the raw store stamps
# arrival with the wall clock, so clock-derived values cannot be injected through the
# session's shared demo; they are normalised here, each by a named pattern.
ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
                           r"(?:[+-]\d{2}:\d{2}|Z)?")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")  # retention due dates follow arrival
# The raw batch's bytes hold the demo's dates, so its sha256 (and 16-digit prefix) changes.
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
# Freshness is the age in hours of the newest record when the checks ran.
FRESHNESS_HOURS = re.compile(r"(freshness(?: \| |</td>\s*<td[^>]*>))[\d.,]+")

DOCUMENTS = [  # (file under the datasheets folder, golden name)
    ("loan_applications/v1.md", "datasheets/loan_applications_v1.md"),
    ("loan_applications/v1.html", "datasheets/loan_applications_v1.html"),
    ("support_ticket_labels/v1.md", "datasheets/support_ticket_labels_v1.md"),
    ("support_ticket_labels/v1.html", "datasheets/support_ticket_labels_v1.html"),
    ("support_ticket_labels/scorecards/v1.md", "scorecards/support_ticket_labels_v1.md"),
]


def normalise_clock(text: str) -> str:
    """Replace the clock-derived values of a demo document with fixed placeholders."""
    for digest in set(SHA256.findall(text)):
        text = text.replace(digest, "SHA256").replace(digest[:16], "SHA256-PREFIX")
    text = ISO_TIMESTAMP.sub("TIMESTAMP", text)
    text = ISO_DATE.sub("DATE", text)
    return FRESHNESS_HOURS.sub(r"\1HOURS", text)


def _personal_values(demo: DemoRun, contracts: dict[str, DatasetContract]) -> set[str]:
    """Every value of a declared personal column in the demo's source batches."""
    values: set[str] = set()
    for path in sorted(demo.source_dir.glob("*/batch_*.csv")):
        personal = set(contracts[path.parent.name].personal_columns)
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                values.update(row[c].strip() for c in personal & set(row)
                              if len(row[c].strip()) > 5)
    return values


@pytest.mark.parametrize(("document", "golden"), DOCUMENTS)
def test_demo_document_matches_its_golden_file(demo: DemoRun, document: str,
                                               golden: str) -> None:
    text = (Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / document).read_text(encoding="utf-8")
    assert_golden(normalise_clock(text), golden)


def test_golden_documents_hold_no_personal_value(
        demo: DemoRun, contracts: dict[str, DatasetContract]) -> None:
    planted = _personal_values(demo, contracts)
    assert len(planted) > 1_000
    for _, golden in DOCUMENTS:
        text = (Path(__file__).resolve().parents[1] / "fixtures" / "golden" / golden).read_text()
        assert not [v for v in planted if v in text], golden
