"""Erasure requests: remove a data subject from every stage and version, and keep them out.

The subject is found by the contract's subject key, normalised the way cleaning
normalises it. Rows are deleted from every table the registry (governance/tables.py) says
holds subjects: the stage tables by key (by its keyed hash where delivery hashes it) and
quarantine by the raw record text; delivered exports are rewritten. Then the raw copies
and reference samples are rewritten without the subject's records (the manifest keeps
the original digest and notes the rewrite), and the caller rewrites the warehouse file
(governance/compaction.py) so no freed block keeps the values.
A tombstone, the keyed hash of the key and never the key itself, makes intake
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
from governance.identifiers import quote_ident
from governance.pii.treatment import keyed_hash
from governance.quality.rules import quality_spec
from governance.rawstore import RawStore, sha256_file
from governance.redaction import RedactionError, redact_raw, rewrite_file
from governance.settings import Layout
from governance.stages import cleaning_expr, rewrite_exports
from governance.storage import ensure_table, now_utc, table_exists, transaction, writable
from governance.tables import (
    DELIVERED,
    ERASURE_TOMBSTONES,
    SUBJECT_KEY,
    SUBJECT_NONE,
    SUBJECT_RECORD,
    TOMBSTONE_COLUMNS,
    VALIDATED,
    VERSION_COL,
    warehouse_tables,
)
from governance.warehouse import Warehouse

TOMBSTONES, _COLUMNS = ERASURE_TOMBSTONES, TOMBSTONE_COLUMNS
RECORD_COLUMN = "record"


class ErasureError(GovernanceError):
    """An erasure request cannot be carried out as asked."""


@dataclass
class ErasureReport:
    """Rows removed per table and version, and the tombstone recorded."""

    key_hash: str
    rows: dict[str, int] = field(default_factory=dict)
    versions: set[str] = field(default_factory=set)
    # Values of the reference sample's key column in the subject's rows: never printed.
    reference_keys: set[str] = field(default_factory=set, repr=False)
    raw_rewritten: list[str] = field(default_factory=list)
    references_rewritten: int = 0
    landing_rewritten: int = 0

    @property
    def total(self) -> int:
        """Rows removed in all tables."""
        return sum(self.rows.values())

    def add(self, other: ErasureReport) -> None:
        """Add the rows and versions another session of the same request removed."""
        for name, rows in other.rows.items():
            self.rows[name] = self.rows.get(name, 0) + rows
        self.versions |= other.versions
        self.reference_keys |= other.reference_keys


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


def erase_in_warehouse(warehouse: Warehouse, layout: Layout, contract: DatasetContract,
                       key: str, value: str, hash_key: str,
                       now: datetime | None = None) -> ErasureReport:
    """Delete the subject from every version and record one tombstone.

    On the DuckDB file this is one transaction; on the Parquet warehouse each version is
    rewritten atomically in its own session, the tombstone with the last one (a request
    cut short is safe to repeat: it finds what is left)."""
    scopes = warehouse.scopes(contract.name) or [None]
    report: ErasureReport | None = None
    for i, version in enumerate(scopes):
        with warehouse.session(contract.name, version) as conn, transaction(conn):
            part = erase_subject(conn, layout, contract, key, value, hash_key, now,
                                 tombstone=i == len(scopes) - 1)
        if report is None:
            report = part
        else:
            report.add(part)
    assert report is not None  # scopes is never empty
    return report


def erase_subject(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                  key: str, value: str, hash_key: str,
                  now: datetime | None = None, tombstone: bool = True) -> ErasureReport:
    """Delete the subject from what the connection can write, and record a tombstone
    (inside the caller's transaction)."""
    column = subject_column(contract, key)
    if not hash_key:
        raise ErasureError("erasure records a keyed hash: set DATAOPS_HASH_KEY")
    plain = normalise(contract, column, value)
    report = ErasureReport(keyed_hash(plain, hash_key.encode("utf-8")))
    hashed_on_delivery = contract.column(column).treatment == "hash"
    reference_key = quality_spec(contract).reference_key
    for entry in warehouse_tables():
        schema = entry.schema(contract.name)
        if entry.subject == SUBJECT_NONE:
            continue
        name = writable(conn, schema, entry.name)
        if name is None:
            continue
        if entry.subject == SUBJECT_RECORD:
            where, param = f"contains(lower({quote_ident(RECORD_COLUMN)}), lower(?))", plain
        elif entry.name == DELIVERED and hashed_on_delivery:
            where, param = f"{quote_ident(column)} = ?", report.key_hash
        else:
            where, param = f"{cleaning_expr(contract.column(column))} = ?", plain
        if entry.subject == SUBJECT_KEY:
            versions = conn.execute(f"SELECT DISTINCT {quote_ident(VERSION_COL)} FROM {name} "
                                    f"WHERE {where}", [param]).fetchall()
            report.versions.update(v for (v,) in versions)
            if entry.name == VALIDATED and reference_key and reference_key != column:
                # Reference samples are keyed by their own column: note the subject's keys.
                report.reference_keys.update(str(k) for (k,) in conn.execute(
                    f"SELECT DISTINCT {quote_ident(reference_key)} FROM {name} WHERE {where}",
                    [param]).fetchall() if k is not None)
        gone = conn.execute(f"DELETE FROM {name} WHERE {where}", [param]).fetchall()
        report.rows[entry.name] = int(gone[0][0]) if gone else 0
    if tombstone:
        table = ensure_table(conn, "main", TOMBSTONES, _COLUMNS)
        conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)",
                     [contract.name, column, report.key_hash, now or now_utc()])
    for version in sorted(report.versions):
        rewrite_exports(conn, layout, contract, version)
    return report


