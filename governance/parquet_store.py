"""The Parquet warehouse: one immutable Parquet file per table and dataset version.

Layout under the warehouse folder (`<data_dir>/warehouse/`):

- `<dataset>/<table>/<version>.parquet` for a dataset's own tables (stages, quarantine...),
- `main/<table>/<dataset>/<version>.parquet` for shared per-version tables (check results,
  quality metrics, drift, labeling),
- `main/<table>/<dataset>/part-<time>-<random>.parquet` for the append-only ledgers
  (retention log, erasure tombstones), one file per append.

A session is an in-memory DuckDB connection where every table is a view over its files, so
the SQL the stages, checks and reports run is the same as on the embedded DuckDB file.
A write session belongs to one dataset version: the first time code asks for a table to
write (`ensure_table`), that version's file is loaded into a private in-memory table in the
catalog `work`, and the view becomes "every other version's file + the private table".
When the session ends, each private table that changed is written to a new file and
renamed over the version's file (or the file is removed when no row is left). Versions
never share a file, so writers of different versions never meet and readers never wait;
writers of the same version queue on that version's lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from governance.atomic import fsync_dir, fsync_file, move_into_place
from governance.errors import GovernanceError
from governance.identifiers import check_column_name, check_dataset_name, check_version, quote_ident
from governance.tables import (
    DATASET_KEY,
    MAIN,
    VERSION_COL,
    VERSION_KEY,
    Table,
    check_registered,
    warehouse_tables,
)

# A write session's private tables live in schema "_work_<schema>" of the same in-memory
# database as the views: DuckDB lets one transaction write to one database only.
WORK = "_work_"
LOCKS = "_locks"
_OPEN: dict[int, ParquetSession] = {}


class ParquetScopeError(GovernanceError):
    """Code tried to write outside the one dataset version its Parquet session holds."""


class ReadOnlySessionError(GovernanceError):
    """A read-only warehouse session was asked to write."""


def _literal(text: str) -> str:
    """A SQL string literal (view definitions cannot take parameters)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass
class _Loaded:
    """A private table of a write session, and what it held when loaded."""

    entry: Table
    schema: str
    fingerprint: tuple[int, int]


