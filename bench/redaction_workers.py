"""Chunked delivery across worker processes: one large ticket version, and many versions.

Part 1 (always): one support_tickets version of --rows rows is delivered through the
functions the delivered asset uses (governance/chunking.py): plan and stage the chunks,
treat them in a pool of 1, then 2, worker processes (spawned, so each loads the spaCy
model itself, as a cluster worker does), combine in one transaction, re-scan, leak check
and export. Prints texts/s, wall time per phase, the 2-worker speed-up and the peak RSS
of every worker.

Part 2 (--versions N): N versions of --version-rows rows, all arriving at once, delivered
(a) by the embedded single writer, one version after another in one process with the
unchunked `build_delivered`, and (b) by --concurrent-runs runs at a time whose steps
(plan, one treat per chunk, combine) any of the 2 worker processes may take. Steps that
open the warehouse take a file lock first, standing in for the duckdb_writer pool of 1;
a DuckDB "could not set lock" error is counted, not retried. Prints throughput, p50/p95
arrival-to-delivered latency, peak RSS per worker and the lock errors.

Part 3 (--serial-rows N): the steps that stay serial, timed alone on one version of N
rows in one process (plan and staged inputs, combine, sampled re-scan, known-value leak
check, export), with redaction switched off in the treatment so that 1M rows finish in
minutes; what redaction costs at that size is extrapolated from part 1's texts/s.

The data: the demo's first ticket batch (2,000 rows, bodies quoting names, e-mails,
phones and addresses) is loaded through intake, cleaning and validation, then repeated
with fresh ticket ids to the size asked for.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing as mp
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, machine
from bench.redaction_steps import (
    combine_task,
    embedded_task,
    plan_task,
    prepare,
    rss_mb,
    serial_parts,
    treat_task,
    warm_one,
)


def _executor(workers: int) -> cf.ProcessPoolExecutor:
    # Spawned, not forked: a worker's peak RSS is then its own, not the parent's.
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))


def _warm(pool: cf.ProcessPoolExecutor, workers: int) -> float:
    started = time.perf_counter()
    # One warm-up per worker: each sleeps briefly so no worker takes two.
    list(pool.map(warm_one, range(workers)))
    return time.perf_counter() - started


def one_version(db: Path, rows: int, workers: int, chunk_rows: int) -> dict[str, Any]:
    """Deliver one version with `workers` treat processes; the phases timed."""
    folder = db.parent / "staging" / f"w{workers}"
    with _executor(workers) as pool:
        warm = _warm(pool, workers)
        t0 = time.perf_counter()
        plan = pool.submit(plan_task, str(db), "v1", chunk_rows, str(folder), True).result()
        t1 = time.perf_counter()
        results = list(pool.map(treat_task, plan["chunks"], [str(folder)] * len(plan["chunks"])))
        t2 = time.perf_counter()
        combined = pool.submit(combine_task, str(db), "v1", plan["chunks"], results,
                               str(folder), str(db.parent / f"v1-w{workers}.parquet"),
                               True).result()
        t3 = time.perf_counter()
    per_worker: dict[int, float] = {}
    for r in (*results, plan, combined):
        per_worker[r["pid"]] = max(per_worker.get(r["pid"], 0.0), r["rss"])
    assert combined["rows"] == rows, combined
    return {"workers": workers, "warm": warm, "plan": t1 - t0, "treat": t2 - t1,
            "combine": combined["combine"], "rescan": combined["rescan"],
            "export": combined["export"], "wall": t3 - t0, "texts_per_s": rows / (t2 - t1),
            "rss": sorted(per_worker.values(), reverse=True),
            "chunks": len(plan["chunks"])}


def _run_version(pool: cf.ProcessPoolExecutor, db: Path, version: str, chunk_rows: int,
                 use_lock: bool, rss: dict[int, float], errors: list[str]) -> float | None:
    folder = str(db.parent / "staging" / version)
    try:
        plan = pool.submit(plan_task, str(db), version, chunk_rows, folder, use_lock).result()
        results = list(pool.map(treat_task, plan["chunks"], [folder] * len(plan["chunks"])))
        combined = pool.submit(combine_task, str(db), version, plan["chunks"], results, folder,
                               str(db.parent / f"{version}.parquet"), use_lock).result()
    except Exception as exc:  # a benchmark counts failures, it does not stop
        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
        return None
    for r in (*results, plan, combined):
        rss[r["pid"]] = max(rss.get(r["pid"], 0.0), r["rss"])
    return time.time()


def many_versions(db: Path, versions: list[str], rows: int, chunk_rows: int, runs: int,
                  use_lock: bool) -> dict[str, Any]:
    """All versions arrive at once; `runs` at a time go through 2 shared worker processes."""
    rss: dict[int, float] = {}
    errors: list[str] = []
    done: dict[str, float | None] = {}
    with _executor(2) as pool:
        _warm(pool, 2)
        arrival = time.time()
        gate = threading.Semaphore(runs)  # the run coordinator's max_concurrent_runs

        def run(version: str) -> None:
            with gate:
                done[version] = _run_version(pool, db, version, chunk_rows, use_lock, rss,
                                             errors)

        threads = [threading.Thread(target=run, args=(v,)) for v in versions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - arrival
    latencies = sorted(t - arrival for t in done.values() if t is not None)
    return {"mode": f"chunked, 2 workers, {runs} runs at a time", "wall": wall,
            "latencies": latencies, "rss": sorted(rss.values(), reverse=True),
            "errors": errors, "delivered": len(latencies), "rows": rows}


def embedded(db: Path, versions: list[str], rows: int) -> dict[str, Any]:
    """The embedded single writer on the same versions, in a spawned process of its own."""
    out = db.parent / "embedded"
    out.mkdir()
    with _executor(1) as pool:
        _warm(pool, 1)
        arrival = time.time()
        result = pool.submit(embedded_task, str(db), versions, str(out)).result()
        wall = time.time() - arrival
    latencies = sorted(t - arrival for t in result["done"].values())
    return {"mode": "embedded single writer, unchunked", "wall": wall, "latencies": latencies,
            "rss": [result["rss"]], "errors": [], "delivered": len(latencies), "rows": rows}


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


def _print_versions(result: dict[str, Any], count: int) -> None:
    lat = result["latencies"]
    print(f"{result['mode']:<42} | {result['delivered']:>3}/{count} delivered | "
          f"{result['wall']:7.1f} s | {result['delivered'] / result['wall'] * 60:6.2f} "
          f"versions/min | {result['delivered'] * result['rows'] / result['wall']:7.0f} rows/s | "
          f"p50 {_p(lat, 50):6.1f} s | p95 {_p(lat, 95):6.1f} s | peak RSS/worker "
          f"{', '.join(f'{m:.0f}' for m in result['rss'])} MB | "
          f"lock errors {sum('lock' in e.lower() for e in result['errors'])}, "
          f"other errors {sum('lock' not in e.lower() for e in result['errors'])}")


def main() -> int:
    """Run the benchmark; print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="rows of the one large version (part 1); 0 skips it")
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=1, help="part 1 repeats, interleaved")
    parser.add_argument("--versions", type=int, default=0,
                        help="part 2: this many versions (20 in the issue); 0 skips it")
    parser.add_argument("--version-rows", type=int, default=1_000_000)
    parser.add_argument("--version-chunk-rows", type=int, default=50_000)
    parser.add_argument("--concurrent-runs", type=int, default=4)
    parser.add_argument("--serial-rows", type=int, default=0,
                        help="time the serial steps alone at this size (redaction off)")
    parser.add_argument("--no-pool-lock", action="store_true",
                        help="part 2 without the writer-pool stand-in: shows the lock errors")
    args = parser.parse_args()
    print(machine(("duckdb", "presidio-analyzer", "spacy")))
    print(f"load average at start: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="bench-redaction-") as tmp:
        if args.rows:
            one = Path(tmp) / "one"
            one.mkdir()
            db = prepare(one, {"v1": args.rows})
            print(f"\none version of {args.rows:,} rows, chunks of {args.chunk_rows:,}")
            print("workers | chunks | plan s | treat s | texts/s | combine s | re-scan s | "
                  "export s | wall s | peak RSS per worker MB")
            runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
            # Interleaved repeats: load from other work on the machine then hits both alike.
            for _ in range(args.repeats):
                for workers in (1, 2):
                    fresh = one / f"w{workers}.duckdb"
                    shutil.copy(db, fresh)
                    r = one_version(fresh, args.rows, workers, args.chunk_rows)
                    fresh.unlink()
                    runs[workers].append(r)
                    print(f"{workers:>7} | {r['chunks']:>6} | {r['plan']:6.2f} | "
                          f"{r['treat']:7.1f} | {r['texts_per_s']:7.0f} | {r['combine']:9.2f} | "
                          f"{r['rescan']:9.2f} | {r['export']:8.2f} | {r['wall']:6.1f} | "
                          f"{', '.join(f'{m:.0f}' for m in r['rss'])}   (load {load_average()})")
            one_w = {k: statistics.median(r[k] for r in runs[1]) for k in ("wall", "treat")}
            two = runs[2]
            two_w = {k: statistics.median(r[k] for r in two)
                     for k in ("wall", "treat", "plan", "combine", "rescan", "export", "warm")}
            serial = two_w["plan"] + two_w["combine"] + two_w["rescan"] + two_w["export"]
            print(f"median speed-up 2 vs 1 worker: wall {one_w['wall'] / two_w['wall']:.2f}x, "
                  f"treat phase {one_w['treat'] / two_w['treat']:.2f}x; serial part "
                  f"(plan, combine, re-scan, export) {serial:.1f} s of {two_w['wall']:.1f} s")
            print(f"(model load per worker before the clock: {two_w['warm']:.1f} s)")
        if args.serial_rows:
            serial = Path(tmp) / "serial"
            serial.mkdir()
            print(f"\nserial steps of one version of {args.serial_rows:,} rows, chunks of "
                  f"{args.chunk_rows:,}, in one process")
            for step, seconds in serial_parts(serial, args.serial_rows, args.chunk_rows).items():
                print(f"  {step:<38} {seconds:7.2f} s")
            print(f"  peak RSS of this process: {rss_mb():.0f} MB")
        if args.versions:
            many = Path(tmp) / "many"
            many.mkdir()
            names = [f"v{i + 1}" for i in range(args.versions)]
            db = prepare(many, dict.fromkeys(names, args.version_rows))
            print(f"\n{args.versions} versions of {args.version_rows:,} rows, all arriving "
                  f"at once; chunks of {args.version_chunk_rows:,}")
            base = many / "base.duckdb"
            shutil.move(db, base)
            for label in ("embedded", "chunked"):
                folder = many / label
                folder.mkdir()
                copy = folder / "warehouse.duckdb"
                shutil.copy(base, copy)
                if label == "embedded":
                    result = embedded(copy, names, args.version_rows)
                else:
                    result = many_versions(copy, names, args.version_rows,
                                           args.version_chunk_rows, args.concurrent_runs,
                                           not args.no_pool_lock)
                _print_versions(result, args.versions)
                for e in result["errors"][:3]:
                    print(f"    {e}")
    print(f"load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
