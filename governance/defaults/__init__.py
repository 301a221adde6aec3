"""Package data used when no override is set: the demo contracts and the roles file.

These files ship inside the wheel, so a plain (non-editable) install finds them; users
point at their own files with $DATAOPS_CONTRACTS_DIR and $DATAOPS_ROLES_FILE.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from governance.errors import GovernanceError


class PackageDataNotOnDiskError(GovernanceError):
    """The package's own files are not in a folder on disk (e.g. imported from a zip)."""


def _on_disk(resource: Traversable) -> Path:
    # Contracts are globbed and name their guidelines by a path relative to the contract
    # file, so they need a real folder; pip installs wheels unzipped, so this holds.
    if not isinstance(resource, Path):
        raise PackageDataNotOnDiskError(
            f"The project's default files ({resource}) are not on disk; install the package "
            "with pip (not as a zip) or set DATAOPS_CONTRACTS_DIR and DATAOPS_ROLES_FILE")
    return resource


def default_contracts_dir() -> Path:
    """The demo contracts shipped in the package (governance/defaults/contracts/)."""
    return _on_disk(resources.files(__name__) / "contracts")


def default_roles_file() -> Path:
    """The roles file shipped in the package (governance/defaults/roles.yaml)."""
    return _on_disk(resources.files(__name__) / "roles.yaml")
