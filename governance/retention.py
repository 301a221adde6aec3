"""Retention from contracts: what is due when, and purging it from every place data lives.

A contract's `retention` SLA covers whole versions; a column's `retention` custom
property covers that column (free text kept 90 days, features longer). Expiry runs the
contract's `retentionAction`: `delete` removes the version everywhere, `anonymize` blanks
its personal columns. A column expiry blanks the column. Every table of the registry
(governance/tables.py) whose rows belong to a version is reached. A deleted version's raw
copy goes; a kept version's raw copy and reference sample are rewritten without the
expired values. Versions under legal hold are never touched. The caller rewrites the
warehouse file afterwards (governance/compaction.py) so no freed block keeps the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from governance.contracts import DatasetContract, parse_duration
from governance.drift.refresh import RefreshLedger
from governance.errors import ContractError
from governance.holds import HoldBook
from governance.identifiers import check_version, quote_ident
from governance.rawstore import RawStore, RawVersion
from governance.redaction import RedactionError, redact_raw, rewrite_file
from governance.settings import Layout
from governance.stages import rewrite_exports
from governance.storage import ensure_table, now_utc, table_columns, table_exists, writable
from governance.tables import (
    RETENTION_LOG,
    RETENTION_LOG_COLUMNS,
    SUBJECT_RECORD,
    versioned_tables,
    warehouse_tables,
)

LOG_TABLE, _LOG_COLUMNS = RETENTION_LOG, RETENTION_LOG_COLUMNS
RECORD_COLUMN = "record"
ACTIONS = ("delete", "anonymize")
VERSION_SCOPE = "*"


@dataclass(frozen=True)
class RetentionRule:
    """How long a dataset (scope '*') or one column is kept, and why."""

    scope: str
    keep_for: timedelta
    action: str
    legal_basis: str


@dataclass(frozen=True)
class RetentionItem:
    """One version or column reaching the end of its retention."""

    dataset: str
    version: str
    scope: str
    action: str
    legal_basis: str
    arrived_at: datetime
    due_at: datetime
    held: bool
    done: bool

    def due(self, now: datetime) -> bool:
        """True when the item should be enforced now."""
        return self.due_at <= now and not self.held and not self.done


@dataclass
class PurgeResult:
    """Rows removed or blanked per table, and whether raw bytes and exports went."""

    item: RetentionItem
    rows: dict[str, int] = field(default_factory=dict)
    raw_deleted: bool = False
    raw_redacted: bool = False
    export_deleted: bool = False


def retention_rules(contract: DatasetContract) -> list[RetentionRule]:
    """The dataset rule (if the contract declares one) and any column rules."""
    action = contract.custom.get("retentionAction", "delete")
    basis = contract.custom.get("retentionLegalBasis", "not provided")
    if action not in ACTIONS:
        raise ContractError(str(contract.path), "customProperties.retentionAction",
                            f"use one of {', '.join(ACTIONS)}")
    rules = []
    sla = contract.sla("retention")
    if sla:
        rules.append(RetentionRule(VERSION_SCOPE, sla.duration, action, basis))
    for i, prop in enumerate(contract.odcs.schema_[0].properties or []):
        for cp in prop.customProperties or []:
            if cp.property == "retention":
                try:
                    keep = parse_duration(cp.value, None)
                except ValueError as exc:
                    raise ContractError(str(contract.path), f"schema[0].properties[{i}]."
                                        "customProperties.retention", str(exc)) from None
                rules.append(RetentionRule(prop.name, keep, "anonymize", basis))
    return rules


def _done(conn: duckdb.DuckDBPyConnection | None, dataset: str) -> set[tuple[str, str]]:
    if conn is None or not table_exists(conn, "main", LOG_TABLE):
        return set()
    rows = conn.execute(f"SELECT version, scope FROM main.{LOG_TABLE} WHERE dataset = ?",
                        [dataset]).fetchall()
    return {(v, s) for v, s in rows}


def retention_plan(contract: DatasetContract, versions: list[RawVersion], holds: HoldBook,
                   conn: duckdb.DuckDBPyConnection | None = None) -> list[RetentionItem]:
    """Every retention deadline of every stored version, soonest first."""
    done = _done(conn, contract.name)
    items = []
    for raw in versions:
        arrived = datetime.fromisoformat(raw.arrived_at).replace(tzinfo=None)
        held = holds.held(contract.name, raw.version)
        for rule in retention_rules(contract):
            items.append(RetentionItem(
                contract.name, raw.version, rule.scope, rule.action, rule.legal_basis,
                arrived, arrived + rule.keep_for, held,
                (raw.version, rule.scope) in done or (raw.version, VERSION_SCOPE) in done))
    return sorted(items, key=lambda i: (i.due_at, i.version, i.scope))


def _blank(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
           columns: list[str], result: PurgeResult) -> None:
    """Blank columns of one version in every registered table that may hold them."""
    for entry in warehouse_tables():
        schema = entry.schema(contract.name)
        if not entry.versioned or not entry.personal:
            continue
        name = writable(conn, schema, entry.name)
        if name is None:
            continue
        # A quarantined record is the whole raw line: any expired column takes it.
        present = set(table_columns(conn, schema, entry.name))
        cols = [RECORD_COLUMN] if entry.subject == SUBJECT_RECORD else \
            [c for c in columns if c in present]
        if not cols:
            continue
        sets = ", ".join(f"{quote_ident(c)} = NULL" for c in cols)
        where, params = entry.version_where(contract.name, version)
        changed = conn.execute(f"UPDATE {name} SET {sets} WHERE {where}", params).fetchall()
        result.rows[entry.name] = int(changed[0][0]) if changed else 0


def _delete(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
            result: PurgeResult) -> None:
    """Delete one version's rows from every registered table whose rows are per version."""
    for entry in versioned_tables():
        schema = entry.schema(contract.name)
        name = writable(conn, schema, entry.name)
        if name is not None:
            where, params = entry.version_where(contract.name, version)
            gone = conn.execute(f"DELETE FROM {name} WHERE {where}", params).fetchall()
            result.rows[entry.name] = int(gone[0][0]) if gone else 0


