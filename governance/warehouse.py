"""The warehouse interface: where stage tables live, behind one way of opening them.

Two backends, chosen per data directory with `DATAOPS_WAREHOUSE`:

- `duckdb` (the default): one DuckDB file, `<data_dir>/warehouse.duckdb`. One writer at a
  time (Dagster's `duckdb_writer` pool serialises the steps), and no reader while a
  writer holds the file.
- `parquet`: one immutable Parquet file per table and dataset version under
  `<data_dir>/warehouse/` (see governance/parquet_store.py). Writers of different versions
  never meet and readers never wait, so several worker processes or hosts can write.

Stages, checks, erasure, retention and datasheets get a DuckDB connection from `session`
(read-write, for one dataset version) or `reader` (read-only) and run the same SQL on
both; they find a table to write with `governance.storage.ensure_table` / `writable`,
which know which backend the connection belongs to. The data directory remembers its
backend in `warehouse.json`, so opening it with the other one is refused, not silently
empty.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from governance.atomic import atomic_write_text
from governance.compaction import CompactionResult, compact_warehouse
from governance.errors import GovernanceError
from governance.identifiers import check_dataset_name, check_version
from governance.parquet_store import parquet_session, versions_present
from governance.settings import Layout

WAREHOUSE_ENV = "DATAOPS_WAREHOUSE"
EMBEDDED, PARQUET = "duckdb", "parquet"
BACKENDS = (EMBEDDED, PARQUET)
MARKER = "warehouse.json"


class WarehouseError(GovernanceError):
    """The warehouse cannot be opened as asked."""


class WarehouseBusyError(WarehouseError):
    """The embedded DuckDB file is held by a writer and stayed so while we waited."""


def backend_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The backend named by $DATAOPS_WAREHOUSE (default: the embedded DuckDB file)."""
    return requested_backend(environ) or EMBEDDED


def requested_backend(environ: Mapping[str, str] | None = None) -> str | None:
    """The backend $DATAOPS_WAREHOUSE asks for, or None when it is not set (then a data
    directory's recorded backend decides)."""
    env = os.environ if environ is None else environ
    if not (env.get(WAREHOUSE_ENV) or "").strip():
        return None
    kind = str(env.get(WAREHOUSE_ENV)).strip().lower()
    if kind not in BACKENDS:
        raise WarehouseError(f"{WAREHOUSE_ENV}={kind!r} is not a warehouse backend; use "
                             f"{' or '.join(BACKENDS)}")
    return kind


class Warehouse:
    """Base: what every backend offers."""

    kind = ""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    @contextmanager
    def session(self, dataset: str | None = None,
                version: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection for one dataset version (both None: shared tables only)."""
        raise NotImplementedError
        yield  # pragma: no cover

    @contextmanager
    def reader(self, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection that sees every table (empty before the first write)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def scopes(self, dataset: str) -> list[str | None]:
        """The versions to open one write session each for work on a whole dataset."""
        raise NotImplementedError

    def compact(self) -> CompactionResult | None:
        """Rewrite storage so deleted rows leave no bytes; None when there is nothing to do."""
        raise NotImplementedError

    def exists(self) -> bool:
        """True once anything was written."""
        raise NotImplementedError


class EmbeddedWarehouse(Warehouse):
    """One DuckDB file: the default for `make run` and `make test`."""

    kind = EMBEDDED

    @property
    def path(self) -> Path:
        """The DuckDB file."""
        return self.layout.warehouse

    @contextmanager
    def session(self, dataset: str | None = None,
                version: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the whole file, always closed afterwards."""
        _check_scope(dataset, version)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(self.path))
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def reader(self, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """Read-only; waits while a run holds the file (DuckDB allows no reader then)."""
        # No file yet: an empty database, so callers see "no such table", not an error.
        conn = self._wait_for_file(wait_seconds) if self.path.is_file() else duckdb.connect()
        try:
            yield conn
        finally:
            conn.close()

    def _wait_for_file(self, wait_seconds: float) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + wait_seconds
        pause = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=True)
            except duckdb.IOException:
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"the warehouse {self.path} is being written by a run and stayed "
                        f"locked for {wait_seconds:g} s (a DuckDB file has one writer and no "
                        "reader meanwhile); retry, wait longer, or use the parquet backend "
                        f"({WAREHOUSE_ENV}=parquet), whose readers never wait") from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def scopes(self, dataset: str) -> list[str | None]:
        """One session reaches every version of the file."""
        return [None]

    def compact(self) -> CompactionResult | None:
        """Rewrite the DuckDB file without freed blocks (governance/compaction.py)."""
        return compact_warehouse(self.path) if self.path.is_file() else None

    def exists(self) -> bool:
        """True once the file exists."""
        return self.path.is_file()


