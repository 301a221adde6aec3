"""SQL for the stage chain intake -> cleaned -> validated -> delivered, and the delivery gate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from governance.atomic import atomic_writer
from governance.contracts import ColumnSpec, DatasetContract
from governance.identifiers import check_version, qualified, quote_ident
from governance.pii.treatment import TreatmentReport, delivered_columns, treat_batches
from governance.quality.outcomes import failed_blocking
from governance.settings import Layout
from governance.storage import (
    VERSION_COL,
    count_rows,
    delete_version,
    ensure_stage_table,
    ensure_table,
    quarantine_count,
    replace_from_query,
    table_exists,
)
from governance.tables import (
    CLEANED,
    DELIVERED,
    INTAKE,
    PURPOSE_ROWS,
    ROW_ID,
    VALIDATED,
    version_number,
)

_EXPORT_BATCH = 100_000


def cleaning_expr(col: ColumnSpec) -> str:
    """SQL for a column after its contract cleaning steps (also used to find erased keys)."""
    expr = quote_ident(col.name)
    if col.logical_type != "string":
        return expr
    for step in col.cleaning:
        if step == "trim":
            expr = f"trim({expr})"
        elif step == "lower":
            expr = f"lower({expr})"
        elif step == "upper":
            expr = f"upper({expr})"
        elif step == "null_if_empty":
            expr = f"nullif(trim({expr}), '')"
    return expr


@dataclass(frozen=True)
class StageResult:
    """Row counts of one stage write."""

    rows_in: int
    rows_out: int

    @property
    def removed(self) -> int:
        """Rows dropped by this stage."""
        return self.rows_in - self.rows_out


def build_cleaned(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                  version: str) -> StageResult:
    """Apply the contract's cleaning steps and drop exact duplicate records."""
    check_version(version)
    source = ensure_stage_table(conn, contract, INTAKE)
    target = ensure_stage_table(conn, contract, CLEANED)
    exprs = ", ".join(f"{cleaning_expr(c)} AS {quote_ident(c.name)}" for c in contract.columns)
    partition = ", ".join(quote_ident(c.name) for c in contract.columns)
    # Exact duplicates (every contract column equal after cleaning) are resubmissions;
    # keep the first. Different rows sharing a key are left for validation to report.
    select = (
        f"SELECT {quote_ident(VERSION_COL)}, {quote_ident(ROW_ID)}, * EXCLUDE "
        f"({quote_ident(VERSION_COL)}, {quote_ident(ROW_ID)}) FROM ("
        f"SELECT {quote_ident(VERSION_COL)}, {quote_ident(ROW_ID)}, {exprs} FROM {source} "
        f"WHERE {quote_ident(VERSION_COL)} = ?) "
        f"QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {quote_ident(ROW_ID)}) = 1"
    )
    rows_out = replace_from_query(conn, target, version, select, [version])
    return StageResult(count_rows(conn, source, version), rows_out)


def build_validated(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                    version: str) -> StageResult:
    """Conform cleaned rows to the contract's column order; checks then judge them."""
    source = ensure_stage_table(conn, contract, CLEANED)
    target = ensure_stage_table(conn, contract, VALIDATED)
    cols = ", ".join(quote_ident(c) for c in (VERSION_COL, ROW_ID, *contract.column_names))
    select = (f"SELECT {cols} FROM {source} WHERE {quote_ident(VERSION_COL)} = ? "
              f"ORDER BY {quote_ident(ROW_ID)}")
    rows_out = replace_from_query(conn, target, version, select, [version])
    return StageResult(count_rows(conn, source, version), rows_out)


