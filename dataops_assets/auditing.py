"""One call to append to the audit trail from assets, jobs and commands."""

from __future__ import annotations

from pathlib import Path

from governance.audit import AuditLog, audit_path


def audit(data_dir: str | Path, action: str, dataset: str, version: str | None = None,
          **details: object) -> None:
    """Append an entry; details hold counts, identifiers and hashes only (checked)."""
    AuditLog(audit_path(Path(data_dir))).append(action, dataset, version, details)
