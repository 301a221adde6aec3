"""Refresh requests raised by drift: one per drifted version, kept in a locked JSON ledger."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from governance.identifiers import check_dataset_name, check_version
from governance.jsonfile import locked_json

REQUESTED = "requested"
DISPATCHED = "dispatched"


@dataclass(frozen=True)
class RefreshRequest:
    """A request to refresh data or retrain because a version drifted, with its evidence."""

    dataset: str
    version: str
    reference_version: str
    share_drifted: float
    drifted_columns: tuple[str, ...]
    label_drift: bool | None
    job: str
    requested_at: str
    status: str = REQUESTED
    run_id: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def run_key(self) -> str:
        """The sensor run key: Dagster launches one run per key, ever."""
        return f"drift-refresh:{self.dataset}:{self.version}"

    def to_json(self) -> dict[str, Any]:
        """The request as JSON-ready data: the drift asset's metadata and the ledger hold this."""
        entry = asdict(self)
        entry["drifted_columns"] = list(self.drifted_columns)
        return entry

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> RefreshRequest:
        """The request that `to_json` wrote."""
        return cls(**{**entry, "drifted_columns": tuple(entry["drifted_columns"])})


class RefreshLedger:
    """Refresh requests in <data_dir>/drift/refresh_requests.json, changed under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _locked(self) -> AbstractContextManager[dict[str, Any]]:
        return locked_json(self.path)

    def record(self, request: RefreshRequest) -> bool:
        """Record a request; False (and nothing written) when this version already has one."""
        check_dataset_name(request.dataset)
        check_version(request.version)
        with self._locked() as data:
            versions = data.setdefault(request.dataset, {})
            if request.version in versions:
                return False
            versions[request.version] = request.to_json()
            return True

    def forget(self, dataset: str, version: str) -> bool:
        """Remove a purged version's request; False when it had none."""
        with self._locked() as data:
            found = data.get(dataset, {}).pop(version, None) is not None
            if dataset in data and not data[dataset]:
                del data[dataset]
            return found

    def mark_dispatched(self, dataset: str, version: str, run_id: str) -> RefreshRequest | None:
        """Note the run that acted on a request; None when there is no such request."""
        with self._locked() as data:
            entry = data.get(dataset, {}).get(version)
            if entry is None:
                return None
            entry.update(status=DISPATCHED, run_id=run_id)
            return RefreshRequest.from_json(entry)

    def get(self, dataset: str, version: str) -> RefreshRequest | None:
        """The request for one version, if any."""
        return next((r for r in self.list(dataset) if r.version == version), None)

    def list(self, dataset: str | None = None) -> list[RefreshRequest]:
        """All requests, oldest version first."""
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text())
        out = [RefreshRequest.from_json(e) for name, versions in sorted(data.items())
               if dataset in (None, name) for e in versions.values()]
        return sorted(out, key=lambda r: (r.dataset, int(r.version[1:])))


def now_iso() -> str:
    """The current UTC time as ISO text, for requested_at."""
    return datetime.now(UTC).isoformat(timespec="seconds")
