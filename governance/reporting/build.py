"""Assemble the weekly report from the warehouse, the operations store, the data directory's
files and what the Dagster instance handed in (run outcomes, service-level evaluations)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from governance.audit import AuditLog, audit_path
from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshLedger
from governance.holds import HoldBook
from governance.incidents.book import IncidentBook
from governance.planning.budget import contract_budget_status
from governance.rawstore import RawStore
from governance.reporting.labeling import labeling_rows, vendor_spend, week_proposals
from governance.reporting.model import RunOutcome, SloEvaluation, WeeklyReport
from governance.reporting.operations import flows, headline, operations
from governance.reporting.period import Period
from governance.reporting.privacy import privacy
from governance.reporting.quality import quality_rows, worst_rules
from governance.reporting.risks import risks
from governance.settings import Layout
from governance.warehouse import open_warehouse


def build_report(data_dir: Path, contracts: list[DatasetContract], period: Period,
                 outcomes: list[RunOutcome], evaluations: list[SloEvaluation]) -> WeeklyReport:
    """The weekly report of a data directory as of `period.as_of`."""
    layout = Layout(Path(data_dir))
    contracts = sorted(contracts, key=lambda c: c.name)
    store = RawStore(layout.raw_dir)
    raw = {c.name: store.versions(c.name) for c in contracts}
    arrivals = {name: [v.arrived for v in versions] for name, versions in raw.items()}
    holds = HoldBook(layout.holds_file)
    incidents = IncidentBook(layout, {c.name: c for c in contracts}).list()
    requests = RefreshLedger(layout.refresh_requests_file).list()
    trail = audit_path(layout.data_dir)
    entries = AuditLog(trail).entries(action="refuse") if trail.exists() else []
    week = [o for o in outcomes if period.in_week(o.ended_at)]
    flow = flows(contracts, arrivals, period, week)
    with open_warehouse(layout).reader() as conn:
        quality = quality_rows(conn, period)
        labeling = labeling_rows(conn, contracts, period)
        report = WeeklyReport(
            period=period, headline=headline(flow, week, evaluations, contracts, period),
            flows=tuple(flow), quality=tuple(quality), worst_rules=tuple(worst_rules(conn, period)),
            privacy=privacy(conn, contracts, period, raw, holds, entries),
            labeling=tuple(labeling), vendors=tuple(vendor_spend(conn, period)),
            operations=operations(conn, period, incidents, requests),
            proposals=tuple(week_proposals(conn, contracts, period)))
        budgets = [b for c in contracts if (b := contract_budget_status(conn, c)) is not None]
    return replace(report, risks=tuple(risks(period, contracts, incidents, quality, labeling,
                                             list(report.proposals), budgets)))
