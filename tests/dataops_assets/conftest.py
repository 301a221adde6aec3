"""Fixtures for the code location: definitions and a Dagster instance on temp storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from dataops_assets.definitions import build_definitions
from tests.conftest import CONTRACTS_DIR, REPO


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance with the project's dagster.yaml, on temporary storage."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    overrides = yaml.safe_load((REPO / "dagster.yaml").read_text())
    with dg.instance_for_test(temp_dir=str(home), overrides=overrides) as inst:
        yield inst


@pytest.fixture
def defs(data_dir: Path) -> dg.Definitions:
    """Definitions for the repository's contracts on a fresh data directory."""
    return build_definitions(CONTRACTS_DIR, data_dir)
