"""The package works from a wheel: built, installed in a fresh venv, run outside the repository.

Catches package data (templates, demo contracts, roles, ODCS schemas) that only an editable
install finds. The fresh venv sees the pinned dependencies of .venv through a `.pth` line,
which adds .venv's site-packages as a plain folder: .pth files inside it (the editable
install's finder) are not processed, so the project can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CONTRACTS_DIR, REPO

DEMO_DATASETS = sorted(p.name.removesuffix(".odcs.yaml") for p in CONTRACTS_DIR.glob("*.odcs.yaml"))
# The package data the code reads, as paths inside the wheel.
PACKAGE_DATA = (
    "governance/datasheet/templates/datasheet.md.j2",
    "governance/datasheet/templates/consent.md.j2",
    "governance/datasheet/templates/datasheet.html.j2",
    "governance/datasheet/templates/page.html.j2",
    "governance/incidents/templates/postmortem.md.j2",
    "governance/labeling/templates/feedback.md.j2",
    "governance/labeling/templates/review.md.j2",
    "governance/defaults/roles.yaml",
    "governance/defaults/contracts/guidelines/support_ticket_guidelines.md",
    "governance/odcs_schemas/odcs-3.2.0.schema.json",
    "governance/odcs_schemas/LICENSE",
    *(f"governance/defaults/contracts/{d}.odcs.yaml" for d in DEMO_DATASETS),
)


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=300, check=False, **kwargs)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources, so the build leaves nothing in the repository."""
    src = tmp_path_factory.mktemp("src")
    for name in ("governance", "dataops_assets"):
        shutil.copytree(REPO / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(REPO / "pyproject.toml", src / "pyproject.toml")
    dist = tmp_path_factory.mktemp("dist")
    # No build isolation: setuptools is pinned in .venv, so nothing is downloaded.
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--no-index", "--wheel-dir", dist, src])
    (built,) = dist.glob("dataops_governance-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv with the wheel installed and .venv's dependencies visible, not the repo."""
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", root])
    target = Path(sysconfig.get_path("purelib", vars={"base": str(root),
                                                      "platbase": str(root)}))
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (target / "_dataops_test_deps.pth").write_text("".join(f"{p}\n" for p in deps))
    _run([sys.executable, "-m", "pip", "--python", root / "bin" / "python", "install",
          "--quiet", "--no-deps", "--no-index", wheel])
    return root


def _clean_env(home: Path) -> dict[str, str]:
    # No PYTHONPATH and no DATAOPS_CONTRACTS_DIR: the defaults must come from the wheel.
    return {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", str(home)),
            "LANG": "C.UTF-8", "DATAOPS_HASH_KEY": "wheel-test-hash-key",
            "DATAOPS_DATA_DIR": str(home / "data"), "DAGSTER_HOME": str(home / "dagster"),
            "DATAOPS_DATASHEETS_DIR": str(home / "datasheets")}


def test_the_wheel_holds_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [p for p in PACKAGE_DATA if p not in names] == []


def test_dataops_contracts_runs_from_the_wheel_outside_the_repository(venv, tmp_path) -> None:
    (tmp_path / "dagster").mkdir()
    done = _run([venv / "bin" / "dataops", "contracts"], cwd=tmp_path, env=_clean_env(tmp_path))
    listed = sorted(line.split(":")[0] for line in done.stdout.splitlines())
    assert listed == DEMO_DATASETS
    # The contracts are the wheel's copies, not the repository's.
    assert str(venv) in done.stdout and str(REPO) not in done.stdout


def test_dagster_validates_the_definitions_from_the_wheel(venv, tmp_path) -> None:
    (tmp_path / "dagster").mkdir()
    env = _clean_env(tmp_path)
    where = _run([venv / "bin" / "python", "-c",
                  "import dataops_assets.definitions as d, governance.datasheet.render as r;"
                  "print(d.__file__); print(r.template('datasheet.md.j2').filename or 'ok')"],
                 cwd=tmp_path, env=env)
    assert str(venv) in where.stdout and str(REPO) not in where.stdout
    done = _run([venv / "bin" / "python", "-m", "dagster", "definitions", "validate",
                 "-m", "dataops_assets.definitions"], cwd=tmp_path, env=env)
    output = done.stdout + done.stderr
    assert "Validation successful for code location" in output
    assert "failed" not in output.lower()
    assets = _run([venv / "bin" / "python", "-m", "dagster", "asset", "list",
                   "-m", "dataops_assets.definitions"], cwd=tmp_path, env=env)
    keys = set(assets.stdout.split())
    assert {f"{d}/delivered" for d in DEMO_DATASETS} <= keys
