"""DuckDB stage tables: one schema per dataset, one table per stage, one version per write.

Every write of a version replaces that version's rows inside a single transaction, so
a failed or killed write leaves the previous state. Names are validated and quoted;
values always travel as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from governance.contracts import DatasetContract
from governance.identifiers import check_column_name, check_version, qualified, quote_ident
from governance.intake import QuarantinedRecord
from governance.parquet_store import active
from governance.tables import (
    QUARANTINE,
    QUARANTINE_COLUMNS,
    ROW_ID,
    VERSION_COL,
    check_registered,
)

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def stage_columns(contract: DatasetContract) -> list[tuple[str, str]]:
    """Column names and DuckDB types of a stage table for this contract."""
    cols = [(VERSION_COL, "VARCHAR"), (ROW_ID, "BIGINT")]
    cols += [(check_column_name(c.name), DUCKDB_TYPES[c.logical_type]) for c in contract.columns]
    return cols


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one DuckDB transaction: all of it commits, or none of it."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def ensure_table(conn: duckdb.DuckDBPyConnection, schema: str, table: str,
                 columns: Iterable[tuple[str, str]]) -> str:
    """Create schema and table if missing, add any newly declared columns; return its name.

    Only tables declared in governance/tables.py may be created, so retention and erasure
    (which loop over that registry) reach every table there is. On the Parquet warehouse
    the name returned is the session's private copy of its version (parquet_store.py):
    write only through names this function or `writable` returned."""
    check_registered(schema, table)
    session = active(conn)
    if session is not None:
        return session.ensure(schema, table, list(columns))
    name = qualified(schema, table)
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    cols = list(columns)
    ddl = ", ".join(f"{quote_ident(check_column_name(c))} {t}" for c, t in cols)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({ddl})")
    existing = {r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall()}
    for col, typ in cols:
        if col not in existing:
            # A contract that gained a column: older versions read it as NULL.
            conn.execute(f"ALTER TABLE {name} ADD COLUMN {quote_ident(col)} {typ}")
    return name


def writable(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> str | None:
    """The name to update or delete rows of an existing registered table; None if absent."""
    check_registered(schema, table)
    if not table_exists(conn, schema, table):
        return None
    session = active(conn)
    return session.ensure(schema, table, None) if session is not None \
        else qualified(schema, table)


def table_columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of a table as the connection sees it (empty if it does not exist)."""
    session = active(conn)
    if session is not None:
        return session.columns(schema, table)
    return [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()]


def ensure_stage_table(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                       stage: str) -> str:
    """Create the stage table of a dataset if it does not exist yet."""
    return ensure_table(conn, contract.name, stage, stage_columns(contract))


def delete_version(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                   extra: dict[str, str] | None = None) -> None:
    """Delete one version's rows from an already-qualified table name."""
    where = f"{quote_ident(VERSION_COL)} = ?"
    params: list[object] = [check_version(version)]
    for col, value in (extra or {}).items():
        where += f" AND {quote_ident(check_column_name(col))} = ?"
        params.append(value)
    conn.execute(f"DELETE FROM {table} WHERE {where}", params)


def insert_batches(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                   batches: Iterable[pa.Table]) -> int:
    """Insert Arrow batches into table, tagging each row with the version."""
    total = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        batch = batch.append_column(VERSION_COL, pa.array([version] * batch.num_rows,
                                                           type=pa.string()))
        conn.register("_incoming_batch", batch)
        try:
            conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming_batch")
        finally:
            conn.unregister("_incoming_batch")
        total += batch.num_rows
    return total


def write_quarantine(conn: duckdb.DuckDBPyConnection, dataset: str, version: str, stage: str,
                     records: Iterable[QuarantinedRecord], now: datetime | None = None) -> int:
    """Replace the quarantined records of one version and stage."""
    table = ensure_table(conn, dataset, QUARANTINE, QUARANTINE_COLUMNS)
    delete_version(conn, table, version, {"stage": stage})
    stamp = (now or datetime.now(UTC)).replace(tzinfo=None)
    rows = [(version, stage, r.line, r.column, r.reason, r.record, stamp) for r in records]
    if rows:
        conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def replace_from_query(conn: duckdb.DuckDBPyConnection, target: str, version: str,
                       select_sql: str, params: list[object]) -> int:
    """Replace one version of target with the rows of a parameterised SELECT."""
    delete_version(conn, target, version)
    conn.execute(f"INSERT INTO {target} BY NAME {select_sql}", params)
    return count_rows(conn, target, version)


def count_rows(conn: duckdb.DuckDBPyConnection, table: str, version: str) -> int:
    """Number of rows one version has in a table, which must exist (a missing table raises
    duckdb.CatalogException; `quarantine_count` checks with `table_exists` first)."""
    rows = conn.execute(f"SELECT count(*) FROM {table} WHERE {quote_ident(VERSION_COL)} = ?",
                        [check_version(version)]).fetchall()
    return int(rows[0][0])


def table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True if schema.table exists."""
    rows = conn.execute("SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall()
    return bool(rows[0][0])


def quarantine_count(conn: duckdb.DuckDBPyConnection, dataset: str, version: str) -> int:
    """Quarantined records and file-level problems of a version, all stages."""
    if not table_exists(conn, dataset, QUARANTINE):
        return 0
    return count_rows(conn, qualified(dataset, QUARANTINE), version)


def now_utc() -> datetime:
    """Current UTC time as a naive timestamp, the form stored in DuckDB."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_of_utc(text: str) -> datetime:
    """An ISO date or timestamp as naive UTC (an offset is converted, none means UTC)."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)


def replace_rows(conn: duckdb.DuckDBPyConnection, schema: str, table: str,
                 columns: Sequence[tuple[str, str]], where: dict[str, Any],
                 rows: Iterable[Sequence[Any]]) -> str:
    """Replace the rows matching `where` (e.g. one dataset version) in a small results table."""
    name = ensure_table(conn, schema, table, columns)
    clause = " AND ".join(f"{quote_ident(check_column_name(c))} = ?" for c in where)
    conn.execute(f"DELETE FROM {name} WHERE {clause}", list(where.values()))
    rows = [tuple(r) for r in rows]
    if rows:
        # Named columns: a table created by an older release may order them differently.
        names = ", ".join(quote_ident(check_column_name(c)) for c, _ in columns)
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", rows)
    return name


def records(conn: duckdb.DuckDBPyConnection, sql: str,
            params: list[Any]) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts keyed by column name."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
