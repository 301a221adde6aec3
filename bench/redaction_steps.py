"""The steps bench/redaction_workers.py runs in its worker processes, and its test data.

Module-level functions, so that spawned workers can import them by name.
"""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

KEY = "bench-only-hash-key"
DATASET = "support_tickets"
_POOL_LOCK = "warehouse.pool-lock"


def _contract() -> Any:
    from governance.contracts import load_contract
    from governance.defaults import default_contracts_dir
    return load_contract(default_contracts_dir() / f"{DATASET}.odcs.yaml")


def prepare(folder: Path, versions: dict[str, int]) -> Path:
    """Build a warehouse whose validated table holds the given versions and row counts."""
    import duckdb

    from dataops_assets.demo.generate import generate_demo
    from governance.intake import IntakeReport, read_batches
    from governance.stages import build_cleaned, build_validated
    from governance.storage import ensure_stage_table, insert_batches, transaction

    contract = _contract()
    batch = generate_demo(folder / "src", date(2026, 11, 20))[DATASET][0]
    db = folder / "warehouse.duckdb"
    with duckdb.connect(str(db)) as conn:
        intake = ensure_stage_table(conn, contract, "intake")
        with transaction(conn):
            report = IntakeReport(str(batch))
            insert_batches(conn, intake, "v0", read_batches(batch, contract, report))
            build_cleaned(conn, contract, "v0")
            build_validated(conn, contract, "v0")
        target = ensure_stage_table(conn, contract, "validated")
        base = conn.execute(f"SELECT count(*) FROM {target} WHERE _version = 'v0'").fetchone()[0]
        others = ", ".join(f'"{c}"' for c in contract.column_names if c != "ticket_id")
        for version, rows in versions.items():
            copies = -(-rows // base)
            # Repeated rows get fresh ids and ticket ids; the texts are the demo's own.
            conn.execute(
                f"INSERT INTO {target} SELECT * FROM (SELECT ? AS _version, "
                f"r.range * {base} + row_number() OVER (PARTITION BY r.range ORDER BY _row_id) "
                f"AS _row_id, ticket_id || '-' || r.range AS ticket_id, {others} "
                f"FROM {target} v, range(?) r WHERE v._version = 'v0') WHERE _row_id <= ?",
                [version, copies, rows])
        conn.execute(f"DELETE FROM {target} WHERE _version = 'v0'")
        conn.execute("CHECKPOINT")
    shutil.rmtree(folder / "src")
    return db


@contextmanager
def pool_slot(db: Path, use_lock: bool) -> Any:
    """Hold the stand-in for the duckdb_writer pool (1 slot) across processes."""
    if not use_lock:
        yield
        return
    with open(db.parent / _POOL_LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plan_task(db: str, version: str, chunk_rows: int, folder: str, use_lock: bool
              ) -> dict[str, Any]:
    """Worker step: gate-free plan plus staged inputs (the plan op's warehouse work)."""
    import duckdb

    from governance.chunking import plan_chunks, stage_inputs
    started = time.perf_counter()
    with pool_slot(Path(db), use_lock), duckdb.connect(db) as conn:
        chunks = plan_chunks(conn, _contract(), version, chunk_rows)
        stage_inputs(conn, _contract(), version, chunks, Path(folder))
    return {"chunks": [c.to_dict() for c in chunks], "seconds": time.perf_counter() - started,
            "pid": os.getpid(), "rss": rss_mb()}


def treat_task(chunk: dict[str, int], folder: str) -> dict[str, Any]:
    """Worker step: treat one chunk from its staged input (the treat op's work)."""
    from governance.chunking import Chunk, read_staged_input, treat_chunk
    part = Chunk.from_dict(chunk)
    started = time.perf_counter()
    result = treat_chunk(read_staged_input(Path(folder), part), _contract(), part, KEY,
                         Path(folder))
    return {**result, "seconds": time.perf_counter() - started,
            "pid": os.getpid(), "rss": rss_mb()}


def combine_task(db: str, version: str, plan: list[dict[str, int]], results: list[dict],
                 folder: str, export: str, use_lock: bool) -> dict[str, Any]:
    """Worker step: combine, re-scan, leak check and export in one transaction."""
    import duckdb

    from governance.chunking import Chunk, combine_chunks, remove_staging
    from governance.identifiers import qualified
    from governance.pii.scan import scan_table
    from governance.pii.treatment import TreatmentReport, delivered_columns
    from governance.stages import export_delivered, known_value_leaks
    from governance.storage import transaction
    contract = _contract()
    times = {}
    try:
        with pool_slot(Path(db), use_lock), duckdb.connect(db) as conn, transaction(conn):
            t = time.perf_counter()
            rows = combine_chunks(conn, contract, version, [Chunk.from_dict(c) for c in plan],
                                  results, Path(folder), TreatmentReport())
            times["combine"] = time.perf_counter() - t
            t = time.perf_counter()
            scan_table(conn, qualified(DATASET, "delivered"), version,
                       tuple(c for c, _ in delivered_columns(contract)))
            known_value_leaks(conn, contract, version)
            times["rescan"] = time.perf_counter() - t
            t = time.perf_counter()
            export_delivered(conn, contract, version, Path(export))
            times["export"] = time.perf_counter() - t
    finally:
        remove_staging(Path(folder))
    return {"rows": rows, **times, "pid": os.getpid(), "rss": rss_mb()}


def embedded_task(db: str, versions: list[str], out: str) -> dict[str, Any]:
    """The embedded single writer: each version unchunked, one after another, one process."""
    import duckdb

    from governance.identifiers import qualified
    from governance.pii.scan import scan_table
    from governance.pii.treatment import TreatmentReport, delivered_columns
    from governance.stages import build_delivered, export_delivered, known_value_leaks
    from governance.storage import transaction
    contract = _contract()
    done = {}
    with duckdb.connect(db) as conn:
        for version in versions:
            with transaction(conn):
                build_delivered(conn, contract, version, KEY, TreatmentReport())
                scan_table(conn, qualified(DATASET, "delivered"), version,
                           tuple(c for c, _ in delivered_columns(contract)))
                known_value_leaks(conn, contract, version)
                export_delivered(conn, contract, version, Path(out) / f"{version}.parquet")
            done[version] = time.time()
    return {"done": done, "pid": os.getpid(), "rss": rss_mb()}


def warm_up() -> int:
    """Load the analyzer once per worker, as a long-lived cluster worker has it loaded."""
    from governance.pii.redact import redact_texts
    redact_texts(["Warm up, Maria Keller."])
    return os.getpid()


def warm_one(_: int) -> int:
    pid = warm_up()
    time.sleep(1.0)
    return pid


def serial_parts(folder: Path, rows: int, chunk_rows: int) -> dict[str, float]:
    """Time the steps that stay serial (plan, combine, re-scan, leak check, export) at full
    size; treatment runs with redaction switched off, since only its output is needed."""
    import dataclasses

    import duckdb

    from governance.chunking import (
        combine_chunks,
        plan_chunks,
        read_staged_input,
        remove_staging,
        stage_inputs,
        treat_chunk,
    )
    from governance.identifiers import qualified
    from governance.pii.scan import scan_table
    from governance.pii.treatment import TreatmentReport, delivered_columns
    from governance.stages import export_delivered, known_value_leaks
    from governance.storage import transaction

    db = prepare(folder, {"v1": rows})
    real = _contract()
    fast = dataclasses.replace(real, columns=tuple(
        dataclasses.replace(c, treatment="keep") if c.treatment == "redact_spans" else c
        for c in real.columns))
    staging = folder / "staging"
    times: dict[str, float] = {}
    with duckdb.connect(str(db)) as conn:
        t = time.perf_counter()
        chunks = plan_chunks(conn, real, "v1", chunk_rows)
        stage_inputs(conn, real, "v1", chunks, staging)
        times["plan and stage inputs"] = time.perf_counter() - t
        t = time.perf_counter()
        results = [treat_chunk(read_staged_input(staging, c), fast, c, KEY, staging)
                   for c in chunks]
        times["treat without redaction (hash, drop)"] = time.perf_counter() - t
        with transaction(conn):
            t = time.perf_counter()
            combine_chunks(conn, real, "v1", chunks, results, staging, TreatmentReport())
            times["combine"] = time.perf_counter() - t
            t = time.perf_counter()
            scan_table(conn, qualified(DATASET, "delivered"), "v1",
                       tuple(c for c, _ in delivered_columns(real)))
            times["re-scan (sampled)"] = time.perf_counter() - t
            t = time.perf_counter()
            known_value_leaks(conn, real, "v1")
            times["known-value leak check"] = time.perf_counter() - t
            t = time.perf_counter()
            export_delivered(conn, real, "v1", folder / "v1.parquet")
            times["export"] = time.perf_counter() - t
    remove_staging(staging)
    return times