def enforce_item(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                 item: RetentionItem, now: datetime | None = None) -> PurgeResult:
    """Carry out one due item inside the caller's transaction; files go after the SQL."""
    version = check_version(item.version)
    result = PurgeResult(item)
    if item.scope == VERSION_SCOPE and item.action == "delete":
        _delete(conn, contract, version, result)
        export = layout.delivered_file(contract.name, version)
        result.export_deleted = export.exists()
        export.unlink(missing_ok=True)
        for purpose_export in layout.purpose_files(contract.name, version).values():
            purpose_export.unlink()
    else:
        columns = list(contract.personal_columns) if item.scope == VERSION_SCOPE \
            else [item.scope]
        _blank(conn, contract, version, columns, result)
        rewrite_exports(conn, layout, contract, version)
    table = ensure_table(conn, "main", LOG_TABLE, _LOG_COLUMNS)
    conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)",
                 [contract.name, version, item.scope, item.action, now or now_utc(),
                  sum(result.rows.values())])
    _files(layout, contract, item, version, result)
    return result


def _files(layout: Layout, contract: DatasetContract, item: RetentionItem, version: str,
           result: PurgeResult) -> None:
    """Raw copy and reference sample: deleted with the version, else rewritten blank."""
    store = RawStore(layout.raw_dir)
    reference = layout.reference_file(contract.name, version)
    if item.scope == VERSION_SCOPE and item.action == "delete":
        result.raw_deleted = store.remove(contract.name, version)
        reference.unlink(missing_ok=True)
        # The refresh-request ledger is the one store of requests: a purged version's goes.
        RefreshLedger(layout.refresh_requests_file).forget(contract.name, version)
        return
    columns = list(contract.personal_columns) if item.scope == VERSION_SCOPE else [item.scope]
    label = "personal columns" if item.scope == VERSION_SCOPE else f"column {item.scope}"
    try:
        # The version is kept: its raw copy stays, without the expired values.
        result.raw_redacted = redact_raw(
            store, contract.name, version, contract.file_format,
            f"redacted by retention ({label})", blank_columns=columns) is not None
    except RedactionError:
        # A copy that cannot be rewritten must not keep the values: its bytes go.
        result.raw_deleted = store.remove_bytes(contract.name, version,
                                                f"retention {item.scope}")
    if reference.exists():
        rewrite_file(reference, "csv", blank_columns=columns, permissions=0o644)
