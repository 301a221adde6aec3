"""Erasure requests: remove a data subject from every stage and version, and keep them out.

The subject is found by the contract's subject key, normalised the way cleaning
normalises it. Rows are deleted from intake, cleaned, validated and delivered (where the
key is hashed on delivery, by its keyed hash) and from quarantine; delivered exports are
rewritten. A tombstone, the keyed hash of the key and never the key itself, makes intake
drop the subject whenever a version is re-read or an old file is ingested again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from governance.contracts import DatasetContract
from governance.errors import GovernanceError
from governance.identifiers import qualified, quote_ident
from governance.pii.treatment import keyed_hash
from governance.settings import Layout
from governance.stages import cleaning_expr, export_delivered
from governance.storage import ensure_table, now_utc, table_exists

TOMBSTONES = "erasure_tombstones"
_COLUMNS = (("dataset", "VARCHAR"), ("key_column", "VARCHAR"), ("key_hash", "VARCHAR"),
            ("erased_at", "TIMESTAMP"))


class ErasureError(GovernanceError):
    """An erasure request cannot be carried out as asked."""


@dataclass
class ErasureReport:
    """Rows removed per table and version, and the tombstone recorded."""

    key_hash: str
    rows: dict[str, int] = field(default_factory=dict)
    versions: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        """Rows removed in all tables."""
        return sum(self.rows.values())


def normalise(contract: DatasetContract, column: str, value: str) -> str:
    """Apply the key column's cleaning steps, so 'Ann@X.com ' finds 'ann@x.com'."""
    spec = contract.column(column)
    out = value
    for step in spec.cleaning:
        if step == "trim":
            out = out.strip()
        elif step == "lower":
            out = out.lower()
        elif step == "upper":
            out = out.upper()
    return out


def subject_column(contract: DatasetContract, key: str) -> str:
    """The key column named by a request; only the contract's subject key is accepted."""
    if not contract.subject_key:
        raise ErasureError(f"{contract.name} declares no subjectKey; erasure needs one")
    if key != contract.subject_key:
        raise ErasureError(f"{contract.name} finds subjects by {contract.subject_key!r}, "
                           f"not {key!r}")
    return key


def erase_subject(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                  key: str, value: str, hash_key: str,
                  now: datetime | None = None) -> ErasureReport:
    """Delete the subject everywhere and record a tombstone (inside the caller's transaction)."""
    column = subject_column(contract, key)
    if not hash_key:
        raise ErasureError("erasure records a keyed hash: set DATAOPS_HASH_KEY")
    plain = normalise(contract, column, value)
    report = ErasureReport(keyed_hash(plain, hash_key.encode("utf-8")))
    hashed_on_delivery = contract.column(column).treatment == "hash"
    for table in ("intake", "cleaned", "validated", "delivered"):
        if not table_exists(conn, contract.name, table):
            continue
        name = qualified(contract.name, table)
        if table == "delivered" and hashed_on_delivery:
            where, param = f"{quote_ident(column)} = ?", report.key_hash
        else:
            where, param = f"{cleaning_expr(contract.column(column))} = ?", plain
        versions = conn.execute(f"SELECT DISTINCT _version FROM {name} WHERE {where}",
                                [param]).fetchall()
        report.versions.update(v for (v,) in versions)
        gone = conn.execute(f"DELETE FROM {name} WHERE {where}", [param]).fetchall()
        report.rows[table] = int(gone[0][0]) if gone else 0
    if table_exists(conn, contract.name, "quarantine"):
        gone = conn.execute(f"DELETE FROM {qualified(contract.name, 'quarantine')} "
                            "WHERE contains(lower(record), lower(?))", [plain]).fetchall()
        report.rows["quarantine"] = int(gone[0][0]) if gone else 0
    table = ensure_table(conn, "main", TOMBSTONES, _COLUMNS)
    conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)",
                 [contract.name, column, report.key_hash, now or now_utc()])
    for version in sorted(report.versions):
        export = layout.delivered_file(contract.name, version)
        if export.exists():
            export_delivered(conn, contract, version, export)
    return report


def tombstones(conn: duckdb.DuckDBPyConnection, contract: DatasetContract) -> set[str]:
    """Keyed hashes of every erased subject of a dataset."""
    if not contract.subject_key or not table_exists(conn, "main", TOMBSTONES):
        return set()
    rows = conn.execute(f"SELECT key_hash FROM main.{TOMBSTONES} WHERE dataset = ?",
                        [contract.name]).fetchall()
    return {r[0] for r in rows}


def drop_erased(batches: Iterable[pa.Table], contract: DatasetContract, erased: set[str],
                hash_key: str, counter: list[int]) -> Iterator[pa.Table]:
    """Filter erased subjects out of intake batches; counter[0] counts rows dropped."""
    column = contract.subject_key
    key = hash_key.encode("utf-8")
    for batch in batches:
        if not erased or column is None or batch.num_rows == 0:
            yield batch
            continue
        values = batch.column(column).to_pylist()
        keep = [v is None or keyed_hash(normalise(contract, column, str(v)), key) not in erased
                for v in values]
        counter[0] += keep.count(False)
        yield batch if all(keep) else batch.filter(pa.array(keep, type=pa.bool_()))
