"""Pipeline health per ISO week, from plain run and step records.

The Dagster side (dataops_assets/service_levels/assets.py) reads the records from the
instance's run records and event log; the arithmetic lives here so it is tested by hand.

Definitions:
- a run is `delivered`, `blocked` (refused by a blocking check or the delivery gate: the
  pipeline did its job and stopped bad data) or `failed` (anything else, e.g. a bug or a
  lost worker). Run success rate = (runs - failed) / runs; blocked runs are counted
  separately, never as failures.
- a run, its steps and its versions belong to the ISO week in which the run started (UTC).
- received: versions whose first pipeline run started that week; delivered: versions with
  a delivered run that week; blocked: versions with a blocked run and no delivered run
  that week.
- first-pass yield: of the versions received that week, the share delivered by their first
  run and never run again (no re-materialization).
- retries: extra step attempts (attempts - 1, summed over steps).
- writer-pool wait: per step, from the first "blocked by the pool" engine event to the step's
  start; in-process runs execute steps one by one and never wait, so they show 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from governance.service_levels.measure import quantile

DELIVERED, BLOCKED, FAILED = "delivered", "blocked", "failed"
OUTCOMES = (DELIVERED, BLOCKED, FAILED)


@dataclass(frozen=True)
class RunRecord:
    """One pipeline run of a dataset version."""

    run_id: str
    version: str
    outcome: str          # delivered, blocked or failed
    started: datetime     # aware, UTC


@dataclass(frozen=True)
class StepRecord:
    """One step of a run: its stage, how long it ran, how often, how long it queued."""

    run_id: str
    stage: str
    seconds: float
    attempts: int = 1
    pool_wait_seconds: float = 0.0


@dataclass(frozen=True)
class StageStats:
    """Step durations of one stage in one week."""

    steps: int
    p50_seconds: float
    p95_seconds: float


@dataclass(frozen=True)
class WeekHealth:
    """Health of one dataset's pipeline in one ISO week."""

    week: str                       # e.g. "2026-W49"
    runs: int
    delivered_runs: int
    blocked_runs: int
    failed_runs: int
    received: int
    delivered: int
    blocked: int
    first_pass: int
    retries: int
    pool_wait_seconds: float
    stages: dict[str, StageStats] = field(default_factory=dict)

    @property
    def success_rate(self) -> float:
        """Share of runs that did not fail (delivered or rightly blocked); NaN without runs."""
        return (self.runs - self.failed_runs) / self.runs if self.runs else math.nan

    @property
    def first_pass_yield(self) -> float:
        """Share of the week's received versions delivered by their only run."""
        return self.first_pass / self.received if self.received else math.nan


def iso_week(at: datetime) -> str:
    """The ISO week of a time, as 2026-W49."""
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_health(runs: Iterable[RunRecord], steps: Iterable[StepRecord]) -> list[WeekHealth]:
    """Health per ISO week, oldest first."""
    runs = sorted(runs, key=lambda r: (r.started, r.run_id))
    bad = [r.outcome for r in runs if r.outcome not in OUTCOMES]
    if bad:
        raise ValueError(f"unknown run outcome {bad[0]!r}; use {', '.join(OUTCOMES)}")
    week_of = {r.run_id: iso_week(r.started) for r in runs}
    by_version: dict[str, list[RunRecord]] = defaultdict(list)
    for r in runs:
        by_version[r.version].append(r)
    weeks: dict[str, list[RunRecord]] = defaultdict(list)
    for r in runs:
        weeks[week_of[r.run_id]].append(r)
    week_steps: dict[str, list[StepRecord]] = defaultdict(list)
    for s in steps:
        if s.run_id in week_of:
            week_steps[week_of[s.run_id]].append(s)
    out = []
    for week in sorted(weeks):
        these = weeks[week]
        first_runs = [rs[0] for rs in by_version.values() if week_of[rs[0].run_id] == week]
        delivered = {r.version for r in these if r.outcome == DELIVERED}
        blocked = {r.version for r in these if r.outcome == BLOCKED} - delivered
        durations: dict[str, list[float]] = defaultdict(list)
        for s in week_steps[week]:
            durations[s.stage].append(s.seconds)
        out.append(WeekHealth(
            week=week, runs=len(these),
            delivered_runs=sum(r.outcome == DELIVERED for r in these),
            blocked_runs=sum(r.outcome == BLOCKED for r in these),
            failed_runs=sum(r.outcome == FAILED for r in these),
            received=len(first_runs), delivered=len(delivered), blocked=len(blocked),
            first_pass=sum(r.outcome == DELIVERED and len(by_version[r.version]) == 1
                           for r in first_runs),
            retries=sum(max(s.attempts - 1, 0) for s in week_steps[week]),
            pool_wait_seconds=sum(s.pool_wait_seconds for s in week_steps[week]),
            stages={stage: StageStats(len(d), quantile(d, 0.5), quantile(d, 0.95))
                    for stage, d in sorted(durations.items())}))
    return out


def _num(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def weeks_table(weeks: list[WeekHealth]) -> str:
    """One Markdown row per week."""
    lines = ["| week | runs | delivered | blocked | failed | success rate | received | "
             "versions delivered | versions blocked | first-pass yield | retries | "
             "pool wait (s) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for w in weeks:
        lines.append(f"| {w.week} | {w.runs} | {w.delivered_runs} | {w.blocked_runs} | "
                     f"{w.failed_runs} | {_num(w.success_rate, 3)} | {w.received} | "
                     f"{w.delivered} | {w.blocked} | {_num(w.first_pass_yield, 3)} | "
                     f"{w.retries} | {_num(w.pool_wait_seconds, 1)} |")
    return "\n".join(lines)


def stages_table(weeks: list[WeekHealth]) -> str:
    """One Markdown row per week and stage: step count and duration p50/p95."""
    lines = ["| week | stage | steps | p50 (s) | p95 (s) |", "| --- | --- | ---: | ---: | ---: |"]
    for w in weeks:
        for stage, s in w.stages.items():
            lines.append(f"| {w.week} | {stage} | {s.steps} | {_num(s.p50_seconds, 3)} | "
                         f"{_num(s.p95_seconds, 3)} |")
    return "\n".join(lines)
