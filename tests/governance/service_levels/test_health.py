"""Weekly pipeline health from plain run and step records, against hand computations."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from governance.service_levels.health import (
    RunRecord,
    StepRecord,
    iso_week,
    stages_table,
    weekly_health,
    weeks_table,
)

MON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of 2026-W49


def _run(run_id: str, version: str, outcome: str, days: float) -> RunRecord:
    return RunRecord(run_id, version, outcome, MON + timedelta(days=days))


RUNS = [
    _run("r1", "v1", "delivered", 0),
    _run("r2", "v2", "blocked", 1),
    _run("r3", "v3", "failed", 2),
    _run("r4", "v3", "delivered", 3),     # v3 re-run the same week: not first pass
    _run("r5", "v4", "delivered", 7),     # next week
    _run("r6", "v2", "delivered", 8),     # v2 fixed and re-run next week
]
STEPS = [
    StepRecord("r1", "intake", 10.0), StepRecord("r1", "delivered", 40.0),
    StepRecord("r2", "intake", 20.0), StepRecord("r3", "intake", 30.0, attempts=3),
    StepRecord("r4", "intake", 40.0), StepRecord("r4", "delivered", 60.0,
                                                 pool_wait_seconds=12.5),
    StepRecord("r5", "intake", 5.0),
    StepRecord("r6", "intake", 7.0, attempts=2, pool_wait_seconds=1.5),
    StepRecord("unknown-run", "intake", 99.0),
]


def test_weeks_by_hand() -> None:
    first, second = weekly_health(RUNS, STEPS)
    assert (first.week, second.week) == ("2026-W49", "2026-W50")
    assert (first.runs, first.delivered_runs, first.blocked_runs, first.failed_runs) == (
        4, 2, 1, 1)
    assert first.success_rate == 0.75           # the blocked run is not a failure
    assert (first.received, first.delivered, first.blocked) == (3, 2, 1)
    assert first.first_pass == 1                # only v1: v2 blocked, v3 needed two runs
    assert first.first_pass_yield == pytest.approx(1 / 3)
    assert first.retries == 2
    assert first.pool_wait_seconds == 12.5
    intake = first.stages["intake"]
    assert (intake.steps, intake.p50_seconds) == (4, 25.0)   # 10 20 30 40
    assert intake.p95_seconds == pytest.approx(38.5)        # 30 + 0.85 * (40 - 30)
    assert first.stages["delivered"].p50_seconds == 50.0
    # Week 2: v4 new and first pass; v2 is delivered but was received in week 1.
    assert (second.runs, second.received, second.delivered, second.blocked) == (2, 1, 2, 0)
    assert (second.first_pass, second.success_rate) == (1, 1.0)
    assert (second.retries, second.pool_wait_seconds) == (1, 1.5)


def test_no_runs_and_bad_outcomes() -> None:
    assert weekly_health([], []) == []
    with pytest.raises(ValueError, match="unknown run outcome 'skipped'"):
        weekly_health([_run("r1", "v1", "skipped", 0)], [])


def test_iso_week_crosses_the_year() -> None:
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"


def test_tables_show_every_week_and_stage() -> None:
    weeks = weekly_health(RUNS, STEPS)
    table = weeks_table(weeks)
    assert "| 2026-W49 | 4 | 2 | 1 | 1 | 0.750 | 3 | 2 | 1 | 0.333 | 2 | 12.5 |" in table
    assert "| 2026-W50 | 2 | 2 | 0 | 0 | 1.000 | 1 | 2 | 0 | 1.000 | 1 | 1.5 |" in table
    stages = stages_table(weeks)
    assert "| 2026-W49 | intake | 4 | 25.000 | 38.500 |" in stages
    assert "| 2026-W50 | delivered |" not in stages


def test_a_week_of_only_reruns_has_no_first_pass_yield() -> None:
    runs = [_run("r1", "v1", "blocked", 0), _run("r2", "v1", "delivered", 7)]
    _, rerun_week = weekly_health(runs, [])
    assert (rerun_week.received, rerun_week.delivered) == (0, 1)
    assert math.isnan(rerun_week.first_pass_yield)
