"""Benchmark the quality engines on a large loan_applications stage table.

For each row count the script generates a validated-stage table in a temporary DuckDB
file (pure DuckDB SQL, deterministic, a small planted share of defects), then runs every
engine in its own fresh subprocess so that peak memory is per engine:

* ours: `governance.quality.sql_engine.validate_table`, rules compiled from the contract;
* hand-written SQL: the query an engineer would write for the same rules without our tool;
* pandera (pandas): the reference engine, only up to 1M rows (it needs the whole table in
  pandas memory).

It checks that the engines agree rule by rule, then prints the median time of the repeats,
the throughput, the peak RSS and whether the targets hold at 10M rows.

    .venv/bin/python bench/validation.py [--rows 1000000 10000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parent process must not import the project (see common.run_child)
    from governance.contracts import DatasetContract
    from governance.quality.rules import QualitySpec

import common  # bench/ is on sys.path when the script runs
from common import load_average, machine, peak_rss_mb, run_child

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "governance" / "defaults" / "contracts" / "loan_applications.odcs.yaml"
TABLE = '"loan_applications"."validated"'
VERSION = "v1"

# Both DuckDB engines run with the same settings so the comparison is fair; 2 threads
# matches the 2-core machine the targets were set for.
THREADS = 2
MEMORY_LIMIT = "1500MB"

DEFAULT_ROWS = (1_000_000, 10_000_000)
DEFAULT_REPEATS = 3
PACKAGES = ("duckdb", "pandas", "pandera")
PANDERA_MAX_ROWS = 1_000_000  # above this the pandas copy of the table is the bottleneck
TARGET_ROWS = 10_000_000
TARGET_RATIO = 2.0  # ours may take at most twice the hand-written query
TARGET_RSS_MB = 2048

OURS, HAND, PANDERA = "ours", "hand-written SQL", "pandera (pandas)"
ENGINES = (OURS, HAND, PANDERA)
CHILD_MODES = {"generate": "generate", OURS: "ours", HAND: "hand", PANDERA: "pandera"}

# A deterministic uniform draw in [0, 1e6) per row and salt: a threshold of 1000 on it
# plants a defect in ~0.1% of the rows, independently per salt.
GENERATE_MACRO = "CREATE TEMP MACRO u(i, salt) AS (hash(i, salt) % 1000000)::BIGINT"
GENERATE_SQL = f"""
INSERT INTO {TABLE} BY NAME
SELECT
    '{VERSION}' AS _version,
    i + 1 AS _row_id,
    CASE
        WHEN i > 0 AND u(i, 1) < 500 THEN printf('A-%07d', i - 1)  -- duplicate of the previous
        WHEN u(i, 2) < 150 THEN printf(' A-%07d', i)                -- not anchored at start
        WHEN u(i, 2) < 300 THEN printf('A-%07dx', i)                -- trailing junk
        WHEN u(i, 2) < 400 THEN printf('A-%05d', i % 100000)        -- too few digits
        WHEN u(i, 3) < 100 THEN NULL
        ELSE printf('A-%07d', i)  -- 7 digits hold ids up to 10M rows
    END AS application_id,
    applied_at,
    CASE
        WHEN u(i, 4) < 200 THEN NULL  -- fails not-null, passes the cross-field rule
        WHEN u(i, 5) < 1000 THEN applied_at - to_seconds(1 + u(i, 6) % 86400)
        ELSE applied_at + to_seconds(60 + u(i, 6) % (14 * 86400))
    END AS decision_at,
    CASE WHEN u(i, 7) < 100 THEN NULL ELSE 'Applicant ' || i END AS applicant_name,
    CASE WHEN u(i, 8) < 1000 THEN NULL ELSE 'user' || i || '@example.com' END AS email,
    CASE WHEN u(i, 9) < 300000 THEN NULL
         ELSE printf('+31 6 %08d', u(i, 10) % 100000000) END AS phone,
    DATE '1950-01-01' + (u(i, 11) % 18250)::INTEGER AS date_of_birth,
    CASE WHEN u(i, 12) < 50 THEN -1000.0
         ELSE 12000 + u(i, 13) % 188000 END::DOUBLE AS annual_income,
    CASE WHEN u(i, 14) < 500 THEN 250000.0
         WHEN u(i, 14) < 1000 THEN 100.0
         WHEN u(i, 14) < 1100 THEN NULL
         ELSE 500 + u(i, 15) % 99500 END::DOUBLE AS loan_amount,
    CASE WHEN u(i, 16) < 500 THEN 18
         ELSE [12, 24, 36, 48, 60][1 + u(i, 17) % 5] END AS term_months,
    CASE WHEN u(i, 18) < 1000 THEN 'contractor'
         ELSE ['employed', 'self_employed', 'unemployed', 'retired', 'student'][1 + u(i, 19) % 5]
    END AS employment_status,
    CASE WHEN u(i, 20) < 500 THEN 900
         WHEN u(i, 20) < 1000 THEN 250
         WHEN u(i, 20) < 1100 THEN NULL
         ELSE 300 + u(i, 21) % 551 END AS credit_score,
    ['debt_consolidation', 'home_improvement', 'car', 'education', 'medical', 'other']
        [1 + u(i, 22) % 6] AS purpose,
    u(i, 23) < 100000 AS defaulted
