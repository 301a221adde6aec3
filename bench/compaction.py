"""Benchmark: how long the warehouse rewrite after an erasure or purge takes, and the disk it needs.

Builds a DuckDB file with one dataset's four stage tables of N rows each (support-ticket
shaped: ids, timestamps, names, e-mails, free text), deletes 1% of the rows as an erasure
would, then times `governance.compaction.compact_warehouse` on it. Prints the file size
before and after, the peak extra disk (the fresh copy sits beside the old file until the
rename) and the seconds taken. Run: `.venv/bin/python bench/compaction.py --rows 1000000`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from governance.compaction import compact_warehouse

STAGES = ("intake", "cleaned", "validated", "delivered")


def build(path: Path, rows: int) -> None:
    """Four stage tables of `rows` rows each, then 1% of the rows deleted."""
    conn = duckdb.connect(str(path))
    conn.execute("SET threads = 2")
    conn.execute("CREATE SCHEMA support_tickets")
    for stage in STAGES:
        conn.execute(f"""
            CREATE TABLE support_tickets.{stage} AS SELECT
              'v' || (1 + i // 100000)::VARCHAR AS _version, i AS _row_id,
              'T-' || lpad(i::VARCHAR, 9, '0') AS ticket_id,
              TIMESTAMP '2026-01-01' + to_seconds(i % 31536000) AS created_at,
              'Name' || (hash(i, 1) % 50000)::VARCHAR || ' Surname' || (hash(i, 2) % 90000)::VARCHAR
                AS customer_name,
              'user' || hash(i, 3)::VARCHAR || '@example.com' AS customer_email,
              ['email', 'phone', 'chat'][(1 + hash(i, 4) % 3)::BIGINT] AS channel,
              'My order ' || (hash(i, 5) % 100000)::VARCHAR || ' has not arrived, please call me '
                || 'back about it as soon as you can, thanks' AS body,
              (hash(i, 6) % 5)::BIGINT AS priority
            FROM range({rows}) t(i)""")
    for stage in STAGES:
        conn.execute(f"DELETE FROM support_tickets.{stage} WHERE hash(_row_id, 7) % 100 = 0")
    conn.close()


def _watch(folder: Path, peak: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], sum(p.stat().st_size for p in folder.iterdir() if p.is_file()))
        time.sleep(0.05)


def main() -> int:
    """Build, compact and report for each requested row count."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    args = parser.parse_args()
    print(f"{'rows/table':>12} {'before MB':>10} {'after MB':>9} {'peak disk MB':>13} "
          f"{'seconds':>8}")
    for rows in args.rows:
        folder = Path(tempfile.mkdtemp(prefix="compaction-bench-"))
        try:
            path = folder / "warehouse.duckdb"
            build(path, rows)
            peak, stop = [0], threading.Event()
            watcher = threading.Thread(target=_watch, args=(folder, peak, stop))
            watcher.start()
            try:
                result = compact_warehouse(path)
            finally:
                stop.set()
                watcher.join()
            print(f"{rows:>12,} {result.bytes_before / 1e6:>10.0f} "
                  f"{result.bytes_after / 1e6:>9.0f} {peak[0] / 1e6:>13.0f} "
                  f"{result.seconds:>8.1f}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
