"""Audited reference samples: the verified values an auditor recorded for some rows."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

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
    try:
        with source.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise IntakeError(str(source), f"cannot read the reference sample ({exc})") from None
    needed = [spec.reference_key, *spec.reference_columns]
    missing = [c for c in needed if c not in header]
    if missing:
        raise IntakeError(str(source), "the reference sample lacks columns: "
                          + ", ".join(missing), line=1)
    target = layout.reference_file(contract.name, check_version(version))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target
