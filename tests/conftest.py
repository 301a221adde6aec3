"""Shared fixtures: the repository's contracts and a throwaway data directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from governance.contracts import DatasetContract, load_contracts
from governance.defaults import default_contracts_dir
from governance.warehouse import EMBEDDED, WAREHOUSE_ENV

# The local SMTP server fixture (`smtp`) for tests that send mail.
pytest_plugins = ["tests.smtp"]

TEST_WAREHOUSE_ENV = "DATAOPS_TEST_WAREHOUSE"

REPO = Path(__file__).resolve().parent.parent
# Delivery hashes personal columns with a key from the environment; tests use a fixed one.
os.environ.setdefault("DATAOPS_HASH_KEY", "test-hash-key")
# Datasheets from test runs go to a temporary folder, never into the repository.
os.environ.setdefault("DATAOPS_DATASHEETS_DIR", tempfile.mkdtemp(prefix="datasheets-"))
# Tests choose their own audit key, witnesses and principal: nothing from the caller's shell
# (make exports DAGSTER_HOME and DATAOPS_AUDIT_KEY) may sign or witness a test's trail.
for _name in ("DAGSTER_HOME", "DATAOPS_AUDIT_KEY", "DATAOPS_AUDIT_PUBLIC_KEY",
              "DATAOPS_AUDIT_WITNESS_URL", "DATAOPS_PRINCIPAL_TOKEN"):
    os.environ.pop(_name, None)
# The demo contracts as shipped in the package (governance/defaults/contracts/).
CONTRACTS_DIR = default_contracts_dir()


@pytest.fixture(scope="session")
def contracts() -> dict[str, DatasetContract]:
    """The demo contracts keyed by dataset name."""
    return {c.name: c for c in load_contracts(CONTRACTS_DIR)}


@pytest.fixture
def tickets(contracts: dict[str, DatasetContract]) -> DatasetContract:
    """The support-tickets contract."""
    return contracts["support_tickets"]


@pytest.fixture
def loans(contracts: dict[str, DatasetContract]) -> DatasetContract:
    """The loan-applications contract."""
    return contracts["loan_applications"]


def suite_backend() -> str:
    """The backend the suite's data directories and demo use by default."""
    return os.environ.get(TEST_WAREHOUSE_ENV) or EMBEDDED


@pytest.fixture
def backend() -> str:
    """The warehouse backend of `data_dir`: $DATAOPS_TEST_WAREHOUSE (`make test-parquet`
    runs the whole suite on Parquet), else the embedded file; a test runs on both with
    `@pytest.mark.parametrize("backend", BACKENDS)`."""
    return suite_backend()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> Path:
    """A fresh data directory, also exported as DATAOPS_DATA_DIR (with its backend)."""
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(path))
    monkeypatch.setenv(WAREHOUSE_ENV, backend)
    monkeypatch.setenv("DATAOPS_HASH_KEY", "test-hash-key")
    return path
