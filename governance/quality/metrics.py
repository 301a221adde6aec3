"""Quality metrics per version and dimension, computed in DuckDB and kept in `quality_metrics`.

Dimensions: completeness (non-null share per column and overall), validity (share of
rows passing every type/domain rule), uniqueness (share of rows whose key is not
duplicated), consistency (share passing cross-field rules), freshness (hours since
arrival and age of the newest record, against the SLA) and accuracy (agreement with an
audited reference sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from governance.contracts import DatasetContract
from governance.identifiers import check_version, quote_ident
from governance.quality.rules import FAMILY_DIMENSION, QualitySpec
from governance.quality.sql_engine import flagged_rows_sql
from governance.storage import replace_rows
from governance.tables import QUALITY_METRICS, QUALITY_METRICS_COLUMNS

METRICS_TABLE = QUALITY_METRICS
DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "freshness", "accuracy")
OVERALL = "*"
_COLUMNS = QUALITY_METRICS_COLUMNS


@dataclass(frozen=True)
class Metric:
    """One measured value; `column` is '*' for the dimension as a whole."""

    dimension: str
    column: str
    value: float | None
    target: float | None = None
    higher_is_better: bool = True

    @property
    def passed(self) -> bool | None:
        """Whether the value meets the target; None when there is no target or no value."""
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def _share(good: int, total: int) -> float:
    return 1.0 if total == 0 else good / total


def rule_dimension_metrics(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                           contract: DatasetContract, spec: QualitySpec) -> list[Metric]:
    """Completeness, validity, uniqueness and consistency in one scan of the version."""
    flagged, params, row_rules = flagged_rows_sql(table, version, spec)
    by_dim: dict[str, list[str]] = {}
    for i, rule in enumerate(row_rules):
        dim = FAMILY_DIMENSION[rule.family]
        if dim != "completeness":
            by_dim.setdefault(dim, []).append(quote_ident(f"__f{i}"))
    non_null = [f"count({quote_ident(c)})" for c in contract.column_names]
    dims = ("validity", "uniqueness", "consistency")
    failing = [f"count(*) FILTER (WHERE {' OR '.join(by_dim[d])})" if by_dim.get(d) else "0"
               for d in dims]
    row = conn.execute(f"SELECT count(*), {', '.join(non_null + failing)} FROM ({flagged})",
                       params).fetchall()[0]
    rows, counts, fails = row[0], row[1:1 + len(non_null)], row[1 + len(non_null):]
    targets = spec.targets
    metrics = [Metric("completeness", c, _share(n, rows))
               for c, n in zip(contract.column_names, counts, strict=True)]
    cells = rows * len(contract.column_names)
    metrics.append(Metric("completeness", OVERALL, _share(sum(counts), cells),
                          targets.get("completeness")))
    for dim, failed in zip(dims, fails, strict=True):
        metrics.append(Metric(dim, OVERALL, _share(rows - failed, rows), targets.get(dim)))
    return metrics


def freshness_metrics(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                      contract: DatasetContract, arrived_at: datetime,
                      now: datetime) -> tuple[list[Metric], datetime | None]:
    """Hours since the batch arrived and age of its newest record, against the SLA."""
    sla = contract.sla("freshness")
    target = sla.duration.total_seconds() / 3600 if sla else None
    metrics = [Metric("freshness", "arrival_age_hours",
                      (now - arrived_at).total_seconds() / 3600, None, higher_is_better=False)]
    newest = None
    element = sla.element.split(".")[-1] if sla and sla.element else None
    if element and element in contract.column_names:
        newest = conn.execute(f"SELECT max({quote_ident(element)}) FROM {table} "
                              "WHERE _version = ?", [version]).fetchall()[0][0]
    age = (now - newest).total_seconds() / 3600 if newest else None
    metrics.append(Metric("freshness", OVERALL, age, target, higher_is_better=False))
    return metrics, newest


def accuracy_metrics(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                     spec: QualitySpec, reference: Path | None) -> list[Metric]:
    """Share of audited values that the version agrees with, per column and overall."""
    target = spec.targets.get("accuracy")
    if not spec.reference_key or reference is None or not reference.is_file():
        return [Metric("accuracy", OVERALL, None, target)]
    key = quote_ident(spec.reference_key)
    # The reference is read as text and compared as text, so types never disagree.
    compares = [f"count(*) FILTER (WHERE CAST(v.{quote_ident(c)} AS VARCHAR) IS NOT DISTINCT "
                f"FROM r.{quote_ident(c)}), count(*)" for c in spec.reference_columns]
    row = conn.execute(
        f"SELECT {', '.join(compares)} FROM {table} v JOIN "
        "read_csv(?, all_varchar = true, header = true) r "
        f"ON CAST(v.{key} AS VARCHAR) = r.{key} WHERE v._version = ?",
        [str(reference), version]).fetchall()[0]
    metrics, agree_all, total_all = [], 0, 0
    for i, column in enumerate(spec.reference_columns):
        agree, total = row[2 * i], row[2 * i + 1]
        agree_all += agree
        total_all += total
        metrics.append(Metric("accuracy", column, _share(agree, total) if total else None))
    metrics.append(Metric("accuracy", OVERALL, _share(agree_all, total_all) if total_all
                          else None, target))
    return metrics


def _metric_rows(dataset: str, version: str, metrics: list[Metric],
                 measured_at: datetime) -> list[tuple]:
    return [(dataset, version, m.dimension, m.column, m.value, m.target, m.passed, measured_at)
            for m in metrics]


def write_metrics(conn: duckdb.DuckDBPyConnection, dataset: str, version: str,
                  metrics: list[Metric], measured_at: datetime) -> None:
    """Replace one version's rows in quality_metrics (call inside a transaction)."""
    replace_rows(conn, "main", METRICS_TABLE, _COLUMNS,
                 {"dataset": dataset, "version": check_version(version)},
                 _metric_rows(dataset, version, metrics, measured_at))


def replace_dimension(conn: duckdb.DuckDBPyConnection, dataset: str, version: str,
                      dimension: str, metrics: list[Metric], measured_at: datetime) -> None:
    """Replace one dimension's rows of a version, e.g. accuracy once an audit is scored."""
    replace_rows(conn, "main", METRICS_TABLE, _COLUMNS,
                 {"dataset": dataset, "version": check_version(version), "dimension": dimension},
                 _metric_rows(dataset, version, metrics, measured_at))
