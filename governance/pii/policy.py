"""Compare what a scan found with what the contract declares, and keep the findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from governance.contracts import DatasetContract
from governance.identifiers import check_version, qualified
from governance.pii.scan import ScanResult
from governance.storage import ensure_table
from governance.tables import PII_FINDINGS, PII_FINDINGS_COLUMNS

FINDINGS_TABLE, _COLUMNS = PII_FINDINGS, PII_FINDINGS_COLUMNS


@dataclass(frozen=True)
class PolicyReport:
    """Declared versus detected personal data for one version."""

    undeclared: tuple[str, ...]       # personal data found where the contract says none
    not_detected: tuple[str, ...]     # declared personal, nothing found in the sample
    detected: dict[str, str]          # column -> main entity type

    @property
    def passed(self) -> bool:
        """True when no undeclared personal data was found."""
        return not self.undeclared


def compare(contract: DatasetContract, scan: ScanResult) -> PolicyReport:
    """Undeclared personal columns fail the policy; declared-but-unseen ones are reported."""
    declared = {c.name for c in contract.columns if c.personal}
    detected = {c.name: (c.main_entity or "declared") for c in scan.columns if c.pii}
    undeclared = tuple(sorted(set(detected) - declared))
    not_detected = tuple(sorted(declared - set(detected)))
    return PolicyReport(undeclared, not_detected, detected)


def write_findings(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                   scan: ScanResult, scanned_at: datetime) -> int:
    """Replace one version's rows in <dataset>.pii_findings: entity types and shares only."""
    table = ensure_table(conn, contract.name, FINDINGS_TABLE, _COLUMNS)
    conn.execute(f"DELETE FROM {table} WHERE _version = ?", [check_version(version)])
    declared = {c.name for c in contract.columns if c.personal}
    names = set(contract.column_names)
    rows = []
    for col in scan.columns:
        base = (version, col.name, col.name in names, col.name in declared, col.pii, col.kind)
        tail = (scan.rows, scan.rows_scanned, scan.guarantee, scanned_at)
        if not col.entities:
            rows.append((*base, None, None, None, *tail))
        for e in col.entities:
            rows.append((*base, e.type, e.prevalence, e.score, *tail))
    conn.executemany(f"INSERT INTO {table} VALUES ({', '.join(['?'] * len(_COLUMNS))})", rows)
    return len(rows)


def findings_table(contract: DatasetContract) -> str:
    """Qualified name of a dataset's findings table."""
    return qualified(contract.name, FINDINGS_TABLE)
