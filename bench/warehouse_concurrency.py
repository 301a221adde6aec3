"""Concurrent writers and a reader: one DuckDB file vs one immutable Parquet file per version.

Issue 16 groundwork (option (b) of the warehouse decision). Two writer processes write
different versions of one dataset stage at the same time while a third process queries
the stage the whole time; then each writer rewrites its versions once, dropping one row
(what erasure and retention do). Printed per backend: writes/s, lock errors, reader
queries, reader failures, reader p50/p95 latency, and torn reads (a version whose row
count was neither the written nor the rewritten count).

    .venv/bin/python bench/warehouse_concurrency.py [--rows 200000] [--versions 6]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from governance.atomic import atomic_writer

LOCK_WORDS = ("lock", "Conflicting")


def make_table(version: str, rows: int, drop: int = 0) -> pa.Table:
    """A version's rows: an id, a text and an amount column, minus the first `drop` rows."""
    ids = pa.array(range(drop, rows), type=pa.int64())
    return pa.table({"_version": pa.array([version] * (rows - drop)), "_row_id": ids,
                     "note": pa.array([f"note {i}" for i in range(drop, rows)]),
                     "amount": pc.multiply(ids, 3)})


def parquet_writer(root: str, names: list[str], rows: int, out: mp.Queue) -> None:
    """Write each version's file, then rewrite each without its first row, atomically."""
    errors, started = 0, time.perf_counter()
    for drop in (0, 1):
        for version in names:
            target = Path(root) / f"{version}.parquet"
            with atomic_writer(target) as fh:
                pq.write_table(make_table(version, rows, drop), fh)
    out.put(("writer", errors, 2 * len(names), time.perf_counter() - started))


def duckdb_writer(root: str, names: list[str], rows: int, out: mp.Queue) -> None:
    """Insert each version into one DuckDB file, then rewrite each; count lock refusals."""
    errors, done, started = 0, 0, time.perf_counter()
    for drop in (0, 1):
        for version in names:
            table = make_table(version, rows, drop)
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                try:
                    conn = duckdb.connect(str(Path(root) / "warehouse.duckdb"))
                except duckdb.Error as exc:
                    if not any(w in str(exc) for w in LOCK_WORDS):
                        raise
                    errors += 1
                    time.sleep(0.05)
                    continue
                with conn:
                    conn.execute("CREATE TABLE IF NOT EXISTS stage (_version VARCHAR, "
                                 "_row_id BIGINT, note VARCHAR, amount BIGINT)")
                    conn.execute("BEGIN")
                    conn.execute("DELETE FROM stage WHERE _version = ?", [version])
                    conn.register("incoming", table)
                    conn.execute("INSERT INTO stage SELECT * FROM incoming")
                    conn.execute("COMMIT")
                done += 1
                break
    out.put(("writer", errors, done, time.perf_counter() - started))


def reader(backend: str, root: str, rows: int, stop: mp.Event, out: mp.Queue) -> None:
    """Query per-version row counts until told to stop; record latency and failures."""
    latencies, failures, torn = [], 0, 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            if backend == "parquet":
                # The catalog: a view over the stage's files (no files yet: nothing to read).
                if not list(Path(root).glob("*.parquet")):
                    continue
                files = str(Path(root) / "*.parquet")
                conn = duckdb.connect()
                conn.execute(f"CREATE VIEW stage AS SELECT * FROM read_parquet('{files}')")
            else:
                conn = duckdb.connect(str(Path(root) / "warehouse.duckdb"), read_only=True)
            with conn:
                counts = conn.execute("SELECT _version, count(*) FROM stage "
                                      "GROUP BY _version").fetchall()
        except duckdb.Error:
            failures += 1
            time.sleep(0.01)
            continue
        latencies.append(time.perf_counter() - started)
        torn += sum(1 for _, n in counts if n not in (rows, rows - 1))
    out.put(("reader", failures, latencies, torn))


def run(backend: str, rows: int, versions: int) -> dict[str, float]:
    """Two writers (half the versions each) and one reader on a fresh folder."""
    with tempfile.TemporaryDirectory() as root:
        ctx = mp.get_context("spawn")
        out, stop = ctx.Queue(), ctx.Event()
        names = [f"v{i:03d}" for i in range(versions)]
        target = parquet_writer if backend == "parquet" else duckdb_writer
        writers = [ctx.Process(target=target, args=(root, names[i::2], rows, out))
                   for i in range(2)]
        read = ctx.Process(target=reader, args=(backend, root, rows, stop, out))
        read.start()
        started = time.perf_counter()
        for w in writers:
            w.start()
        results = [out.get() for _ in writers]
        wall = time.perf_counter() - started
        stop.set()
        results.append(out.get())
        for p in [*writers, read]:
            p.join()
    writer_rows = [r for r in results if r[0] == "writer"]
    _, failures, latencies, torn = next(r for r in results if r[0] == "reader")
    lat = sorted(latencies) or [float("nan")]
    return {"writes": sum(r[2] for r in writer_rows), "wall_s": wall,
            "writes_per_s": sum(r[2] for r in writer_rows) / wall,
            "lock_errors": sum(r[1] for r in writer_rows), "reader_queries": len(latencies),
            "reader_failures": failures, "torn_reads": torn,
            "reader_p50_ms": 1000 * statistics.median(lat),
            "reader_p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))]}


def main() -> None:
    """Run both backends and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--versions", type=int, default=6)
    args = parser.parse_args()
    print(f"2 writers x {args.versions // 2} versions x {args.rows} rows, written then "
          "rewritten; 1 reader querying throughout")
    for backend in ("duckdb-file", "parquet"):
        r = run(backend, args.rows, args.versions)
        print(f"{backend:12s} " + " ".join(
            f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
