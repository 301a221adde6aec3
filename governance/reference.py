"""Audited reference samples: the verified values an auditor recorded for some rows."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path

from governance.atomic import atomic_writer
from governance.contracts import DatasetContract
from governance.errors import IntakeError
from governance.identifiers import check_version
from governance.quality.rules import quality_spec
from governance.settings import Layout


def save_reference(layout: Layout, contract: DatasetContract, version: str,
                   source: Path) -> Path:
    """Check a reference CSV's header against the contract and store it for a version."""
    spec = quality_spec(contract)
    if not spec.reference_key:
        raise IntakeError(str(source), f"the contract of {contract.name} declares no "
                          "accuracyReference, so there is nothing to compare against")
    return store_csv(source, layout.reference_file(contract.name, check_version(version)),
                     [spec.reference_key, *spec.reference_columns])


def store_csv(source: Path, target: Path, needed: Sequence[str]) -> Path:
    """Copy a CSV into the data directory atomically once its header has the needed columns."""
    try:
        with source.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise IntakeError(str(source), f"cannot read the file ({exc})") from None
    missing = [c for c in needed if c not in header]
    if missing:
        raise IntakeError(str(source), "the file lacks columns: " + ", ".join(missing), line=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, atomic_writer(target) as dst:
        shutil.copyfileobj(src, dst)
    return target
