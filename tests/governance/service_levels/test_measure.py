"""Per-version measurements and the error budget, against hand computations."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from governance.labeling.spec import labeling_spec
from governance.service_levels.measure import (
    Evaluation,
    error_budget,
    item_turnaround_seconds,
    measure_arrival,
    measure_availability,
    measure_latency,
    p90,
    quantile,
)
from governance.service_levels.spec import service_levels

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_latency_includes_every_second_from_arrival_to_delivery(contracts) -> None:
    levels = service_levels(contracts["support_tickets"])  # 6 h target
    ok = measure_latency(levels, "v1", T0, T0 + timedelta(hours=5, minutes=59))
    assert (ok.observed, ok.target, ok.passed) == (21540.0, 21600.0, True)
    late = measure_latency(levels, "v2", T0, T0 + timedelta(hours=6, seconds=1))
    assert (late.observed, late.passed) == (21601.0, False)


def test_arrival_gap_against_frequency_plus_grace(contracts) -> None:
    levels = service_levels(contracts["support_tickets"])  # 1 d + 12 h grace
    arrivals = {"v1": T0, "v2": T0 + timedelta(hours=36), "v4": T0 + timedelta(hours=72, seconds=1)}
    assert measure_arrival(levels, "v1", arrivals) is None  # nothing before the first
    on_time = measure_arrival(levels, "v2", arrivals)
    assert on_time is not None and on_time.passed and on_time.observed == 36 * 3600
    # v3 was removed (retention): v4's gap runs from v2, the newest version before it.
    late = measure_arrival(levels, "v4", arrivals)
    assert late is not None and not late.passed
    assert (late.observed, late.target) == (36 * 3600 + 1, 36 * 3600)


def test_availability_by_nine_amsterdam(contracts) -> None:
    levels = service_levels(contracts["support_tickets"])
    # 01:00 UTC = 02:00 Amsterdam, before the 03:00 cutoff: due 08:00 UTC the same day.
    on_time = measure_availability(levels, "v1", T0, datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    assert on_time.passed and on_time.target == 7 * 3600
    late = measure_availability(levels, "v1", T0, datetime(2026, 12, 2, 8, 0, 1, tzinfo=UTC))
    assert not late.passed


def test_quantiles_interpolate_like_pandas() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert p90(values) == 46.0           # 40 + 0.6 * 10
    assert quantile(values, 0.5) == 30.0
    assert quantile([7.0], 0.95) == 7.0
    assert math.isnan(p90([]))


def test_item_turnaround_runs_from_first_start_to_last_finish(contracts) -> None:
    spec = labeling_spec(contracts["support_ticket_labels"])
    assert spec is not None
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA s")
    conn.execute("CREATE TABLE s.validated (_version VARCHAR, item_id VARCHAR, "
                 "started_at TIMESTAMP, finished_at TIMESTAMP)")
    conn.executemany("INSERT INTO s.validated VALUES (?, ?, ?, ?)", [
        ("v1", "T-000001", "2026-12-01 10:00:00", "2026-12-01 10:01:00"),
        ("v1", "T-000001", "2026-12-01 12:00:00", "2026-12-01 12:00:30"),  # last finish
        ("v1", "T-000002", "2026-12-01 09:00:00", "2026-12-01 09:00:45"),
        ("v2", "T-000003", "2026-12-01 09:00:00", "2026-12-03 09:00:00"),  # other version
    ])
    seconds = sorted(item_turnaround_seconds(conn, ("s", "validated"), spec, "v1"))
    assert seconds == [45.0, 2 * 3600 + 30.0]


def _evals(*rows: tuple[str, float, bool]) -> list[Evaluation]:
    return [Evaluation(v, T0 + timedelta(days=d), ok) for v, d, ok in rows]


def test_error_budget_by_hand() -> None:
    now = T0 + timedelta(days=30)
    evaluations = _evals(
        ("v1", 0.5, False),   # outside the 28-day window (day 2 starts it)
        ("v2", 3, True), ("v3", 4, False), ("v4", 5, True), ("v5", 6, True),
        ("v6", 7, False), ("v6", 8, True),   # re-run of v6 passed: its latest counts
        *[(f"v{n}", 10 + n / 10, True) for n in range(7, 27)],
    )
    budget = error_budget(evaluations, 0.9, timedelta(days=28), now)
    # In the window: v2..v26 = 25 versions, one breach (v3); allowed = 0.1 * 25 = 2.5.
    assert budget.evaluated == 25
    assert budget.breaches == 1
    assert budget.allowed == pytest.approx(2.5)
    assert budget.remaining == pytest.approx((2.5 - 1) / 2.5)
    assert not budget.exhausted


def test_error_budget_overspent_and_strict_objective() -> None:
    now = T0 + timedelta(days=10)
    evaluations = _evals(("v1", 1, False), ("v2", 2, False), ("v3", 3, True), ("v4", 4, True))
    budget = error_budget(evaluations, 0.75, timedelta(days=28), now)
    assert (budget.evaluated, budget.breaches, budget.allowed) == (4, 2, 1.0)
    assert budget.remaining == pytest.approx(-1.0)   # spent twice over
    assert budget.exhausted
    strict = error_budget(evaluations, 1.0, timedelta(days=28), now)
    assert (strict.allowed, strict.remaining, strict.exhausted) == (0.0, 0.0, True)
    clean = error_budget(evaluations[2:], 1.0, timedelta(days=28), now)
    assert (clean.remaining, clean.exhausted) == (1.0, False)
    empty = error_budget([], 0.95, timedelta(days=28), now)
    assert (empty.evaluated, empty.remaining) == (0, 1.0)