def erase_from_files(layout: Layout, contract: DatasetContract, key: str, value: str,
                     report: ErasureReport, now: datetime | None = None) -> list[str]:
    """After the rows went: rewrite raw copies and reference samples without the subject.

    Returns the versions whose raw copy could not be rewritten (their bytes are deleted
    instead, with the reason in the manifest)."""
    plain = normalise(contract, subject_column(contract, key), value)
    store = RawStore(layout.raw_dir)
    unreadable = []
    # Every stored version, not only those with rows: a quarantined or not yet
    # materialized batch can hold the subject too.
    for raw in store.versions(contract.name):
        try:
            rewrite = redact_raw(store, contract.name, raw.version, contract.file_format,
                                 "redacted by erasure", drop_mentioning=[plain], now=now)
        except RedactionError:
            store.remove_bytes(contract.name, raw.version, "erasure: the raw copy could not "
                               "be rewritten without the subject, so its bytes were deleted")
            unreadable.append(raw.version)
            continue
        if rewrite is not None and rewrite.changed:
            report.raw_rewritten.append(raw.version)
        reference = layout.reference_file(contract.name, raw.version)
        if reference.exists():
            key_column = quality_spec(contract).reference_key or ""
            if rewrite_file(reference, "csv", drop_mentioning=[plain],
                            drop_keys=(key_column, report.reference_keys),
                            permissions=0o644).changed:
                report.references_rewritten += 1
    _landing(layout, contract, plain, {r.sha256 for r in store.versions(contract.name)}, report)
    return unreadable


def _landing(layout: Layout, contract: DatasetContract, plain: str, stored: set[str],
             report: ErasureReport) -> None:
    """Files left in the landing folder: rewritten without the subject, and deleted when
    they were already ingested (the raw store holds them, now redacted)."""
    folder = layout.landing_dir(contract.landing_folder)
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.iterdir() if p.is_file()
                       and not p.name.startswith(".")):
        ingested = sha256_file(path)[0] in stored
        try:
            changed = rewrite_file(path, contract.file_format, drop_mentioning=[plain],
                                   permissions=0o644).changed
        except RedactionError:
            continue  # intake could not read it either: it never reached any table
        if changed and ingested:
            path.unlink()
        report.landing_rewritten += int(changed)


def tombstones(conn: duckdb.DuckDBPyConnection, contract: DatasetContract) -> set[str]:
    """Keyed hashes of every erased subject of a dataset."""
    if not contract.subject_key or not table_exists(conn, "main", TOMBSTONES):
        return set()
    rows = conn.execute(f"SELECT key_hash FROM main.{TOMBSTONES} WHERE dataset = ?",
                        [contract.name]).fetchall()
    return {r[0] for r in rows}


def subject_hashes(values: Iterable[object], contract: DatasetContract,
                   hash_key: str) -> list[str | None]:
    """The keyed hash of each subject key value (None stays None), normalised first; also
    how consent finds a subject's records (governance/consent/scope.py)."""
    column = contract.subject_key
    assert column is not None, "only datasets with a subjectKey have subjects"
    key = hash_key.encode("utf-8")
    return [None if v is None else keyed_hash(normalise(contract, column, str(v)), key)
            for v in values]


def drop_erased(batches: Iterable[pa.Table], contract: DatasetContract, erased: set[str],
                hash_key: str, counter: list[int]) -> Iterator[pa.Table]:
    """Filter erased subjects out of intake batches; counter[0] counts rows dropped."""
    column = contract.subject_key
    for batch in batches:
        if not erased or column is None or batch.num_rows == 0:
            yield batch
            continue
        hashes = subject_hashes(batch.column(column).to_pylist(), contract, hash_key)
        keep = [h is None or h not in erased for h in hashes]
        counter[0] += keep.count(False)
        yield batch if all(keep) else batch.filter(pa.array(keep, type=pa.bool_()))
