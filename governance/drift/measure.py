"""Drift of one stored version against its reference, read from and written to DuckDB."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from governance.contracts import DatasetContract
from governance.drift.report import DriftReport, compare_frames
from governance.drift.spec import DriftSpec
from governance.drift.thresholds import DriftThresholds
from governance.identifiers import qualified, quote_ident
from governance.stages import CLEANED, delivered_versions
from governance.storage import replace_rows
from governance.tables import (
    DRIFT_RESULT_COLUMNS,
    DRIFT_RESULTS,
    DRIFT_SUMMARY,
    DRIFT_SUMMARY_COLUMNS,
    version_number,
)

RESULTS, SUMMARY = DRIFT_RESULTS, DRIFT_SUMMARY
_READERS = {"csv": "read_csv", "jsonl": "read_json", "json": "read_json",
            "parquet": "read_parquet"}
RESULT_COLUMNS = DRIFT_RESULT_COLUMNS
SUMMARY_COLUMNS = DRIFT_SUMMARY_COLUMNS


def _number(version: str) -> int:
    return version_number(version)


def reference_version(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                      spec: DriftSpec, version: str) -> str | None:
    """The version to compare with: the pinned one, else the last delivered before this one."""
    if spec.pinned is not None:
        return None if spec.pinned == version else spec.pinned
    earlier = [v for v in delivered_versions(conn, contract.name)
               if _number(v) < _number(version)]
    return earlier[-1] if earlier else None


def read_stage(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, columns: list[str],
               version: str, stage: str = CLEANED) -> pd.DataFrame:
    """The compared columns of one version's stage table, as a DataFrame."""
    select = ", ".join(quote_ident(c) for c in columns)
    cursor = conn.execute(f"SELECT {select} FROM {qualified(contract.name, stage)} "
                          "WHERE _version = ?", [version])
    return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def raw_schema(conn: duckdb.DuckDBPyConnection, path: str | Path, file_format: str,
               ) -> dict[str, str]:
    """Column names and sniffed types of a raw batch, as the source system sent it."""
    reader = _READERS.get(file_format, "read_csv")
    try:
        rows = conn.execute(f"DESCRIBE SELECT * FROM {reader}(?)", [str(path)]).fetchall()
    except duckdb.Error:
        return {}  # unreadable files are intake's business; schema drift then says nothing
    return {r[0]: r[1] for r in rows}


def measure(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, spec: DriftSpec,
            version: str, reference: str | None, schemas: tuple[dict[str, str], dict[str, str]],
            ) -> DriftReport | None:
    """Compare a version with its reference; None when there is nothing to compare with."""
    if reference is None:
        return None
    columns = list(spec.kinds)
    return compare_frames(
        read_stage(conn, contract, columns, reference), read_stage(conn, contract, columns,
                                                                   version),
        spec.kinds, thresholds=spec.thresholds, label_column=spec.label_column,
        reference_version=reference, reference_schema=schemas[0], current_schema=schemas[1])


def write_report(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                 report: DriftReport | None, measured_at: datetime) -> dict[str, Any]:
    """Store a version's drift rows and summary (call in a transaction); return the summary."""
    key = {"dataset": contract.name, "version": version}
    if report is None:
        # Nothing to compare with: the summary of an empty report, no threshold or label.
        summary = DriftReport(None, [], [], None, DriftThresholds()).summary()
        rows: list[dict[str, Any]] = []
        share, label, changes = None, None, ""
    else:
        summary = report.summary()
        rows = report.as_rows()
        share, label = report.thresholds.share, report.label_column
        changes = "; ".join(f"{c.change} {c.column}" + (
            f" ({c.reference_type} -> {c.current_type})" if c.change == "type_changed" else "")
            for c in report.schema)
    replace_rows(conn, "main", RESULTS, RESULT_COLUMNS, key, [
        [contract.name, version, summary["reference_version"]]
        + [r.get(c) for c, _ in RESULT_COLUMNS[3:]] for r in rows])
    replace_rows(conn, "main", SUMMARY, SUMMARY_COLUMNS, key, [[
        contract.name, version, summary["reference_version"], summary["columns_tested"],
        summary["columns_drifted"], summary["share_drifted"], share, summary["dataset_drift"],
        label, summary["label_drift"], changes, ",".join(summary["drifted_columns"]),
        measured_at]])
    return summary
