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
    return quote_ident(f"__dup_{rule.column}")


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
        return f"({col} IS NOT NULL AND {_dup_col(rule)} > 1)", []
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


def flagged_rows_sql(table: str, spec: QualitySpec) -> tuple[str, list[Any], list[Rule]]:
    """A SELECT of one version's rows with one boolean fail flag per row-level rule."""
    row_rules = [r for r in spec.rules if r.kind != "row_count"]
    windows = "".join(
        f", count(*) OVER (PARTITION BY {quote_ident(r.column)}) AS {_dup_col(r)}"
        for r in row_rules if r.kind == "unique")
    flags, params = [], []
    for i, rule in enumerate(row_rules):
        predicate, values = fail_predicate(rule)
        flags.append(f"{predicate} AS {quote_ident(f'__f{i}')}")
        params += values
    inner = f"SELECT *{windows} FROM {table} WHERE {quote_ident(VERSION_COL)} = ?"
    sql = f"SELECT *, {', '.join(flags) or 'true AS __none'} FROM ({inner})"
    return sql, params, row_rules


def validate_table(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                   spec: QualitySpec) -> QualityReport:
    """Evaluate every rule on one version of a table in a single aggregate query."""
    flagged, params, row_rules = flagged_rows_sql(table, spec)
    rid = quote_ident(ROW_ID)
    aggregates = ["count(*)"]
    for i, rule in enumerate(row_rules):
        flag = quote_ident(f"__f{i}")
        if rule.kind == "compare":
            sample = (f"struct_pack(a := {quote_ident(rule.params['left'])}, "
                      f"b := {quote_ident(rule.params['right'])})")
        else:
            sample = quote_ident(rule.column)
        aggregates += [
            f"count(*) FILTER (WHERE {flag})",
            f"(list({rid} ORDER BY {rid}) FILTER (WHERE {flag}))[1:{MAX_ROW_IDS}]",
            f"(list({sample} ORDER BY {rid}) FILTER (WHERE {flag}))[1:{MAX_SAMPLES}]",
        ]
    sql = f"SELECT {', '.join(aggregates)} FROM ({flagged})"
    row = conn.execute(sql, [*params, version]).fetchall()[0]
    rows = int(row[0])
    results: dict[str, RuleResult] = {}
    for i, rule in enumerate(row_rules):
        failures, ids, samples = row[1 + 3 * i: 4 + 3 * i]
        if rule.kind == "compare":
            samples = [(s["a"], s["b"]) for s in samples or []]
        results[rule.id] = RuleResult(rule, int(failures), list(ids or []), list(samples or []))
    for rule in spec.rules:
        if rule.kind == "row_count":
            ok = OPERATORS[rule.params["op"]](rows, rule.params["value"])
            results[rule.id] = RuleResult(rule, 0 if ok else 1, [],
                                          [] if ok else [f"rows={rows}"])
    return QualityReport(ENGINE, rows, results)
