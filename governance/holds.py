"""Legal holds: versions that retention and purges must never touch."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from governance.identifiers import check_dataset_name, check_version
from governance.jsonfile import locked_json


@dataclass(frozen=True)
class Hold:
    """One legal hold on a dataset version."""

    dataset: str
    version: str
    reason: str
    placed_at: str


class HoldBook:
    """Holds kept in <data_dir>/holds.json, changed under a file lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _locked(self) -> AbstractContextManager[dict[str, Any]]:
        return locked_json(self.path)

    def add(self, dataset: str, version: str, reason: str, now: datetime | None = None) -> Hold:
        """Place a hold; placing it again keeps the first one."""
        check_dataset_name(dataset)
        check_version(version)
        with self._locked() as data:
            entry = data.setdefault(dataset, {}).setdefault(version, {
                "reason": reason, "placed_at": (now or datetime.now(UTC)).isoformat()})
        return Hold(dataset, version, entry["reason"], entry["placed_at"])

    def remove(self, dataset: str, version: str) -> bool:
        """Lift a hold; True if there was one."""
        check_dataset_name(dataset)
        check_version(version)
        with self._locked() as data:
            return data.get(dataset, {}).pop(version, None) is not None

    def list(self, dataset: str | None = None) -> list[Hold]:
        """Every hold, optionally for one dataset."""
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        return [Hold(ds, v, e["reason"], e["placed_at"])
                for ds, versions in sorted(data.items()) if dataset in (None, ds)
                for v, e in sorted(versions.items())]

    def held(self, dataset: str, version: str) -> bool:
        """True when the version is under a legal hold."""
        return any(h.version == version for h in self.list(dataset))
