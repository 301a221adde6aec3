"""Read-only SQL over the warehouse with personal columns masked unless a role allows them.

The query never sees the warehouse itself. Each table it names is copied, through a
read-only connection, into a private in-memory database with the caller's column plan
applied (personal columns masked, or left out, as `config/roles.yaml` decides for the
caller's role; without a role every personal column is masked). Then file access is
switched off and the query runs there: it cannot reach the original tables, read files
or write anything, whatever SQL it holds. Only one SELECT statement is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from governance.access import INCLUDE, MASK, WITHHOLD, Role
from governance.contracts import DatasetContract
from governance.errors import GovernanceError
from governance.identifiers import quote_ident
from governance.masking import mask_value
from governance.tables import (
    DELIVERED,
    MAIN,
    ROW_ID,
    SUBJECT_RECORD,
    VERSION_COL,
    check_registered,
)
from governance.tables import table as registry_table

_BATCH = 50_000
# get_table_names(qualified=True) gives `schema.table AS alias` (quotes kept where written).
_REFERENCE = re.compile(r'^(?:"?([A-Za-z_][A-Za-z0-9_]*)"?\.)?"?([A-Za-z_][A-Za-z0-9_]*)"?'
                        r'(?: AS .*)?$')


class QueryError(GovernanceError):
    """A query was refused: not one SELECT, or it names a table that is not in the registry."""


@dataclass
class QueryResult:
    """Rows of a query, and what was masked or left out to produce them."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    tables: list[str]
    masked: dict[str, list[str]] = field(default_factory=dict)
    withheld: dict[str, list[str]] = field(default_factory=dict)


