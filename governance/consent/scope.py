"""Delivery and exports scoped to a purpose: only subjects whose latest consent is 'given'.

A purpose resting on consent may use a delivered row only when the row's subject (found by
the keyed hash of the contract's subject key, as erasure finds them) has 'given' as their
latest record for that purpose at the moment of delivery or export. Delivery keeps the
full delivered table and file, records which rows each consent-based purpose may use
(`purpose_rows`: row ids only) and the coverage counts (`consent_coverage`), and writes
delivered/<dataset>/<purpose>/<version>.parquet beside the full file. Purposes on other
legal bases use every delivered row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from governance.consent.ledger import ConsentLedger
from governance.consent.purposes import Purpose, consent_purposes, contract_purposes
from governance.consent.records import GIVEN, UNKNOWN, WITHDRAWN, ConsentError
from governance.contract_model import DatasetContract
from governance.erasure import subject_hashes
from governance.identifiers import qualified, quote_ident
from governance.settings import Layout
from governance.stages import delivered_versions, export_delivered
from governance.storage import delete_version, ensure_table, records, table_exists
from governance.tables import (
    CONSENT_COVERAGE,
    CONSENT_COVERAGE_COLUMNS,
    DELIVERED,
    MAIN,
    PURPOSE_ROWS,
    PURPOSE_ROWS_COLUMNS,
    ROW_ID,
    VALIDATED,
    VERSION_COL,
)

_BATCH = 50_000
CONSENTED_VIEW = "_consented_rows"


@dataclass
class ConsentScope:
    """How one version's delivered rows stand for one consent-based purpose (counts, and
    the row ids it may use; never who)."""

    purpose: Purpose
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (GIVEN, WITHDRAWN, UNKNOWN), 0))
    subjects: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (GIVEN, WITHDRAWN, UNKNOWN), 0))
    row_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        """Delivered rows of the version."""
        return sum(self.rows.values())

    @property
    def excluded(self) -> int:
        """Rows the purpose may not use (consent withdrawn or never recorded)."""
        return self.total - self.rows[GIVEN]

    def shares(self) -> dict[str, float | None]:
        """Share of rows per state (None when the version has no rows)."""
        return {s: (n / self.total if self.total else None) for s, n in self.rows.items()}

    def row_table(self) -> pa.Table:
        """The row ids the purpose may use, as a one-column Arrow table."""
        return pa.table({ROW_ID: pa.array(self.row_ids, type=pa.int64())})


def measure(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
            purpose: Purpose, states: dict[str, str], hash_key: str) -> ConsentScope:
    """Sort a delivered version's rows by their subject's consent state for a purpose."""
    if not hash_key:
        raise ConsentError(f"{contract.name} has purposes resting on consent, which finds "
                           "subjects by a keyed hash: set DATAOPS_HASH_KEY")
    scope = ConsentScope(purpose)
    if not table_exists(conn, contract.name, DELIVERED):
        return scope
    column = contract.subject_key
    assert column is not None  # a consent-based purpose needs one (checked at load)
    ver, rid = quote_ident(VERSION_COL), quote_ident(ROW_ID)
    # The subject key as validated (cleaned, untreated): delivery may have dropped or
    # masked it. A row without a validated twin has no known subject: unknown.
    validated = (f"LEFT JOIN {qualified(contract.name, VALIDATED)} v ON v.{ver} = d.{ver} "
                 f"AND v.{rid} = d.{rid}") if table_exists(conn, contract.name, VALIDATED) \
        else ""
    subject = f"v.{quote_ident(column)}" if validated else "NULL"
    # The caller's own connection, not a cursor: inside a delivery's transaction only it
    # sees the rows just delivered. Nothing else runs on it while the reader is open.
    reader = conn.sql(f"SELECT d.{rid} AS rid, CAST({subject} AS VARCHAR) AS subject "
                      f"FROM {qualified(contract.name, DELIVERED)} d {validated} "
                      f"WHERE d.{ver} = ? ORDER BY d.{rid}",
                      params=[version]).to_arrow_reader(_BATCH)
    seen: dict[str, str] = {}
    for batch in reader:
        hashes = subject_hashes(batch.column("subject").to_pylist(), contract, hash_key)
        for rid_value, h in zip(batch.column("rid").to_pylist(), hashes, strict=True):
            state = states.get(h, UNKNOWN) if h is not None else UNKNOWN
            scope.rows[state] += 1
            if h is not None and h not in seen:
                seen[h] = state
            if state == GIVEN:
                scope.row_ids.append(rid_value)
    for state in seen.values():
        scope.subjects[state] += 1
    return scope


def deliver_purposes(conn: duckdb.DuckDBPyConnection, layout: Layout,
                     contract: DatasetContract, version: str, hash_key: str,
                     now: datetime | None = None) -> list[ConsentScope]:
    """For each consent-based purpose, record the rows it may use and its coverage, and
    write its export (inside the delivery's transaction, after the delivered rows)."""
    purposes = consent_purposes(contract)
    if not purposes:
        return []
    now = now or datetime.now(UTC)
    ledger = ConsentLedger(layout)
    rows_table = ensure_table(conn, contract.name, PURPOSE_ROWS, PURPOSE_ROWS_COLUMNS)
    coverage = ensure_table(conn, MAIN, CONSENT_COVERAGE, CONSENT_COVERAGE_COLUMNS)
    conn.execute(f"DELETE FROM {coverage} WHERE dataset = ? AND version = ?",
                 [contract.name, version])
    delete_version(conn, rows_table, version)
    out = []
    for purpose in purposes:
        scope = measure(conn, contract, version, purpose,
                        ledger.states(contract.name, purpose.name, now), hash_key)
        conn.register(CONSENTED_VIEW, scope.row_table())
        try:
            conn.execute(f"INSERT INTO {rows_table} SELECT ?, ?, {quote_ident(ROW_ID)} FROM "
                         f"{CONSENTED_VIEW}", [version, purpose.name])
        finally:
            conn.unregister(CONSENTED_VIEW)
        conn.execute(f"INSERT INTO {coverage} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [contract.name, version, purpose.name, purpose.legal_basis, scope.total,
                      scope.rows[GIVEN], scope.rows[WITHDRAWN], scope.rows[UNKNOWN],
                      scope.subjects[GIVEN], scope.subjects[WITHDRAWN],
                      scope.subjects[UNKNOWN], now.astimezone(UTC).replace(tzinfo=None)])
        export_delivered(conn, contract, version,
                         layout.purpose_file(contract.name, purpose.name, version),
                         purpose.name)
        out.append(scope)
    return out


