"""The package's default files: found inside the package, overridden from the environment."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from governance import defaults
from governance.access import load_roles
from governance.contracts import load_contracts
from governance.settings import contracts_dir_from_env


def test_the_defaults_are_files_of_the_package() -> None:
    package = Path(defaults.__file__).parent
    assert defaults.default_contracts_dir() == package / "contracts"
    assert defaults.default_roles_file() == package / "roles.yaml"
    assert {c.name for c in load_contracts(defaults.default_contracts_dir())} == {
        "loan_applications", "support_tickets", "support_ticket_labels"}
    assert load_roles(defaults.default_roles_file())


def test_the_environment_overrides_the_packaged_contracts(tmp_path: Path) -> None:
    assert contracts_dir_from_env({}) == defaults.default_contracts_dir()
    assert contracts_dir_from_env({"DATAOPS_CONTRACTS_DIR": str(tmp_path)}) == tmp_path


def test_package_data_not_on_disk_is_refused_naming_the_overrides(tmp_path, monkeypatch) -> None:
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("governance/defaults/roles.yaml", "roles: {}\n")
    monkeypatch.setattr(defaults.resources, "files",
                        lambda _: zipfile.Path(archive, "governance/defaults/"))
    with pytest.raises(defaults.PackageDataNotOnDiskError, match="DATAOPS_ROLES_FILE"):
        defaults.default_roles_file()