def referenced_tables(sql: str) -> list[tuple[str, str]]:
    """The (schema, table) pairs one SELECT statement reads; refuses anything else."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"the query does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise QueryError("only one read-only SELECT statement is accepted")
    # Parsing a table function binds it: with file access off, naming a file is refused here.
    parser = duckdb.connect(config={"enable_external_access": False})
    try:
        names = parser.get_table_names(sql, qualified=True)
    except duckdb.Error as exc:
        raise QueryError("the query may read warehouse tables only, not files: "
                         f"{str(exc).splitlines()[0]}") from None
    finally:
        parser.close()
    found = []
    for name in sorted(names):
        match = _REFERENCE.match(name)
        if match is None:
            raise QueryError(f"cannot tell which table {name!r} is")
        schema, table = match.group(1) or MAIN, match.group(2)
        try:
            check_registered(schema, table)
        except GovernanceError:
            raise QueryError(f"{schema}.{table} is not a warehouse table; name a dataset's "
                             "table as <dataset>.<table> (e.g. support_tickets.validated) or a "
                             "shared one as main.<table> (e.g. main.check_results)") from None
        found.append((schema, table))
    return sorted(set(found))


def column_plan(columns: list[str], schema: str, table: str,
                contract: DatasetContract | None, role: Role | None) -> dict[str, str]:
    """Include, mask or withhold for every column of one table, for a role (None: none).

    The delivered table follows the role's rules as `dataops export` does. Tables before
    delivery hold untreated values (a raw ticket body, the quarantined line), and the roles
    file speaks of delivered columns: there a personal column is shown only to a role that
    sees every column of the dataset, and masked for everyone else."""
    entry = registry_table(table)
    if not entry.personal:
        return dict.fromkeys(columns, INCLUDE)
    if contract is None:
        # A personal table of a dataset without a contract here: show nothing personal.
        return {c: INCLUDE if c.startswith("_") else MASK for c in columns}
    declared = set(contract.column_names)
    personal = set(contract.personal_columns)

    def decide(column: str) -> str:
        if role is None:
            return MASK if column in personal else INCLUDE
        return role.decide(schema, column, contract.column(column).classification)

    if table == DELIVERED:
        return {c: decide(c) if c in declared else INCLUDE for c in columns}
    whole = role is not None and all(decide(c) == INCLUDE for c in contract.column_names)
    plan = {}
    for col in columns:
        hidden = col in personal or (entry.subject == SUBJECT_RECORD and col == "record")
        plan[col] = MASK if hidden and not whole else INCLUDE
    return plan


def _apply(batch: pa.RecordBatch, plan: dict[str, str]) -> pa.RecordBatch:
    arrays, names = [], []
    for name in batch.schema.names:
        if plan[name] == WITHHOLD:
            continue
        column = batch.column(name)
        if plan[name] == MASK:
            # Masked values show only their shape, whatever the source type.
            column = pa.array([None if v is None else mask_value(v) for v in column.to_pylist()],
                              type=pa.string())
        arrays.append(column)
        names.append(name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _keep_rows(batch: pa.RecordBatch, allowed: Mapping[str, Sequence[int]]) -> pa.RecordBatch:
    """Only the rows whose (version, row id) the reader may see."""
    keep = pa.array([False] * batch.num_rows)
    versions, row_ids = batch.column(VERSION_COL), batch.column(ROW_ID)
    for version, ids in allowed.items():
        mine = pc.and_(pc.equal(versions, version),
                       pc.is_in(row_ids, value_set=pa.array(ids, type=row_ids.type)))
        keep = pc.or_(keep, pc.fill_null(mine, False))
    return batch.filter(keep)


def run_query(source: duckdb.DuckDBPyConnection, sql: str,
              contracts: Mapping[str, DatasetContract],
              role_for: Callable[[str], Role | None], limit: int = 100,
              rows_for: Callable[[str], Mapping[str, Sequence[int]] | None] = lambda _: None,
              ) -> QueryResult:
    """Run one SELECT over masked copies of the tables it names (see the module docstring).

    `role_for(dataset)` returns the caller's role for a dataset (already checked to be
    theirs), or None for no role; it raises to refuse. `rows_for(dataset)` returns the
    delivered rows (row ids per version) the caller's purposes may use, or None for all
    (governance/consent/scope.py `readable_rows`)."""
    refs = referenced_tables(sql)
    target = duckdb.connect()
    result = QueryResult([], [], False, [f"{s}.{t}" for s, t in refs])
    try:
        for schema, table in refs:
            name = f"{quote_ident(schema)}.{quote_ident(table)}"
            target.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            cursor = source.cursor()
            try:
                reader = cursor.sql(f"SELECT * FROM {name}").to_arrow_reader(_BATCH)
            except duckdb.CatalogException:
                cursor.close()
                raise QueryError(f"{schema}.{table} has no rows yet") from None
            try:
                contract = contracts.get(schema) if schema != MAIN else None
                plan = column_plan(reader.schema.names, schema, table, contract,
                                   role_for(schema) if contract is not None else None)
                allowed = rows_for(schema) if contract is not None and table == DELIVERED \
                    else None
                batches = [_apply(b if allowed is None else _keep_rows(b, allowed), plan)
                           for b in reader]
                kept = [c for c in reader.schema.names if plan[c] != WITHHOLD]
                data = pa.Table.from_batches(batches) if batches else pa.table(
                    {c: pa.array([], type=pa.string()) for c in kept})
            finally:
                cursor.close()
            target.register("_incoming", data)
            target.execute(f"CREATE TABLE {name} AS SELECT * FROM _incoming")
            target.unregister("_incoming")
            shown = f"{schema}.{table}"
            for decision, into in ((MASK, result.masked), (WITHHOLD, result.withheld)):
                cols = [c for c, d in plan.items() if d == decision]
                if cols:
                    into[shown] = cols
        # From here the query can reach nothing but the masked copies.
        target.execute("SET enable_external_access = false")
        target.execute("SET lock_configuration = true")
        try:
            cursor = target.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(f"the query failed: {str(exc).splitlines()[0]}") from None
        result.columns = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(limit + 1)
        result.truncated = len(rows) > limit
        result.rows = rows[:limit]
    finally:
        target.close()
    return result
