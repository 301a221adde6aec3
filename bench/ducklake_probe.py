"""Probe option (a) of the warehouse decision: DuckLake with a PostgreSQL catalog, offline.

Needs a DuckDB whose version matches a packaged extension (today `duckdb==1.5.5` with the
`duckdb-extension-ducklake` and `duckdb-extension-postgres-scanner` 1.5.5 wheels; nothing
exists for our pinned 2.0.1) in its own venv, and a PostgreSQL (`make cluster-up`).
Two writer processes write different versions of one table at once, each version in its
own DuckLake transaction, while a reader counts rows; printed: commits, conflicts
(retried), reader queries and failures, wall time.

    VENV15/bin/python bench/ducklake_probe.py --pg "dbname=... host=... port=... user=..."
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import duckdb


def connect(pg: str, data: str) -> duckdb.DuckDBPyConnection:
    """A connection with DuckLake attached, extensions loaded from their wheels (offline)."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": "false",
                                  "autoload_known_extensions": "false"})
    for package, name in (("duckdb_extension_postgres_scanner", "postgres_scanner"),
                          ("duckdb_extension_ducklake", "ducklake")):
        folder = Path(importlib.import_module(package).__file__).parent / "extensions"
        conn.execute(f"LOAD '{next(folder.glob(f'*/{name}.duckdb_extension'))}'")
    # Each run gets its own catalog schema (a catalog remembers its data path).
    schema = "probe_" + Path(data).name.replace("-", "_").lower()
    conn.execute(f"ATTACH 'ducklake:postgres:{pg}' AS lake "
                 f"(DATA_PATH '{data}', METADATA_SCHEMA '{schema}')")
    return conn


def writer(pg: str, data: str, versions: list[str], rows: int, out: mp.Queue) -> None:
    """Replace each version's rows in one transaction; retry on a commit conflict."""
    conn, commits, conflicts = connect(pg, data), 0, 0
    for version in versions:
        while True:
            try:
                conn.execute("BEGIN")
                conn.execute("DELETE FROM lake.stage WHERE _version = ?", [version])
                conn.execute("INSERT INTO lake.stage SELECT ?, i, 'note ' || i, i * 3 "
                             "FROM range(?) t(i)", [version, rows])
                conn.execute("COMMIT")
                commits += 1
                break
            except duckdb.Error:
                conn.execute("ROLLBACK")
                conflicts += 1
    out.put(("writer", commits, conflicts))


def reader(pg: str, data: str, stop: mp.Event, out: mp.Queue) -> None:
    """Count rows per version until told to stop."""
    conn, ok, failed = connect(pg, data), 0, 0
    while not stop.is_set():
        try:
            conn.execute("SELECT _version, count(*) FROM lake.stage GROUP BY 1").fetchall()
            ok += 1
        except duckdb.Error:
            failed += 1
    out.put(("reader", ok, failed))


def main() -> None:
    """Create the table, run two writers and a reader, print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, help="libpq connection string of the catalog")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--versions", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        conn = connect(args.pg, data)
        conn.execute("CREATE OR REPLACE TABLE lake.stage (_version VARCHAR, _row_id BIGINT, "
                     "note VARCHAR, amount BIGINT)")
        conn.close()
        ctx = mp.get_context("spawn")
        out, stop = ctx.Queue(), ctx.Event()
        names = [f"v{i:03d}" for i in range(args.versions)]
        read = ctx.Process(target=reader, args=(args.pg, data, stop, out))
        read.start()
        started = time.perf_counter()
        writers = [ctx.Process(target=writer, args=(args.pg, data, names[i::2], args.rows, out))
                   for i in range(2)]
        for w in writers:
            w.start()
        results = [out.get() for _ in writers]
        wall = time.perf_counter() - started
        stop.set()
        results.append(out.get())
        for p in [*writers, read]:
            p.join()
    print(f"duckdb {duckdb.__version__} ducklake on PostgreSQL: wall_s={wall:.1f} "
          f"commits={sum(r[1] for r in results if r[0] == 'writer')} "
          f"conflicts_retried={sum(r[2] for r in results if r[0] == 'writer')} "
          f"reader_queries={results[-1][1]} reader_failures={results[-1][2]}")


if __name__ == "__main__":
    main()
