"""Headline and operations figures: versions received and what became of them, first-pass
yield, service-level attainment and error budget, drift, refresh requests and incidents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb

from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshRequest
from governance.incidents.model import RESOLVED, Incident
from governance.reporting.model import (
    BLOCKED,
    DELIVERED,
    FAILED,
    CauseCount,
    DatasetFlow,
    Headline,
    Operations,
    RunOutcome,
    SloEvaluation,
)
from governance.reporting.period import Period, utc_naive
from governance.reporting.sql import rows
from governance.service_levels.measure import Evaluation, error_budget
from governance.service_levels.spec import service_levels


def flows(contracts: list[DatasetContract], arrivals: dict[str, list], period: Period,
          outcomes: list[RunOutcome]) -> list[DatasetFlow]:
    """Per dataset: versions whose batch arrived in the week, and the week's run outcomes."""
    out = []
    for contract in sorted(contracts, key=lambda c: c.name):
        mine = [o for o in outcomes if o.dataset == contract.name]
        out.append(DatasetFlow(
            contract.name, sum(period.in_week(at) for at in arrivals.get(contract.name, [])),
            sum(o.status == DELIVERED for o in mine), sum(o.status == BLOCKED for o in mine),
            sum(o.status == FAILED for o in mine)))
    return out


def _latest(evaluations: Iterable[SloEvaluation]) -> dict[tuple[str, str, str], SloEvaluation]:
    latest: dict[tuple[str, str, str], SloEvaluation] = {}
    for e in sorted(evaluations, key=lambda e: e.at):
        latest[(e.dataset, e.check, e.version)] = e
    return latest


def headline(flow: list[DatasetFlow], outcomes: list[RunOutcome],
             evaluations: list[SloEvaluation], contracts: list[DatasetContract],
             period: Period) -> Headline:
    """The headline: counts, first-pass yield, service-level attainment, budget left."""
    week = [e for e in _latest(e for e in evaluations if period.in_week(e.at)).values()]
    attainment = sum(e.passed for e in week) / len(week) if week else None
    by_name = {c.name: c for c in contracts}
    budgets: dict[str, float] = {}
    for (dataset, check) in sorted({(e.dataset, e.check) for e in evaluations}):
        if dataset not in by_name:
            continue
        mine = [e for e in evaluations if (e.dataset, e.check) == (dataset, check)]
        levels = service_levels(by_name[dataset])
        objective = levels.objective(mine[0].slo)
        budget = error_budget([Evaluation(e.version, e.at, e.passed) for e in mine],
                              objective.objective, levels.window, period.as_of)
        if budget.evaluated:
            budgets[f"{dataset}: {mine[0].slo}"] = budget.remaining
    tightest = min(budgets, key=lambda k: (budgets[k], k)) if budgets else None
    return Headline(
        received=sum(f.received for f in flow), delivered=sum(f.delivered for f in flow),
        blocked=sum(f.blocked for f in flow), failed=sum(f.failed for f in flow),
        first_pass_yield=(sum(o.first_run_delivered for o in outcomes) / len(outcomes)
                          if outcomes else None),
        slo_attainment=attainment,
        error_budget_left=budgets[tightest] if tightest else None,
        error_budget_tightest=tightest)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def operations(conn: duckdb.DuckDBPyConnection, period: Period, incidents: list[Incident],
               requests: list[RefreshRequest]) -> Operations:
    """Drift verdicts, refresh requests and incidents of the week, with MTTA and MTTR."""
    drifted = rows(conn, "SELECT count(*) FROM main.drift_summary WHERE dataset_drift AND "
                   "measured_at > ? AND measured_at <= ?",
                   [utc_naive(period.start), utc_naive(period.as_of)])
    raised = sum(period.in_week(_aware(r.requested_at)) for r in requests)
    opened = [i for i in incidents if period.in_week(i.opened_at)]
    acked = [i for i in incidents if period.in_week(i.acknowledged_at)]
    resolved = [i for i in incidents if i.state == RESOLVED and period.in_week(i.resolved_at)]
    causes = Counter(i.cause or "(none given)" for i in resolved)
    return Operations(
        drifted_versions=int(drifted[0][0]) if drifted else 0, refresh_requests=raised,
        incidents_opened=len(opened), incidents_resolved=len(resolved),
        incidents_active=sum(i.active for i in incidents),
        mtta_seconds=_mean([(i.acknowledged_at - i.opened_at).total_seconds() for i in acked
                            if i.acknowledged_at]),
        mttr_seconds=_mean([(i.resolved_at - i.opened_at).total_seconds() for i in resolved
                            if i.resolved_at]),
        causes=tuple(CauseCount(c, n) for c, n in sorted(causes.items())))


def _aware(text: str) -> datetime:
    """A stored ISO time as an aware time (naive times are UTC)."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
