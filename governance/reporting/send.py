"""Send the weekly report to the recipients the contracts name: ODCS `support` entries with
`scope: announcements` and an e-mail tool, one message per address however many contracts
name it, through the incident notifier (so every send is also an outbox line)."""

from __future__ import annotations

from datetime import datetime

from governance.contracts import DatasetContract
from governance.incidents.notify import Delivery, Message, Notifier
from governance.incidents.policy import EMAIL_TOOL, SupportChannel, incident_policy
from governance.reporting.model import WeeklyReport
from governance.reporting.render import pct

ANNOUNCEMENTS = "announcements"
REPORT_STEP = "weekly report"
ALL_DATASETS = "*"


def recipients(contracts: list[DatasetContract]) -> list[SupportChannel]:
    """The announcement e-mail channels of the contracts, one per address, by address."""
    found: dict[str, SupportChannel] = {}
    for contract in sorted(contracts, key=lambda c: c.name):
        for channel in incident_policy(contract).channels:
            if channel.scope == ANNOUNCEMENTS and channel.tool == EMAIL_TOOL and channel.email:
                found.setdefault(channel.email, channel)
    return [found[k] for k in sorted(found)]


def report_message(report: WeeklyReport, html: str) -> Message:
    """The report as a notification: headline in the subject and text, the page as HTML."""
    h = report.headline
    subject = (f"Weekly status report {report.period.name}: {h.received} received, "
               f"{h.delivered} delivered, {h.blocked} blocked, {h.failed} failed")
    text = "\n".join([
        f"Weekly status report {report.period.name} ({report.period.label}).",
        f"Versions received {h.received}, delivered {h.delivered}, blocked {h.blocked}, "
        f"failed {h.failed}.",
        f"First-pass yield {pct(h.first_pass_yield)}; service-level attainment "
        f"{pct(h.slo_attainment)}; error budget left {pct(h.error_budget_left)}.",
        f"Risks and decisions needed: {len(report.risks)}. The full report is attached as "
        "HTML and in the governance portal.",
    ])
    return Message(report.period.name, ALL_DATASETS, REPORT_STEP, subject, text, html)


def send_report(notifier: Notifier, report: WeeklyReport, html: str,
                contracts: list[DatasetContract], at: datetime) -> list[Delivery]:
    """Send the report to every announcement address; each send is recorded in the outbox."""
    message = report_message(report, html)
    return [notifier.deliver(message, channel, (), at) for channel in recipients(contracts)]
