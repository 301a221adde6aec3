"""Run a contract's rules with Pandera on a pandas DataFrame (the reference engine)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pandas as pd
import pandera.pandas as pa

from governance.contracts import DatasetContract
from governance.identifiers import quote_ident
from governance.intake import ROW_ID
from governance.quality.results import MAX_ROW_IDS, MAX_SAMPLES, QualityReport, RuleResult
from governance.quality.rules import QualitySpec, Rule

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
ENGINE = "pandera"


def _column_check(rule: Rule) -> pa.Check:
    if rule.kind == "isin":
        return pa.Check.isin(rule.params["values"])
    if rule.kind == "in_range":
        low, high = rule.params["min"], rule.params["max"]
        if low is not None and high is not None:
            return pa.Check.in_range(low, high)
        return pa.Check.ge(low) if low is not None else pa.Check.le(high)
    if rule.kind == "pattern":
        return pa.Check.str_matches(rule.params["pattern"])
    raise ValueError(f"not a column check: {rule.kind}")


def _frame_check(rule: Rule) -> pa.Check:
    if rule.kind == "compare":
        left, op, right = rule.params["left"], OPERATORS[rule.params["op"]], rule.params["right"]
        # Rows where either side is missing are the completeness checks' business.
        return pa.Check(lambda df: op(df[left], df[right]) | df[left].isna() | df[right].isna(),
                        name=rule.id)
    if rule.kind == "row_count":
        op, value = OPERATORS[rule.params["op"]], rule.params["value"]
        return pa.Check(lambda df: bool(op(len(df), value)), name=rule.id)
    raise ValueError(f"not a dataframe check: {rule.kind}")


def build_schema(contract: DatasetContract,
                 spec: QualitySpec) -> tuple[pa.DataFrameSchema, dict[tuple, Rule]]:
    """The Pandera schema of a contract, and a map from Pandera's failure keys to rules."""
    columns, keys = {}, {}
    for col in contract.columns:
        rules = [r for r in spec.rules if r.column == col.name]
        checks = []
        for rule in rules:
            if rule.kind == "not_null":
                keys[("Column", col.name, "not_nullable")] = rule
            elif rule.kind == "unique":
                keys[("Column", col.name, "field_uniqueness")] = rule
            else:
                keys[("Column", col.name, len(checks))] = rule
                checks.append(_column_check(rule))
        columns[col.name] = pa.Column(
            nullable=not any(r.kind == "not_null" for r in rules),
            unique=any(r.kind == "unique" for r in rules),
            checks=checks, required=True, name=col.name)
    frame_checks = []
    for rule in spec.rules:
        if rule.column is None:
            keys[("DataFrameSchema", None, len(frame_checks))] = rule
            frame_checks.append(_frame_check(rule))
    return pa.DataFrameSchema(columns, checks=frame_checks, name=contract.name), keys


def validate_frame(df: pd.DataFrame, contract: DatasetContract,
                   spec: QualitySpec) -> QualityReport:
    """Validate a frame indexed by row id; return every rule's failures."""
    schema, keys = build_schema(contract, spec)
    results = {r.id: RuleResult(r, 0) for r in spec.rules}
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for (context, column, check, number), group in cases.groupby(
                ["schema_context", "column", "check", "check_number"], dropna=False, sort=False):
            key = (context, None if context == "DataFrameSchema" else column,
                   check if check in ("not_nullable", "field_uniqueness") else int(number))
            rule = keys[key]
            result = results[rule.id]
            if rule.kind == "row_count":
                result.failures = 1
                result.raw_samples = [f"rows={len(df)}"]
                continue
            ids = sorted({int(i) for i in group["index"].dropna()})
            result.failures = len(ids)
            result.row_ids = ids[:MAX_ROW_IDS]
            result.raw_samples = _samples(df, rule, result.row_ids)
    return QualityReport(ENGINE, len(df), results)


def _samples(df: pd.DataFrame, rule: Rule, ids: list[int]) -> list[Any]:
    rows = df.loc[ids[:MAX_SAMPLES]]
    if rule.kind == "compare":
        return list(zip(rows[rule.params["left"]], rows[rule.params["right"]], strict=True))
    return [None if pd.isna(v) else v for v in rows[rule.column]]


def load_frame(conn: Any, table: str, version: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read one version of a stage table into pandas, indexed by row id."""
    cols = ", ".join(quote_ident(c) for c in (ROW_ID, *columns))
    df = conn.sql(f"SELECT {cols} FROM {table} WHERE _version = ? ORDER BY {quote_ident(ROW_ID)}",
                  params=[version]).df()
    return df.set_index(ROW_ID)
