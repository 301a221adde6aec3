"""Risks and decisions needed: open high-severity incidents, quality below target, labeling
cost over target, labeling budgets forecast to overrun, waivers ending within 7 days and
guideline changes to decide on; each with its owner."""

from __future__ import annotations

from governance.contracts import DatasetContract
from governance.incidents.model import HIGH, WAIVED, Incident
from governance.planning.budget import BudgetStatus
from governance.reporting.model import GuidelineProposal, LabelingRow, QualityRow, Risk
from governance.reporting.period import WAIVER_AHEAD, Period


def risks(period: Period, contracts: list[DatasetContract], incidents: list[Incident],
          quality: list[QualityRow], labeling: list[LabelingRow],
          proposals: list[GuidelineProposal] | None = None,
          budgets: list[BudgetStatus] | None = None) -> list[Risk]:
    """Every risk the rules find: incidents, quality, budgets, waivers, guideline changes."""
    owners = {c.name: c.owner_team for c in contracts}
    out = [Risk("incident", i.id, f"{i.dataset}: {i.key} ({i.type}, {i.state} since "
                f"{i.opened_at:%Y-%m-%d}); versions {', '.join(i.versions) or '-'}", i.owner)
           for i in sorted(incidents, key=lambda i: i.id)
           if i.active and i.severity == HIGH and i.opened_at <= period.as_of]
    out += [Risk("quality", q.dataset, f"{q.dimension} {q.this_week:.2%} below target "
                 f"{q.target:.2%} this week", owners.get(q.dataset, "-"))
            for q in quality if q.below_target]
    out += [Risk("budget", row.dataset, f"labeling cost {row.cost_per_item:.3f} "
                 f"{row.currency} per item over target {row.cost_target:g} {row.currency}",
                 owners.get(row.dataset, "-")) for row in labeling if row.over_budget]
    # The forecast at completion, as the labeling_budget_on_track check judges it (P50).
    out += [Risk("budget", b.dataset, f"labeling budget forecast to overrun: "
                 f"{b.eac_p50:,.2f} {b.budget.currency} at completion (P50; P90 "
                 f"{b.eac_p90:,.2f}) against {b.budget.amount:,.2f} for "
                 f"{b.budget.start}..{b.budget.end}", owners.get(b.dataset, "-"))
            for b in budgets or [] if not b.on_track]
    out += [Risk("waiver", i.id, f"{i.dataset}: waiver of {i.key} ends "
                 f"{i.waived_until:%Y-%m-%d %H:%M %Z}; decide: resolve, extend or let it "
                 "reopen", i.owner)
            for i in sorted(incidents, key=lambda i: i.id)
            if i.state == WAIVED and i.waived_until is not None
            and period.as_of < i.waived_until <= period.as_of + WAIVER_AHEAD]
    # A drafted guideline change needs the labeling program owner's decision.
    out += [Risk("guideline", f"{p.dataset} {p.version}", f"decide on clarifying rule "
                 f"\"{p.rule}\": {p.label_a}/{p.label_b} holds {p.errors} errors "
                 f"({p.share:.0%}) by {p.annotators} annotators (guidelines "
                 f"{p.guidelines_version})", owners.get(p.dataset, "-"))
            for p in proposals or []]
    return out