class ParquetWarehouse(Warehouse):
    """One Parquet file per table and dataset version: concurrent writers and readers."""

    kind = PARQUET

    @property
    def root(self) -> Path:
        """The folder of Parquet files."""
        return self.layout.warehouse_dir

    @contextmanager
    def session(self, dataset: str | None = None,
                version: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """Views over the files; writes to this version are saved when the block ends."""
        with parquet_session(self.root, dataset, version, write=True) as conn:
            yield conn

    @contextmanager
    def reader(self, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """Views over the files as they are now; never waits for a writer."""
        with parquet_session(self.root, write=False) as conn:
            yield conn

    def scopes(self, dataset: str) -> list[str | None]:
        """Every version that has a file: each is rewritten in its own session."""
        return list(versions_present(self.root, dataset))

    def compact(self) -> CompactionResult | None:
        """Nothing to do: every change already wrote whole new files."""
        return None

    def exists(self) -> bool:
        """True once a file was written."""
        return self.root.is_dir() and any(self.root.rglob("*.parquet"))


def _check_scope(dataset: str | None, version: str | None) -> None:
    # Same refusals on both backends, although the DuckDB file does not use the scope.
    if dataset is not None:
        check_dataset_name(dataset)
    if version is not None:
        check_version(version)


def open_warehouse(layout: Layout, kind: str | None = None) -> Warehouse:
    """The warehouse of a data directory, with the backend it was created with.

    `kind` None: the backend the data directory records, else $DATAOPS_WAREHOUSE."""
    recorded = recorded_backend(layout)
    wanted = kind or recorded or backend_from_env()
    if wanted not in BACKENDS:
        raise WarehouseError(f"{wanted!r} is not a warehouse backend; use "
                             f"{' or '.join(BACKENDS)}")
    if recorded and recorded != wanted:
        raise WarehouseError(
            f"the data directory {layout.data_dir} keeps its warehouse as {recorded!r}, not "
            f"{wanted!r}; set {WAREHOUSE_ENV}={recorded} (moving data between backends is "
            "not supported: re-materialize the versions from the raw store instead)")
    if recorded is None:
        layout.data_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(layout.data_dir / MARKER, json.dumps({"backend": wanted}) + "\n")
    return EmbeddedWarehouse(layout) if wanted == EMBEDDED else ParquetWarehouse(layout)


def recorded_backend(layout: Layout) -> str | None:
    """The backend a data directory was created with (an old one without a record: duckdb)."""
    marker = layout.data_dir / MARKER
    if marker.is_file():
        try:
            kind = json.loads(marker.read_text(encoding="utf-8")).get("backend")
        except (ValueError, AttributeError):
            raise WarehouseError(f"{marker} is damaged; it should say which warehouse "
                                 'backend this data directory uses, e.g. {"backend": '
                                 '"duckdb"}') from None
        if kind not in BACKENDS:
            raise WarehouseError(f"{marker} names an unknown backend {kind!r}")
        return str(kind)
    return EMBEDDED if layout.warehouse.is_file() else None