def recorded_coverage(conn: duckdb.DuckDBPyConnection, dataset: str,
                      version: str) -> list[dict[str, Any]]:
    """The coverage counted when a version was delivered, one dict per consent purpose."""
    if not table_exists(conn, MAIN, CONSENT_COVERAGE):
        return []
    found = records(conn, f"SELECT * FROM {MAIN}.{CONSENT_COVERAGE} WHERE dataset = ? AND "
                    "version = ? ORDER BY purpose", [dataset, version])
    for row in found:
        total = row["rows"] or 0
        row["excluded"] = total - (row["rows_given"] or 0)
        for state in (GIVEN, WITHDRAWN, UNKNOWN):
            row[f"share_{state}"] = row[f"rows_{state}"] / total if total else None
    return found


def latest_delivered(conn: duckdb.DuckDBPyConnection, contract: DatasetContract) -> str | None:
    """The newest version the delivered table holds, if any."""
    found = delivered_versions(conn, contract.name)
    return found[-1] if found else None


def coverage_now(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                 hash_key: str) -> tuple[str | None, list[ConsentScope]]:
    """Consent coverage of the latest delivered version as the ledger stands now."""
    version = latest_delivered(conn, contract)
    if version is None:
        return None, []
    ledger = ConsentLedger(layout)
    return version, [measure(conn, contract, version, p, ledger.states(contract.name, p.name),
                             hash_key) for p in consent_purposes(contract)]


def readable_rows(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                  purposes: set[str], hash_key: str) -> dict[str, list[int]] | None:
    """The delivered rows a reader acting for these purposes may see, per version, with
    consent as it stands now; None when every row may be seen (a purpose on another legal
    basis, or a dataset that declares no consent purpose)."""
    declared = {p.name: p for p in contract_purposes(contract)}
    acting = [declared[name] for name in sorted(purposes & set(declared))]
    if not any(p.needs_consent for p in declared.values()) or \
            any(not p.needs_consent for p in acting):
        return None
    ledger = ConsentLedger(layout)
    versions = delivered_versions(conn, contract.name)
    out: dict[str, list[int]] = {}
    for purpose in acting:
        states = ledger.states(contract.name, purpose.name)
        for version in versions:
            scope = measure(conn, contract, version, purpose, states, hash_key)
            out.setdefault(version, []).extend(scope.row_ids)
    return out

