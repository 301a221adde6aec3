"""Evaluate one version: rules through the right engine, metrics, and check outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from governance.contracts import DatasetContract
from governance.quality import pandera_engine, sql_engine
from governance.quality.metrics import (
    OVERALL,
    Metric,
    accuracy_metrics,
    freshness_metrics,
    rule_dimension_metrics,
    write_metrics,
)
from governance.quality.outcomes import CheckOutcome, write_outcomes
from governance.quality.results import QualityReport, RuleResult
from governance.quality.rules import QualitySpec
from governance.storage import count_rows

# Up to this many rows the reference Pandera engine runs on pandas; above it the same
# rules run as one DuckDB scan, which needs no pandas copy of the table.
PANDERA_MAX_ROWS = 250_000
TARGETS_CHECK = "quality_targets"


@dataclass
class VersionQuality:
    """Everything measured about one version."""

    report: QualityReport
    metrics: list[Metric]
    outcomes: list[CheckOutcome]
    newest_record: datetime | None

    def family_results(self, spec: QualitySpec, family: str) -> list[RuleResult]:
        """Rule results of one family."""
        return self.report.family(spec.family_rules(family))

    def dimension(self, name: str) -> Metric:
        """The overall metric of a dimension."""
        return next(m for m in self.metrics if m.dimension == name and m.column == OVERALL)

    @property
    def missed_targets(self) -> list[Metric]:
        """Overall metrics that miss their contract target."""
        return [m for m in self.metrics if m.column == OVERALL and m.passed is False]


def run_rules(conn: duckdb.DuckDBPyConnection, table: str, version: str,
              contract: DatasetContract, spec: QualitySpec,
              pandera_max_rows: int = PANDERA_MAX_ROWS) -> QualityReport:
    """Run every rule with Pandera when the version fits in memory, else in DuckDB."""
    if count_rows(conn, table, version) <= pandera_max_rows:
        frame = pandera_engine.load_frame(conn, table, version, contract.column_names)
        return pandera_engine.validate_frame(frame, contract, spec)
    return sql_engine.validate_table(conn, table, version, spec)


def evaluate_version(conn: duckdb.DuckDBPyConnection, table: str, version: str,
                     contract: DatasetContract, spec: QualitySpec, arrived_at: datetime,
                     reference: Path | None, now: datetime,
                     pandera_max_rows: int = PANDERA_MAX_ROWS) -> VersionQuality:
    """Run the rules, measure every dimension and record both (inside a transaction)."""
    report = run_rules(conn, table, version, contract, spec, pandera_max_rows)
    metrics = rule_dimension_metrics(conn, table, version, contract, spec)
    fresh, newest = freshness_metrics(conn, table, version, contract, arrived_at, now)
    metrics += fresh + accuracy_metrics(conn, table, version, spec, reference)
    outcomes = []
    for family in spec.families:
        results = report.family(spec.family_rules(family))
        failures = sum(r.failures for r in results)
        outcomes.append(CheckOutcome(family, spec.severity[family], spec.blocking(family),
                                     failures == 0, report.rows, failures))
    quality = VersionQuality(report, metrics, outcomes, newest)
    missed = quality.missed_targets
    outcomes.append(CheckOutcome(TARGETS_CHECK, "warning", False, not missed, report.rows,
                                 len(missed)))
    write_metrics(conn, contract.name, version, metrics, now)
    write_outcomes(conn, contract.name, version, outcomes, now)
    return quality