FROM (
    SELECT i, TIMESTAMP '2025-01-01' + to_seconds(u(i, 24) * 31) AS applied_at
    FROM range(?) AS t(i)
)
"""

# What an engineer writes by hand for loan_applications: one "row fails" predicate per
# rule, read off the contract. SQL's NULL logic gives "nulls pass every rule but
# not-null" for free (a NULL predicate is not counted by FILTER).
HAND_PREDICATES: dict[str, str] = {
    "application_id.not_null": "application_id IS NULL",
    "application_id.unique": "application_id IN (SELECT application_id FROM dup_keys)",
    "application_id.pattern": "NOT regexp_matches(application_id, '^A-[0-9]{7}$')",
    "applied_at.not_null": "applied_at IS NULL",
    "decision_at.not_null": "decision_at IS NULL",
    "applicant_name.not_null": "applicant_name IS NULL",
    "email.not_null": "email IS NULL",
    "date_of_birth.not_null": "date_of_birth IS NULL",
    "annual_income.not_null": "annual_income IS NULL",
    "annual_income.in_range": "annual_income < 0 OR annual_income > 5000000",
    "loan_amount.not_null": "loan_amount IS NULL",
    "loan_amount.in_range": "loan_amount < 500 OR loan_amount > 100000",
    "term_months.not_null": "term_months IS NULL",
    "term_months.isin": "term_months NOT IN (12, 24, 36, 48, 60)",
    "employment_status.not_null": "employment_status IS NULL",
    "employment_status.isin": ("employment_status NOT IN "
                               "('employed', 'self_employed', 'unemployed', 'retired', 'student')"),
    "credit_score.not_null": "credit_score IS NULL",
    "credit_score.in_range": "credit_score < 300 OR credit_score > 850",
    "purpose.not_null": "purpose IS NULL",
    "purpose.isin": ("purpose NOT IN ('debt_consolidation', 'home_improvement', 'car', "
                     "'education', 'medical', 'other')"),
    "defaulted.not_null": "defaulted IS NULL",
    "decision_after_application": "decision_at < applied_at",
}
HAND_ROW_COUNT = ("minimum_batch_size", "count(*) >= 100")
MAX_ROW_IDS = 20


def hand_written_sql() -> str:
    """The hand-written validation query: per rule a failure count and the first 20 row ids."""
    aggregates = ["count(*)", f"{HAND_ROW_COUNT[1]}"]
    for predicate in HAND_PREDICATES.values():
        aggregates += [f"count(*) FILTER (WHERE {predicate})",
                       f"min(_row_id, {MAX_ROW_IDS}) FILTER (WHERE {predicate})"]
    select = ",\n    ".join(aggregates)
    # The duplicate keys come from a grouped pass of their own rather than a window over
    # every column: the usual way to write it, and it keeps the main scan streaming.
    return f"""