def delivered_versions(conn: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
    """The versions a dataset's delivered table holds, oldest first."""
    if not table_exists(conn, dataset, DELIVERED):
        return []
    found = conn.execute(f"SELECT DISTINCT {quote_ident(VERSION_COL)} FROM "
                         f"{qualified(dataset, DELIVERED)}").fetchall()
    return sorted((v for (v,) in found), key=version_number)


def delivery_blockers(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                      version: str) -> list[str]:
    """Reasons a version may not be delivered; empty when it may."""
    reasons = []
    problems = quarantine_count(conn, contract.name, version)
    if problems:
        reasons.append(f"{problems} record(s) or file problem(s) were quarantined at intake")
    failed = failed_blocking(conn, contract.name, version)
    if failed:
        reasons.append("blocking check(s) failed: " + ", ".join(failed))
    if not table_exists(conn, contract.name, VALIDATED) or not count_rows(
            conn, qualified(contract.name, VALIDATED), version):
        reasons.append("the version has no validated rows")
    return reasons


def build_delivered(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                    hash_key: str | None, report: TreatmentReport) -> StageResult:
    """Write the treated validated rows to the delivered table (call inside a transaction)."""
    # Read through the table's public name: the second cursor below is another connection
    # and must not depend on anything this transaction created (a Parquet session's
    # private copy). delivery_blockers has checked the version has validated rows.
    source = qualified(contract.name, VALIDATED)
    columns = [(VERSION_COL, "VARCHAR"), (ROW_ID, "BIGINT"), *delivered_columns(contract)]
    target = ensure_table(conn, contract.name, DELIVERED, columns)
    delete_version(conn, target, version)
    cols = ", ".join(quote_ident(c) for c in (VERSION_COL, ROW_ID, *contract.column_names))
    # A second cursor reads while the first writes: DuckDB allows one open result per cursor.
    reader = conn.cursor().sql(
        f"SELECT {cols} FROM {source} WHERE {quote_ident(VERSION_COL)} = ? "
        f"ORDER BY {quote_ident(ROW_ID)}", params=[version]).to_arrow_reader(_EXPORT_BATCH)
    for table in treat_batches(iter(reader), contract, hash_key, report):
        conn.register("_treated", table)
        try:
            conn.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _treated")
        finally:
            conn.unregister("_treated")
    return StageResult(count_rows(conn, source, version), count_rows(conn, target, version))


def export_delivered(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                     export_path: Path, purpose: str | None = None) -> None:
    """Write one delivered version to Parquet atomically (temp file, then rename); for a
    purpose, only the rows its `purpose_rows` allow (governance/consent/scope.py)."""
    target = qualified(contract.name, DELIVERED)
    export_path.parent.mkdir(parents=True, exist_ok=True)
    data_cols = ", ".join(quote_ident(c) for c, _ in delivered_columns(contract))
    where, params = f"{quote_ident(VERSION_COL)} = ?", [version]
    if purpose is not None:
        where += (f" AND {quote_ident(ROW_ID)} IN (SELECT {quote_ident(ROW_ID)} FROM "
                  f"{qualified(contract.name, PURPOSE_ROWS)} WHERE {quote_ident(VERSION_COL)} "
                  "= ? AND purpose = ?)")
        params += [version, purpose]
    reader = conn.sql(f"SELECT {data_cols} FROM {target} "
                      f"WHERE {where} ORDER BY {quote_ident(ROW_ID)}",
                      params=params).to_arrow_reader(_EXPORT_BATCH)
    # Streamed batch by batch so a large version never sits whole in memory; readers see
    # either the old export or the complete new one, never a partial file.
    with atomic_writer(export_path) as fh, pq.ParquetWriter(fh, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)


def rewrite_exports(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                    version: str) -> int:
    """Rewrite a version's delivered export and its purpose exports that exist, after rows
    or values changed (erasure, retention); returns the files rewritten."""
    files = 0
    export = layout.delivered_file(contract.name, version)
    if export.exists():
        export_delivered(conn, contract, version, export)
        files += 1
    for purpose, path in layout.purpose_files(contract.name, version).items():
        if table_exists(conn, contract.name, PURPOSE_ROWS):
            export_delivered(conn, contract, version, path, purpose)
        else:
            path.unlink()  # no record of which rows it may hold: keep nothing
        files += 1
    return files


def known_value_leaks(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                      version: str) -> dict[str, int]:
    """Rows whose delivered free text still quotes the row's own declared personal values."""
    spans = [c.name for c in contract.columns if c.treatment == "redact_spans"]
    personal = [c.name for c in contract.columns if c.personal and c.logical_type == "string"
                and c.treatment != "redact_spans"]
    if not spans or not personal:
        return {}
    delivered, validated = qualified(contract.name, DELIVERED), qualified(contract.name, VALIDATED)
    out = {}
    for text in spans:
        cond = " OR ".join(
            f"(length(v.{quote_ident(p)}) >= 3 AND contains(lower(d.{quote_ident(text)}), "
            f"lower(v.{quote_ident(p)})))" for p in personal)
        rows = conn.execute(
            f"SELECT count(*) FROM {delivered} d JOIN {validated} v USING (_version, _row_id) "
            f"WHERE d._version = ? AND ({cond})", [version]).fetchall()
        out[text] = int(rows[0][0])
    return out
