"""Run a contract's rules as DuckDB SQL in one scan: the engine for tables too big for pandas.

Each rule compiles to a "row fails" predicate with the same semantics as the Pandera
engine (nulls pass every rule but not_null; patterns anchor at the start like
Pandera's str_matches). Values are parameters; names are validated and quoted.
"""

from __future__ import annotations

from typing import Any

import duckdb

from governance.identifiers import quote_ident
from governance.intake import ROW_ID
from governance.quality.pandera_engine import OPERATORS
from governance.quality.results import MAX_ROW_IDS, MAX_SAMPLES, QualityReport, RuleResult
from governance.quality.rules import QualitySpec, Rule
from governance.storage import VERSION_COL

ENGINE = "duckdb-sql"
_SQL_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}


def _dup_col(rule: Rule) -> str:
    return quote_ident(f"__dupkey_{rule.column}")


def fail_predicate(rule: Rule) -> tuple[str, list[Any]]:
    """SQL that is true for a row failing the rule, with its parameters."""
    if rule.kind == "compare":
        left, right = quote_ident(rule.params["left"]), quote_ident(rule.params["right"])
        op = _SQL_OPS[rule.params["op"]]
        return (f"({left} IS NOT NULL AND {right} IS NOT NULL AND NOT ({left} {op} {right}))",
                [])
    col = quote_ident(rule.column)
    if rule.kind == "not_null":
        return f"({col} IS NULL)", []
    if rule.kind == "unique":
        return f"({col} IS NOT NULL AND {_dup_col(rule)} IS NOT NULL)", []
    if rule.kind == "isin":
        values = rule.params["values"]
        marks = ", ".join("?" for _ in values)
        return f"({col} IS NOT NULL AND {col} NOT IN ({marks}))", list(values)
    if rule.kind == "in_range":
        low, high = rule.params["min"], rule.params["max"]
        parts, params = [], []
        if low is not None:
            parts.append(f"{col} < ?")
            params.append(low)
        if high is not None:
            parts.append(f"{col} > ?")
            params.append(high)
        return f"({col} IS NOT NULL AND ({' OR '.join(parts)}))", params
    if rule.kind == "pattern":
        return f"({col} IS NOT NULL AND NOT regexp_matches({col}, ?))", [
            f"^(?:{rule.params['pattern']})"]
    raise ValueError(f"no SQL for rule kind {rule.kind}")


def flagged_rows_sql(table: str, version: str,
                     spec: QualitySpec) -> tuple[str, list[Any], list[Rule]]:
    """A SELECT of one version's rows with one boolean fail flag per row-level rule."""
    row_rules = [r for r in spec.rules if r.kind != "row_count"]
    flags, flag_params = [], []
    for i, rule in enumerate(row_rules):
        predicate, values = fail_predicate(rule)
        flags.append(f"{predicate} AS {quote_ident(f'__f{i}')}")
        flag_params += values
    version_col = quote_ident(VERSION_COL)
    sql = (f"SELECT t.*, {', '.join(flags) or 'true AS __none'} FROM "
           f"(SELECT * FROM {table} WHERE {version_col} = ?) t")
    join_params: list[Any] = [version]
    for rule in row_rules:
        if rule.kind == "unique":
            # Only the duplicated keys are joined back: far cheaper than a window over all keys.
            col = quote_ident(rule.column)
            sql += (f" LEFT JOIN (SELECT {col} AS {_dup_col(rule)} FROM {table} "
                    f"WHERE {version_col} = ? AND {col} IS NOT NULL GROUP BY 1 "
                    f"HAVING count(*) > 1) ON t.{col} = {_dup_col(rule)}")
            join_params.append(version)
    return sql, [*flag_params, *join_params], row_rules


def validate_table(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                   spec: QualitySpec) -> QualityReport:
    """Evaluate every rule on one version of a table: one aggregate scan, one sample fetch."""
    flagged, params, row_rules = flagged_rows_sql(table, version, spec)
    rid = quote_ident(ROW_ID)
    aggregates = ["count(*)"]
    for i, _rule in enumerate(row_rules):
        flag = quote_ident(f"__f{i}")
        aggregates += [
            f"count(*) FILTER (WHERE {flag})",
            f"(list({rid} ORDER BY {rid}) FILTER (WHERE {flag}))[1:{MAX_ROW_IDS}]",
        ]
    row = conn.execute(f"SELECT {', '.join(aggregates)} FROM ({flagged})", params).fetchall()[0]
    rows = int(row[0])
    results: dict[str, RuleResult] = {}
    for i, rule in enumerate(row_rules):
        failures, ids = row[1 + 2 * i: 3 + 2 * i]
        results[rule.id] = RuleResult(rule, int(failures), list(ids or []))
    _attach_samples(conn, table, version, results)
    for rule in spec.rules:
        if rule.kind == "row_count":
            ok = OPERATORS[rule.params["op"]](rows, rule.params["value"])
            results[rule.id] = RuleResult(rule, 0 if ok else 1, [],
                                          [] if ok else [f"rows={rows}"])
    return QualityReport(ENGINE, rows, results)


def _attach_samples(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                    results: dict[str, RuleResult]) -> None:
    """Fetch the values of each rule's first failing rows in one small query."""
    wanted = sorted({i for r in results.values() for i in r.row_ids[:MAX_SAMPLES]})
    if not wanted:
        return
    columns = sorted({c for r in results.values() if r.row_ids for c in r.rule.columns})
    cols = ", ".join(quote_ident(c) for c in (ROW_ID, *columns))
    marks = ", ".join("?" for _ in wanted)
    fetched = conn.execute(
        f"SELECT {cols} FROM {table} WHERE {quote_ident(VERSION_COL)} = ? "
        f"AND {quote_ident(ROW_ID)} IN ({marks})", [version, *wanted]).fetchall()
    by_id = {r[0]: dict(zip(columns, r[1:], strict=True)) for r in fetched}
    for result in results.values():
        for rid in result.row_ids[:MAX_SAMPLES]:
            values = by_id[rid]
            if result.rule.kind == "compare":
                result.raw_samples.append((values[result.rule.params["left"]],
                                           values[result.rule.params["right"]]))
            else:
                result.raw_samples.append(values[result.rule.column])
