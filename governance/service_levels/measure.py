"""Per-version service-level measurements and the error budget over a rolling window.

Plain functions of times and figures: the Dagster checks feed them the raw store's arrival
times, the instance's materialization times and the labeling batch tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from governance.identifiers import qualified, quote_ident
from governance.labeling.spec import LabelingSpec
from governance.service_levels.spec import ServiceLevels
from governance.tables import LABELING_BATCHES, VERSION_COL, version_number


@dataclass(frozen=True)
class Measurement:
    """One version measured against one service level."""

    slo: str
    version: str
    observed: float      # seconds, labels per hour or an amount (see `unit`)
    target: float
    passed: bool
    unit: str            # "s", "labels/h" or a currency code


def latency_seconds(arrived: datetime, delivered: datetime) -> float:
    """Seconds from raw arrival to the delivered materialization (both aware)."""
    return (delivered - arrived).total_seconds()


def measure_latency(levels: ServiceLevels, version: str, arrived: datetime,
                    delivered: datetime) -> Measurement:
    """Latency of a delivered version against the contract's latency target."""
    assert levels.latency is not None
    seconds = latency_seconds(arrived, delivered)
    target = levels.latency.total_seconds()
    return Measurement("latency", version, seconds, target, seconds <= target, "s")


def previous_arrival(arrivals: Mapping[str, datetime], version: str) -> datetime | None:
    """The arrival of the newest version numbered below `version` (None for the first)."""
    number = version_number(version)
    earlier = [v for v in arrivals if version_number(v) < number]
    return arrivals[max(earlier, key=version_number)] if earlier else None


def measure_arrival(levels: ServiceLevels, version: str,
                    arrivals: Mapping[str, datetime]) -> Measurement | None:
    """The gap since the previous version's arrival against frequency + grace.

    None for a dataset's first version: there is no cadence to judge yet. A gap shorter
    than the frequency is fine (an early batch is not a breach)."""
    assert levels.frequency is not None
    before = previous_arrival(arrivals, version)
    if before is None:
        return None
    gap = (arrivals[version] - before).total_seconds()
    target = (levels.frequency + levels.grace).total_seconds()
    return Measurement("frequency", version, gap, target, gap <= target, "s")


def measure_availability(levels: ServiceLevels, version: str, arrived: datetime,
                         delivered: datetime) -> Measurement:
    """Seconds delivered before (negative: after) the timeOfAvailability deadline.

    observed is the delivery's distance from arrival and target the deadline's, so both
    read as durations since arrival; passed when delivered no later than the deadline."""
    assert levels.availability is not None
    deadline = levels.availability.deadline(arrived)
    observed = (delivered - arrived).total_seconds()
    target = (deadline - arrived).total_seconds()
    return Measurement("timeOfAvailability", version, observed, target, delivered <= deadline,
                       "s")


def item_turnaround_seconds(conn: duckdb.DuckDBPyConnection, table: tuple[str, str],
                            spec: LabelingSpec, version: str) -> list[float]:
    """Per item: seconds from its first label's start to its last label's finish.

    That is how long the item waited until it had all its labels (and could get a
    consensus label); table is the (schema, table) of the version's validated rows."""
    item = quote_ident(spec.column("item"))
    started, finished = quote_ident(spec.column("startedAt")), quote_ident(
        spec.column("finishedAt"))
    rows = conn.execute(
        f"SELECT date_diff('millisecond', min({started}), max({finished})) / 1000.0 "
        f"FROM {qualified(*table)} WHERE {quote_ident(VERSION_COL)} = ? "
        f"AND {started} IS NOT NULL AND {finished} IS NOT NULL GROUP BY {item}",
        [version]).fetchall()
    return [float(r[0]) for r in rows]


def labeling_figures(conn: duckdb.DuckDBPyConnection, dataset: str,
                     version: str) -> dict[str, float] | None:
    """labels_per_hour and cost_per_item of a batch from labeling_batches (None if absent)."""
    try:
        row = conn.execute(
            f"SELECT labels_per_hour, cost_per_item FROM {qualified('main', LABELING_BATCHES)} "
            "WHERE dataset = ? AND version = ?", [dataset, version]).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    return {"labels_per_hour": _float(row[0]), "cost_per_item": _float(row[1])}


def _float(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def p90(values: Iterable[float]) -> float:
    """The 90th percentile with linear interpolation (as pandas' quantile); NaN when empty."""
    return quantile(values, 0.9)


def quantile(values: Iterable[float], q: float) -> float:
    """The q-quantile with linear interpolation between the closest ranks; NaN when empty."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of a service level for a version, as recorded by its check."""

    version: str
    at: datetime
    passed: bool


@dataclass(frozen=True)
class ErrorBudget:
    """The error budget of one service level over the rolling window ending at `now`."""

    evaluated: int          # versions evaluated in the window (latest evaluation each)
    breaches: int
    allowed: float          # (1 - objective) * evaluated
    remaining: float        # share of the budget left: 1 untouched, 0 spent, < 0 overspent
    window: timedelta
    objective: float

    @property
    def exhausted(self) -> bool:
        """True when more versions breached than the objective allows."""
        return self.breaches > self.allowed


def error_budget(evaluations: Iterable[Evaluation], objective: float, window: timedelta,
                 now: datetime) -> ErrorBudget:
    """Budget over (now - window, now]: a re-evaluated version counts once (its latest)."""
    latest: dict[str, Evaluation] = {}
    for e in evaluations:
        if now - window < e.at <= now and (e.version not in latest
                                           or e.at >= latest[e.version].at):
            latest[e.version] = e
    evaluated = len(latest)
    breaches = sum(not e.passed for e in latest.values())
    allowed = (1 - objective) * evaluated
    # Objective 1 (or nothing evaluated) allows no breach at all: untouched or spent.
    remaining = ((allowed - breaches) / allowed if allowed > 0
                 else 1.0 if breaches == 0 else 0.0)
    return ErrorBudget(evaluated, breaches, allowed, remaining, window, objective)
