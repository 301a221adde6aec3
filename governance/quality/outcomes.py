"""Check outcomes per version, kept in DuckDB so delivery can be refused on them later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from governance.identifiers import check_version
from governance.storage import ensure_table, table_exists
from governance.tables import CHECK_RESULTS, CHECK_RESULTS_COLUMNS

CHECKS_TABLE = CHECK_RESULTS
_COLUMNS = CHECK_RESULTS_COLUMNS


@dataclass(frozen=True)
class CheckOutcome:
    """The outcome of one check on one version."""

    name: str
    severity: str
    blocking: bool
    passed: bool
    rows_checked: int
    failures: int


def write_outcomes(conn: duckdb.DuckDBPyConnection, dataset: str, version: str,
                   outcomes: list[CheckOutcome], evaluated_at: datetime) -> None:
    """Replace these checks' outcomes for one version; other checks' rows stay."""
    table = ensure_table(conn, "main", CHECKS_TABLE, _COLUMNS)
    for outcome in outcomes:
        conn.execute(f"DELETE FROM {table} WHERE dataset = ? AND version = ? AND check_name = ?",
                     [dataset, check_version(version), outcome.name])
    conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (dataset, version, o.name, o.severity, o.blocking, o.passed, o.rows_checked,
         o.failures, evaluated_at) for o in outcomes])


def failed_blocking(conn: duckdb.DuckDBPyConnection, dataset: str, version: str) -> list[str]:
    """Names of the blocking checks that failed on this version."""
    if not table_exists(conn, "main", CHECKS_TABLE):
        return []
    rows = conn.execute(f"SELECT check_name FROM main.{CHECKS_TABLE} WHERE dataset = ? AND "
                        "version = ? AND blocking AND NOT passed ORDER BY check_name",
                        [dataset, check_version(version)]).fetchall()
    return [r[0] for r in rows]
