"""Scan a file or a table for personal data: a sized sample, one verdict per column."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from governance.errors import GovernanceError
from governance.identifiers import quote_ident
from governance.pii.classify import ColumnFinding, classify_column
from governance.pii.engine import DEFAULT_MODEL
from governance.pii.sampling import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_PREVALENCE,
    guarantee_text,
    sample_size,
)

SAMPLE_SEED = 20261125


class PiiScanError(GovernanceError):
    """A file handed to the scanner cannot be read."""


@dataclass
class ScanResult:
    """The outcome of a scan, in the shape `dataops scan-pii` prints."""

    rows: int
    rows_scanned: int
    seconds: float
    guarantee: str
    columns: list[ColumnFinding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON interface."""
        return {"rows": self.rows, "rows_scanned": self.rows_scanned,
                "seconds": round(self.seconds, 3), "guarantee": self.guarantee,
                "columns": [c.as_json() for c in self.columns]}

    def column(self, name: str) -> ColumnFinding:
        """The finding for one column."""
        return next(c for c in self.columns if c.name == name)


def classify_frame(sample: pd.DataFrame, rows: int, confidence: float, min_prevalence: float,
                   started: float, today: date | None = None, model: str = DEFAULT_MODEL,
                   use_name_hints: bool = True) -> ScanResult:
    """Classify every column of a sample drawn from `rows` rows."""
    today = today or datetime.now(UTC).date()
    columns = [classify_column(str(c), sample[c].tolist(), today, model, use_name_hints)
               for c in sample.columns]
    guarantee = guarantee_text(confidence, min_prevalence, len(sample), rows)
    return ScanResult(rows, len(sample), time.perf_counter() - started, guarantee, columns)


def _relation_sql(path: Path) -> str:
    suffix = path.name.lower()
    if suffix.endswith(".parquet"):
        return "read_parquet(?)"
    if suffix.endswith((".csv", ".tsv", ".txt")):
        return "read_csv(?, sample_size = 20480)"
    raise PiiScanError(f"{path}: only CSV and Parquet files can be scanned")


def scan_file(path: str | Path, confidence: float = DEFAULT_CONFIDENCE,
              min_prevalence: float = DEFAULT_MIN_PREVALENCE, model: str = DEFAULT_MODEL,
              use_name_hints: bool = True, today: date | None = None) -> ScanResult:
    """Scan a CSV or Parquet file; raise PiiScanError when it cannot be read."""
    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise PiiScanError(f"{path}: the file does not exist")
    if path.stat().st_size == 0:
        raise PiiScanError(f"{path}: the file is empty")
    source = _relation_sql(path)
    n = sample_size(confidence, min_prevalence)
    conn = duckdb.connect()
    try:
        rows = conn.execute(f"SELECT count(*) FROM {source}", [str(path)]).fetchall()[0][0]
        sample = conn.execute(f"SELECT * FROM {source} USING SAMPLE reservoir({int(n)} ROWS) "
                              f"REPEATABLE ({SAMPLE_SEED})", [str(path)]).df()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise PiiScanError(f"{path}: cannot be read as {path.suffix.lstrip('.')} ({first})") \
            from None
    finally:
        conn.close()
    return classify_frame(sample, rows, confidence, min_prevalence, started, today, model,
                          use_name_hints)


def scan_table(conn: duckdb.DuckDBPyConnection, table: str, version: str,
               columns: tuple[str, ...], confidence: float = DEFAULT_CONFIDENCE,
               min_prevalence: float = DEFAULT_MIN_PREVALENCE, model: str = DEFAULT_MODEL,
               today: date | None = None) -> ScanResult:
    """Scan one version of a stage table (already-qualified name)."""
    started = time.perf_counter()
    n = sample_size(confidence, min_prevalence)
    cols = ", ".join(quote_ident(c) for c in columns)
    rows = conn.execute(f"SELECT count(*) FROM {table} WHERE _version = ?",
                        [version]).fetchall()[0][0]
    sample = conn.execute(
        f"SELECT {cols} FROM (SELECT * FROM {table} WHERE _version = ?) "
        f"USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE ({SAMPLE_SEED})", [version]).df()
    return classify_frame(sample, rows, confidence, min_prevalence, started, today, model)