class ParquetSession:
    """One connection over the Parquet files; see the module docstring."""

    def __init__(self, root: Path, dataset: str | None, version: str | None,
                 write: bool) -> None:
        self.root = root
        self.dataset = check_dataset_name(dataset) if dataset else None
        self.version = check_version(version) if version else None
        self.write = write
        self.conn = duckdb.connect()
        self.loaded: dict[tuple[str, str], _Loaded] = {}
        self._views()

    # -- files ---------------------------------------------------------------------------

    def folder(self, entry: Table, schema: str) -> Path:
        """The folder of a table's files (per dataset: the schema's; shared: all datasets)."""
        return self.root / schema / entry.name

    def pattern(self, entry: Table, schema: str) -> str:
        """The glob of every file of a table."""
        depth = "*.parquet" if entry.per_dataset else "*/*.parquet"
        return str(self.folder(entry, schema) / depth)

    def partition_file(self, entry: Table, schema: str) -> Path:
        """This session's version's file of a per-version table."""
        version = self._scope(entry)
        if entry.per_dataset:
            return self.folder(entry, schema) / f"{version}.parquet"
        return self.folder(entry, schema) / str(self.dataset) / f"{version}.parquet"

    def _files(self, entry: Table, schema: str) -> list[Path]:
        folder = self.folder(entry, schema)
        if not folder.is_dir():
            return []
        found = folder.glob("*.parquet") if entry.per_dataset else folder.glob("*/*.parquet")
        return sorted(found)

    def _scope(self, entry: Table) -> str:
        if not self.write:
            raise ReadOnlySessionError("this warehouse session is read-only")
        if self.dataset is None or (entry.versioned and self.version is None):
            raise ParquetScopeError(
                f"writing {entry.name} needs a session for one dataset version on the "
                "Parquet warehouse (open it with the dataset and version)")
        return self.version or ""

    # -- views ---------------------------------------------------------------------------

    def _schemas(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and p.name not in (MAIN, LOCKS) and not p.name.startswith("."))

    def _views(self) -> None:
        """A view per table that has files, over all of them; an empty one for a table with
        declared columns and no file yet (the DuckDB file has such tables empty too)."""
        for entry in warehouse_tables():
            schemas = self._schemas() if entry.per_dataset else [MAIN]
            for schema in schemas:
                if self._files(entry, schema):
                    self._define(entry, schema, private=False)
                elif entry.columns is not None:
                    cols = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(c)}"
                                     for c, t in entry.columns)
                    self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
                    self.conn.execute(f"CREATE VIEW {quote_ident(schema)}."
                                      f"{quote_ident(entry.name)} AS SELECT {cols} WHERE false")

    def _define(self, entry: Table, schema: str, private: bool) -> None:
        name = f"{quote_ident(schema)}.{quote_ident(entry.name)}"
        parts = []
        own = self.partition_file(entry, schema) if private and entry.versioned else None
        if any(f != own for f in self._files(entry, schema)):
            select = f"SELECT * FROM read_parquet({_literal(self.pattern(entry, schema))}, " \
                     "union_by_name = true)"
            if own is not None:
                # This version's rows come from the private table, not its old file.
                select += f" WHERE {self._not_mine(entry)}"
            parts.append(select)
        if private:
            parts.append(f"SELECT * FROM {self.private_name(schema, entry.name)}")
        self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        self.conn.execute(f"CREATE OR REPLACE VIEW {name} AS "
                          + " UNION ALL BY NAME ".join(parts))

    def _not_mine(self, entry: Table) -> str:
        version = _literal(str(self.version))
        if entry.per_dataset:
            return f"{quote_ident(VERSION_COL)} <> {version}"
        return (f"NOT ({quote_ident(DATASET_KEY)} = {_literal(str(self.dataset))} "
                f"AND {quote_ident(VERSION_KEY)} = {version})")

    # -- writes --------------------------------------------------------------------------

    def private_name(self, schema: str, table: str) -> str:
        """The writable name of a table in this session."""
        return f"{quote_ident(WORK + schema)}.{quote_ident(table)}"

    def _private_exists(self, schema: str, table: str) -> bool:
        rows = self.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ?", [WORK + schema, table]).fetchall()
        return bool(rows[0][0])

    def view_exists(self, schema: str, table: str) -> bool:
        """True if the table has rows somewhere: a file, or this session's private table."""
        rows = self.conn.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = ? AND view_name = ?", [schema, table]).fetchall()
        return bool(rows[0][0])

    def columns(self, schema: str, table: str) -> list[str]:
        """Column names of a table as the session sees it."""
        if not self.view_exists(schema, table):
            return []
        cursor = self.conn.execute(
            f"SELECT * FROM {quote_ident(schema)}.{quote_ident(table)} LIMIT 0")
        return [d[0] for d in cursor.description]

    def ensure(self, schema: str, table: str,
               columns: list[tuple[str, str]] | None) -> str:
        """The writable name of schema.table for this session's version, loaded on first use.

        `columns` None: only an existing table is wanted (retention, erasure)."""
        entry = check_registered(schema, table)
        if entry.per_dataset and schema != self.dataset:
            raise ParquetScopeError(f"this session writes dataset {self.dataset}, not {schema}")
        self._scope(entry)
        name = self.private_name(schema, table)
        if not self._private_exists(schema, table):
            self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(WORK + schema)}")
            own = self.partition_file(entry, schema) if entry.versioned else None
            if own is not None and own.is_file():
                self.conn.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet("
                                  f"{_literal(str(own))})")
            elif columns is None and self.view_exists(schema, table):
                self.conn.execute(f"CREATE TABLE {name} AS SELECT * FROM "
                                  f"{quote_ident(schema)}.{quote_ident(table)} LIMIT 0")
            elif columns is None:
                return name  # nothing to change: callers check table_exists first
            else:
                ddl = ", ".join(f"{quote_ident(check_column_name(c))} {t}" for c, t in columns)
                self.conn.execute(f"CREATE TABLE {name} ({ddl})")
            self.loaded[(schema, table)] = _Loaded(entry, schema, self._fingerprint(name))
            self._define(entry, schema, private=True)
        if columns:
            present = set(self.columns(schema, table)) | {
                r[0] for r in self.conn.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = "
                    "current_database() AND schema_name = ? AND table_name = ?",
                    [WORK + schema, table]).fetchall()}
            missing = [(c, t) for c, t in columns if c not in present]
            for col, typ in missing:
                # A contract that gained a column: older versions read it as NULL.
                self.conn.execute(f"ALTER TABLE {name} ADD COLUMN "
                                  f"{quote_ident(check_column_name(col))} {typ}")
            if missing:
                self._define(entry, schema, private=True)
        return name

    def _fingerprint(self, name: str) -> tuple[int, int]:
        # Row count and an order-free sum of row hashes: equal means nothing to rewrite.
        row = self.conn.execute(f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) "
                                f"FROM {name} t").fetchall()[0]
        return int(row[0]), int(row[1])

    def flush(self) -> list[Path]:
        """Write every private table that changed to its version's file; return the files."""
        written = []
        # An unfinished transaction keeps nothing (the error just means none was open).
        with contextlib.suppress(duckdb.Error):
            self.conn.execute("ROLLBACK")
        for (schema, table), info in sorted(self.loaded.items()):
            if not self._private_exists(schema, table):
                continue  # created inside a transaction that was rolled back
            name = self.private_name(schema, table)
            now = self._fingerprint(name)
            if info.entry.versioned:
                if now == info.fingerprint:
                    continue
                self._check_scope(info.entry, name)
                target = self.partition_file(info.entry, schema)
                if now[0] == 0:
                    if target.exists():
                        target.unlink()
                        fsync_dir(target.parent)
                        written.append(target)
                    continue
            else:
                if now[0] == 0:
                    continue
                stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
                target = (self.folder(info.entry, schema) / str(self.dataset)
                          / f"part-{stamp}-{time.time_ns()}-{secrets.token_hex(4)}.parquet")
            written.append(self._write(name, target))
        return written

    def _check_scope(self, entry: Table, name: str) -> None:
        where = self._not_mine(entry)
        stray = self.conn.execute(f"SELECT count(*) FROM {name} WHERE {where}").fetchall()
        if stray[0][0]:
            raise ParquetScopeError(
                f"{stray[0][0]} row(s) of another version were written to {entry.name} in a "
                f"session for {self.dataset} {self.version}; nothing was saved")

    def _write(self, name: str, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            self.conn.execute(f"COPY (SELECT * FROM {name}) TO {_literal(str(tmp))} "
                              "(FORMAT parquet)")
            fsync_file(tmp)
            move_into_place(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def active(conn: duckdb.DuckDBPyConnection) -> ParquetSession | None:
    """The Parquet session a connection belongs to, or None (the embedded DuckDB file)."""
    session = _OPEN.get(id(conn))
    return session if session is not None and session.conn is conn else None


@contextmanager
def _version_lock(root: Path, dataset: str, version: str) -> Iterator[None]:
    """Writers of one dataset version take turns; other versions go on in parallel."""
    path = root / LOCKS / dataset / f"{version}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def parquet_session(root: Path, dataset: str | None = None, version: str | None = None,
                    write: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection over the Parquet warehouse; a write session saves its version on exit.

    As with the embedded file, what was committed (or written outside a transaction) is
    kept even when the block raises afterwards; an open transaction is rolled back."""
    root.mkdir(parents=True, exist_ok=True)
    lock = _version_lock(root, check_dataset_name(dataset), check_version(version)) \
        if write and dataset and version else contextlib.nullcontext()
    with lock:
        session = ParquetSession(root, dataset, version, write)
        _OPEN[id(session.conn)] = session
        try:
            try:
                yield session.conn
            finally:
                if write:
                    session.flush()
        finally:
            _OPEN.pop(id(session.conn), None)
            session.close()


def versions_present(root: Path, dataset: str) -> list[str]:
    """Every version of a dataset that has a file in any per-version table, in order."""
    found: set[str] = set()
    for entry in warehouse_tables():
        if not entry.versioned:
            continue
        folder = root / (dataset if entry.per_dataset else MAIN) / entry.name
        if not entry.per_dataset:
            folder = folder / dataset
        if folder.is_dir():
            found.update(p.stem for p in folder.glob("*.parquet"))
    return sorted(found, key=lambda v: int(v[1:]))