WITH dup_keys AS (
    SELECT application_id FROM {TABLE}
    WHERE _version = ? AND application_id IS NOT NULL
    GROUP BY application_id HAVING count(*) > 1
)
SELECT
    {select}
FROM {TABLE}
WHERE _version = ?"""


# --- child side: everything below runs in a fresh interpreter per measurement -------------


def _connect(db: Path, read_only: bool) -> Any:
    """A DuckDB connection with the benchmark's thread count, memory limit and spill folder."""
    import duckdb

    spill = db.parent / "spill"
    spill.mkdir(exist_ok=True)
    return duckdb.connect(str(db), read_only=read_only, config={
        "threads": THREADS, "memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})


def child_generate(db: Path, rows: int) -> dict[str, Any]:
    """Create the stage table and fill it with `rows` generated applications."""
    from governance.contracts import load_contract
    from governance.storage import ensure_stage_table

    contract = load_contract(CONTRACT)
    conn = _connect(db, read_only=False)
    start = time.perf_counter()
    ensure_stage_table(conn, contract, "validated")
    conn.execute(GENERATE_MACRO)
    conn.execute(GENERATE_SQL, [rows]).fetchall()
    conn.execute("CHECKPOINT").fetchall()
    seconds = time.perf_counter() - start
    count = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
    conn.close()
    return {"seconds": seconds, "rows": count, "file_mb": db.stat().st_size / 2**20}


def _run_ours(conn: Any, contract: DatasetContract | None,
              spec: QualitySpec | None) -> dict[str, tuple[int, list[int]]]:
    """Validate with our engine; return failures and first row ids per rule."""
    from governance.quality.sql_engine import validate_table

    assert spec is not None
    return validate_table(conn, TABLE, VERSION, spec).comparable()


def _run_hand(conn: Any, contract: DatasetContract | None,
              spec: QualitySpec | None) -> dict[str, tuple[int, list[int]]]:
    """Validate with the hand-written query; return failures and first row ids per rule."""
    row = conn.execute(hand_written_sql(), [VERSION, VERSION]).fetchall()[0]
    results: dict[str, tuple[int, list[int]]] = {
        HAND_ROW_COUNT[0]: (0 if row[1] else 1, [])}
    for i, rule_id in enumerate(HAND_PREDICATES):
        failures, ids = row[2 + 2 * i], row[3 + 2 * i]
        results[rule_id] = (int(failures), list(ids or []))
    return results


def _run_pandera(conn: Any, contract: DatasetContract | None,
                 spec: QualitySpec | None) -> dict[str, tuple[int, list[int]]]:
    """Validate with the Pandera engine on a pandas copy of the table (the copy is timed)."""
    from governance.quality.pandera_engine import load_frame, validate_frame

    assert contract is not None and spec is not None
    frame = load_frame(conn, TABLE, VERSION, contract.column_names)
    return validate_frame(frame, contract, spec).comparable()


def child_validate(db: Path, engine: str) -> dict[str, Any]:
    """Run one engine once against the read-only database and measure it."""
    runner = {"ours": _run_ours, "hand": _run_hand, "pandera": _run_pandera}[engine]
    # Imports and reading the contract happen before the clock starts: they are not
    # validation time (their memory shows in the baseline RSS).
    import duckdb  # noqa: F401

    contract = spec = None
    if engine != "hand":
        from governance.contracts import load_contract
        from governance.quality import pandera_engine, sql_engine  # noqa: F401
        from governance.quality.rules import quality_spec

        contract = load_contract(CONTRACT)
        spec = quality_spec(contract)
    conn = _connect(db, read_only=True)
    settings = conn.execute("SELECT current_setting('threads'), "
                            "current_setting('memory_limit')").fetchall()[0]
    base_mb = peak_rss_mb()
    start = time.perf_counter()
    results = runner(conn, contract, spec)
    seconds = time.perf_counter() - start
    conn.close()
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "base_mb": base_mb,
            "threads": settings[0], "memory_limit": settings[1],
            "results": {k: [v[0], v[1]] for k, v in sorted(results.items())}}


def child_main(mode: str, db: Path, rows: int) -> None:
    """Entry point of a child process: print one JSON line with the measurement."""
    out = child_generate(db, rows) if mode == "generate" else child_validate(db, mode)
    print(json.dumps(out))


# --- parent side: orchestrates children and never imports DuckDB or pandas ------------------
# It stays small on purpose: a child started by fork/vfork + exec inherits the parent's
# peak RSS into its own ru_maxrss, so a heavy parent would inflate every child's figure.


@dataclass
class Measurement(common.Measurement):
    """The repeats of one engine at one row count, with its rule results and settings."""

    results: dict[str, list[Any]] | None = None
    settings: tuple[str, str] | None = None
    skipped: str | None = None


def measure(rows: int, db: Path, repeats: int) -> list[Measurement]:
    """Run every engine `repeats` times, interleaved so background load hits all alike."""
    found = {e: Measurement(rows, e) for e in ENGINES}
    if rows > PANDERA_MAX_ROWS:
        found[PANDERA].skipped = (f"skipped above {PANDERA_MAX_ROWS:,} rows: pandas holds "
                                  "the whole table in memory")
    for repeat in range(repeats):
        for engine, m in found.items():
            if m.skipped or m.error:
                continue
            try:
                out = run_child(__file__, CHILD_MODES[engine], "--db", str(db), "--rows", str(rows))
            except RuntimeError as exc:
                m.error = str(exc)
                continue
            m.seconds.append(out["seconds"])
            m.peak_mb.append(out["peak_mb"])
            m.base_mb.append(out["base_mb"])
            m.results = out["results"]
            m.settings = (out["threads"], out["memory_limit"])
            print(f"  {rows:>11,} {engine:<18} run {repeat + 1}/{repeats}: "
                  f"{out['seconds']:7.2f} s, peak {out['peak_mb']:7.0f} MB", flush=True)
    return list(found.values())


def parity(rows: int, reference: Measurement, other: Measurement) -> list[str]:
    """Compare two engines rule by rule; return one line per disagreement."""
    if reference.results is None or other.results is None:
        return []
    problems = []
    for rule_id in sorted(set(reference.results) | set(other.results)):
        a, b = reference.results.get(rule_id), other.results.get(rule_id)
        if a is None or b is None or a[0] != b[0]:
            problems.append(f"{rule_id}: {reference.engine} {a and a[0]} failures, "
                            f"{other.engine} {b and b[0]}")
        elif a[1] != b[1]:
            problems.append(f"{rule_id}: first row ids differ ({a[1][:5]}... vs {b[1][:5]}...)")
    verdict = "agree" if not problems else f"DISAGREE on {len(problems)} rules"
    counts = ", ".join(f"{k}={v[0]}" for k, v in reference.results.items() if v[0])
    failing = sum(1 for v in reference.results.values() if v[0])
    total = sum(v[0] for v in reference.results.values())
    print(f"parity {rows:,} rows: {reference.engine} vs {other.engine}: {verdict} "
          f"({len(reference.results)} rules, {failing} failing, {total:,} failures; "
          "counts and first 20 row ids compared)")
    if other.engine == HAND:
        print(f"  failures per rule: {counts}")
    return problems


def print_table(measurements: list[Measurement]) -> None:
    """Print the figures: median time, throughput, memory and the ratio to hand-written."""
    header = (f"{'rows':>11} | {'engine':<18} | {'median s':>8} | {'rows/s':>11} | "
              f"{'peak RSS MB':>11} | {'base RSS MB':>11} | {'ours/hand':>9}")
    print(header)
    print("-" * len(header))
    hand = {m.rows: m for m in measurements if m.engine == HAND and m.seconds}
    for m in measurements:
        if m.skipped or m.error or not m.seconds:
            why = m.skipped or f"FAILED: {m.error}"
            print(f"{m.rows:>11,} | {m.engine:<18} | {why}")
            continue
        ratio = (f"{m.median / hand[m.rows].median:9.2f}"
                 if m.engine == OURS and m.rows in hand else "")
        print(f"{m.rows:>11,} | {m.engine:<18} | {m.median:8.2f} | {m.rows / m.median:11,.0f} | "
              f"{max(m.peak_mb):11.0f} | {statistics.median(m.base_mb):11.0f} | {ratio:>9}")


def check_targets(measurements: list[Measurement]) -> list[str]:
    """Print whether our engine meets the 10M-row targets; return the missed ones."""
    by = {(m.rows, m.engine): m for m in measurements}
    ours, hand = by.get((TARGET_ROWS, OURS)), by.get((TARGET_ROWS, HAND))
    if ours is None:
        print(f"targets: not checked (run with --rows {TARGET_ROWS})")
        return []
    if ours.error or not ours.seconds or hand is None or not hand.seconds:
        print(f"targets at {TARGET_ROWS:,} rows: cannot check, a run failed")
        return ["a run failed"]
    ratio = ours.median / hand.median
    peak = max(ours.peak_mb)
    missed = []
    ok_ratio, ok_peak = ratio <= TARGET_RATIO, peak < TARGET_RSS_MB
    print(f"target at {TARGET_ROWS:,} rows: ours/hand-written time {ratio:.2f} "
          f"<= {TARGET_RATIO}: {'PASS' if ok_ratio else 'MISS'}")
    print(f"target at {TARGET_ROWS:,} rows: ours peak RSS {peak:.0f} MB "
          f"< {TARGET_RSS_MB} MB: {'PASS' if ok_peak else 'MISS'}")
    if not ok_ratio:
        missed.append("time ratio")
    if not ok_peak:
        missed.append("peak memory")
    return missed


def parent_main(rows_list: list[int], repeats: int) -> int:
    """Generate, measure and report every row count; return the process exit code."""
    print(f"machine: {machine(PACKAGES)}")
    print(f"load average at start: {load_average()}")
    print(f"duckdb settings (ours and hand-written alike): threads={THREADS}, "
          f"memory_limit={MEMORY_LIMIT} (DuckDB shows 1.3 GiB), database opened read-only, "
          "spill folder in the temp dir; "
          f"{repeats} repeats per engine, each in a fresh process; median reported")
    measurements: list[Measurement] = []
    problems: list[str] = []
    # The temporary folder holds the database and DuckDB's spill files; it goes at exit.
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        for rows in rows_list:
            db = Path(tmp) / f"loans_{rows}.duckdb"
            gen = run_child(__file__, "generate", "--db", str(db), "--rows", str(rows))
            print(f"\ngenerated {gen['rows']:,} rows in {gen['seconds']:.1f} s "
                  f"({gen['file_mb']:.0f} MB file)", flush=True)
            found = measure(rows, db, repeats)
            measurements += found
            by = {m.engine: m for m in found}
            problems += parity(rows, by[OURS], by[HAND])
            if not by[PANDERA].skipped:
                problems += parity(rows, by[OURS], by[PANDERA])
            settings = {m.settings for m in found if m.settings and m.engine != PANDERA}
            print(f"duckdb settings seen by the runs: {sorted(settings)}")
            db.unlink()  # free the disk before the next, larger table
            Path(f"{db}.wal").unlink(missing_ok=True)
    # Other work on the machine slows both DuckDB engines, not always alike: say how busy.
    print(f"\nload average at end: {load_average()}")
    print_table(measurements)
    print()
    check_targets(measurements)
    for m in measurements:
        if m.skipped:
            print(f"note: {m.engine} at {m.rows:,} rows {m.skipped}")
    for line in problems:
        print(f"PARITY FAILURE: {line}")
    failed = [m for m in measurements if m.error]
    return 1 if problems or failed else 0


def main() -> None:
    """Parse the command line and run as parent or as a measuring child."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS),
                        help="row counts to benchmark (default: 1000000 10000000)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="runs per engine; the median is reported (default: 3)")
    parser.add_argument("--child", choices=sorted(set(CHILD_MODES.values())),
                        help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.db, args.rows[0])
        return
    sys.exit(parent_main(args.rows, args.repeats))


if __name__ == "__main__":
    main()
