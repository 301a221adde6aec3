"""Fixtures of the incident tests: a book on a fresh data directory, contracts with edits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from governance.contracts import DatasetContract, load_contract
from governance.incidents.book import IncidentBook
from governance.incidents.model import HIGH, QUALITY, Signal
from governance.settings import Layout
from tests.conftest import CONTRACTS_DIR

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def edited_contract(folder: Path, name: str = "support_tickets", *,
                    support: list[dict[str, Any]] | None = None,
                    incidents: dict[str, Any] | None = None) -> DatasetContract:
    """A demo contract with its `support` list and/or `incidents` property replaced."""
    data = yaml.safe_load((CONTRACTS_DIR / f"{name}.odcs.yaml").read_text(encoding="utf-8"))
    if support is not None:
        data["support"] = support
    if incidents is not None:
        for prop in data["customProperties"]:
            if prop["property"] == "incidents":
                prop["value"] = incidents
    path = folder / f"{name}.odcs.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_contract(path)


def signal(version: str | None = "v2", key: str = "intake_complete", at: datetime = T0,
           dataset: str = "support_tickets", severity: str = HIGH) -> Signal:
    """A failed blocking check of a support-tickets version."""
    return Signal(dataset, version, key, QUALITY, severity, at, "4 records quarantined")


@pytest.fixture
def book(data_dir: Path, contracts: dict[str, DatasetContract]) -> IncidentBook:
    """An incident book on a fresh data directory with the demo contracts."""
    return IncidentBook(Layout(data_dir), contracts)
