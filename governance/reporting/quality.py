"""Quality section: each bounded dimension per dataset this week, the week before and over
the 8-week baseline against its target, and the check families that failed most."""

from __future__ import annotations

import duckdb

from governance.reporting.model import QualityRow, WorstRule
from governance.reporting.period import Period, utc_naive
from governance.reporting.sql import rows

# Shares between 0 and 1 where higher is better; freshness (hours) is a service level.
DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "accuracy")
WORST_RULES = 5


def quality_rows(conn: duckdb.DuckDBPyConnection, period: Period) -> list[QualityRow]:
    """Mean dataset-level value per dimension in each window (versions measured in it)."""
    start, prev, base, end = (utc_naive(t) for t in (
        period.start, period.previous_start, period.baseline_start, period.as_of))
    marks = ", ".join("?" for _ in DIMENSIONS)
    found = rows(conn, f"""
        SELECT dataset, dimension, max(target),
               avg(value) FILTER (WHERE measured_at > ? AND measured_at <= ?),
               avg(value) FILTER (WHERE measured_at > ? AND measured_at <= ?),
               avg(value) FILTER (WHERE measured_at > ? AND measured_at <= ?)
        FROM main.quality_metrics
        WHERE "column" = '*' AND dimension IN ({marks}) AND measured_at > ? AND measured_at <= ?
        GROUP BY dataset, dimension""",
                 [start, end, prev, start, base, start, *DIMENSIONS, base, end])
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    out = [QualityRow(ds, dim, target, this, before, baseline)
           for ds, dim, target, this, before, baseline in found]
    return sorted(out, key=lambda r: (r.dataset, order[r.dimension]))


def worst_rules(conn: duckdb.DuckDBPyConnection, period: Period) -> list[WorstRule]:
    """The check families with most failing rows in the week."""
    found = rows(conn, """
        SELECT dataset, check_name, sum(failures), count(DISTINCT version)
        FROM main.check_results
        WHERE NOT passed AND evaluated_at > ? AND evaluated_at <= ?
        GROUP BY dataset, check_name
        ORDER BY sum(failures) DESC, dataset, check_name LIMIT ?""",
                 [utc_naive(period.start), utc_naive(period.as_of), WORST_RULES])
    return [WorstRule(ds, check, int(n), int(v)) for ds, check, n, v in found]
