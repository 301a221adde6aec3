"""Rewrite the DuckDB warehouse into a fresh file, so deleted rows leave no bytes behind.

DuckDB marks the blocks of deleted or updated rows free but does not overwrite them:
after an erasure the subject's values are still readable in the file with a hex viewer.
Copying the live database into a new file (`COPY FROM DATABASE`) writes only live rows;
the new file is fsynced and renamed over the old one. The old file's read-write
connection is held open for the whole copy, so DuckDB's own file lock keeps every other
writer (and every reader) out until the fresh file is in place.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from governance.atomic import fsync_dir, fsync_file, move_into_place
from governance.errors import GovernanceError
from governance.identifiers import quote_ident

_FRESH = "dataops_fresh_copy"
_AGENT = "dataops-compaction"


class CompactionError(GovernanceError):
    """The warehouse could not be rewritten (busy, or the disk is full); nothing changed."""


@dataclass(frozen=True)
class CompactionResult:
    """Sizes before and after, and how long the rewrite took."""

    bytes_before: int
    bytes_after: int
    seconds: float


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def compact_warehouse(path: Path) -> CompactionResult:
    """Copy the live contents of a DuckDB file into a fresh file and swap it in atomically."""
    path = Path(path)
    start = time.perf_counter()
    before = path.stat().st_size + (_wal(path).stat().st_size if _wal(path).exists() else 0)
    fresh = path.with_name(f".{path.name}.{secrets.token_hex(8)}.compact")
    try:
        # A configuration no other connection uses: DuckDB then refuses to share a database
        # already open in this process, whose later writes would land in the old file.
        conn = duckdb.connect(str(path), config={"custom_user_agent": _AGENT})
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise CompactionError(f"the warehouse is busy ({exc}); the erased or purged rows are "
                              "gone from every table, but their bytes stay in the file until "
                              "the next erasure or retention run rewrites it") from None
    try:
        # Fold the write-ahead log into the file first, so no stale log is left beside it.
        conn.execute("CHECKPOINT")
        source = conn.execute("SELECT current_database()").fetchone()[0]
        # A path is not a parameter in ATTACH: quote it as an SQL string literal.
        literal = str(fresh).replace("'", "''")
        conn.execute(f"ATTACH '{literal}' AS {_FRESH}")
        try:
            conn.execute(f"COPY FROM DATABASE {quote_ident(source)} TO {_FRESH}")
        finally:
            conn.execute(f"DETACH {_FRESH}")
        fsync_file(fresh)
        if _wal(fresh).exists():
            raise CompactionError("the fresh warehouse copy kept a write-ahead log; the old "
                                  "file was left in place")
        # Swapped while the old connection still holds the lock: no one saw the gap.
        move_into_place(fresh, path)
    except (duckdb.Error, OSError) as exc:
        raise CompactionError(f"the warehouse could not be rewritten ({exc}); it was left "
                              "as it was") from None
    finally:
        conn.close()
        for leftover in (fresh, _wal(fresh)):
            leftover.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return CompactionResult(before, path.stat().st_size, time.perf_counter() - start)
