"""Fixtures for the code location: definitions and a Dagster instance on temp storage."""

from __future__ import annotations

import contextlib
import io
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest
import yaml

from dataops_assets.definitions import build_definitions
from dataops_assets.demo.run import run_demo
from dataops_assets.portal.resources import PORTAL_URL_ENV
from governance.settings import DATASHEETS_DIR_ENV
from governance.warehouse import EMBEDDED, PARQUET, WAREHOUSE_ENV
from tests.conftest import CONTRACTS_DIR, REPO, suite_backend


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance with the project's dagster.yaml, on temporary storage."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    overrides = yaml.safe_load((REPO / "dagster.yaml").read_text())
    with dg.instance_for_test(temp_dir=str(home), overrides=overrides) as inst:
        yield inst


@dataclass(frozen=True)
class DemoRun:
    """The demo, materialized once per test session."""

    data_dir: Path
    source_dir: Path
    instance: dg.DagsterInstance
    output: str
    exit_code: int
    errors: str = ""  # what the demo wrote to standard error
    portal_url: str = ""  # where the datasheets' portal links point (see free_port)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo(root: Path, backend: str, own_datasheets: bool = False) -> Iterator[DemoRun]:
    (root / "home").mkdir()
    overrides = yaml.safe_load((REPO / "dagster.yaml").read_text())
    # The demo's datasheets link to the portal at this address; the browser test serves the
    # portal there, so following a link from the Dagster UI reaches it.
    portal_url = f"http://127.0.0.1:{free_port()}"
    with dg.instance_for_test(temp_dir=str(root / "home"), overrides=overrides) as instance:
        out, err = io.StringIO(), io.StringIO()
        # Only while the demo runs: the data directory remembers its backend afterwards,
        # and other tests must not inherit the setting.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                mock.patch.dict(os.environ, {WAREHOUSE_ENV: backend,
                                             PORTAL_URL_ENV: portal_url, **(
                    {DATASHEETS_DIR_ENV: str(root / "datasheets")} if own_datasheets else {})}):
            code = run_demo(root / "data", CONTRACTS_DIR, instance)
        yield DemoRun(root / "data", root / "data" / "demo_source", instance, out.getvalue(),
                      code, err.getvalue(), portal_url)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """Run the whole demo once (it takes about a minute) and share the result."""
    yield from _demo(tmp_path_factory.mktemp("demo"), suite_backend())


@pytest.fixture(scope="session")
def demo_other(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """The same demo on the other warehouse backend than the suite's."""
    other = EMBEDDED if suite_backend() == PARQUET else PARQUET
    # Its own datasheets folder: the session's folder holds the main demo's documents.
    yield from _demo(tmp_path_factory.mktemp("demo_other"), other, own_datasheets=True)


@pytest.fixture(scope="session")
def demo_parquet(request: pytest.FixtureRequest) -> DemoRun:
    """The demo on the Parquet warehouse (one file per table and version)."""
    return request.getfixturevalue("demo" if suite_backend() == PARQUET else "demo_other")


@pytest.fixture(scope="session")
def demo_embedded(request: pytest.FixtureRequest) -> DemoRun:
    """The demo on the embedded DuckDB file."""
    return request.getfixturevalue("demo" if suite_backend() == EMBEDDED else "demo_other")


@pytest.fixture
def defs(data_dir: Path) -> dg.Definitions:
    """Definitions for the repository's contracts on a fresh data directory."""
    return build_definitions(CONTRACTS_DIR, data_dir)
