"""The portal's pages made from records: incidents, the retention plan, the audit trail.

Only identifiers, states, dates, counts and team names are published: no incident summary
or note (people type into those), no legal-hold reason, no data value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from governance.audit import AuditLog, AuditLogError, audit_path
from governance.audit_sign import Checkpoint, trusted_public_key_from_env
from governance.audit_verify import TrailReport, verify_trail
from governance.contracts import DatasetContract
from governance.holds import HoldBook
from governance.incidents.book import IncidentBook
from governance.incidents.model import Incident
from governance.portal.documents import Page, escape_cell
from governance.rawstore import RawStore
from governance.retention import retention_plan
from governance.settings import Layout
from governance.warehouse import open_warehouse

NOT_MEASURED = "-"


def _day(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else NOT_MEASURED


def incident_rows(incidents: Sequence[Incident], postmortems: set[str]) -> list[str]:
    """One table row per incident; the id links to its post-mortem when there is one."""
    rows = []
    for i in incidents:
        ident = f"[{i.id}](../postmortems/{i.id}.md)" if i.id in postmortems else i.id
        cells = [i.dataset, i.type, i.severity, i.state, i.owner, ", ".join(i.versions),
                 _day(i.opened_at), i.cause or NOT_MEASURED]
        rows.append("| " + " | ".join([ident, *map(escape_cell, cells)]) + " |")
    return rows


def incidents_page(layout: Layout, contracts: Mapping[str, DatasetContract],
                   postmortems: set[str]) -> Page:
    """Every incident from the operations store, in id order."""
    book = IncidentBook(layout, contracts)
    incidents = book.list() if layout.incidents_db.is_file() else []
    lines = ["# Incidents\n"]
    if not incidents:
        lines.append("No incident has been opened.")
    else:
        active = sum(i.active for i in incidents)
        lines += [f"{len(incidents)} incident(s), {active} still active. The owner is the "
                  "dataset's owner team; a linked id has a post-mortem.\n",
                  "| id | dataset | type | severity | state | owner | versions | opened | "
                  "cause |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
                  *incident_rows(incidents, postmortems)]
    return Page("incidents.md", "Incidents", "\n".join(lines) + "\n")


def retention_page(layout: Layout, contracts: Mapping[str, DatasetContract],
                   now: datetime) -> Page:
    """What retention removes when, per dataset version and scope, and the legal holds."""
    holds = HoldBook(layout.holds_file)
    store = RawStore(layout.raw_dir)
    rows = []
    with open_warehouse(layout).reader() as conn:
        for name in sorted(contracts):
            for item in retention_plan(contracts[name], store.versions(name), holds, conn):
                status = ("done" if item.done else "held" if item.held
                          else "DUE" if item.due_at <= now.replace(tzinfo=None) else "pending")
                rows.append("| " + " | ".join(escape_cell(c) for c in (
                    item.dataset, item.version, "whole version" if item.scope == "*"
                    else item.scope, item.action, f"{item.due_at:%Y-%m-%d}", status,
                    item.legal_basis)) + " |")
    lines = ["# Retention plan\n", f"As of {_day(now)}: every retention deadline of every "
             "stored version, soonest first (`dataops retention plan`).\n"]
    if rows:
        lines += ["| dataset | version | scope | action | due | status | legal basis |",
                  "| --- | --- | --- | --- | --- | --- | --- |", *rows]
    else:
        lines.append("No version is stored yet.")
    lines += ["", "## Legal holds\n", "Held versions are never purged. The reason of each "
              "hold is kept in the data directory, not published here.\n"]
    held = holds.list()
    if held:
        lines += ["| dataset | version | placed |", "| --- | --- | --- |"]
        lines += [f"| {escape_cell(h.dataset)} | {escape_cell(h.version)} | "
                  f"{escape_cell(h.placed_at[:10])} |" for h in held]
    else:
        lines.append("No legal hold is in place.")
    return Page("retention.md", "Retention plan", "\n".join(lines) + "\n")


def audit_page(layout: Layout, witnessed: Sequence[Checkpoint] | None,
               now: datetime) -> tuple[Page, TrailReport]:
    """The audit trail's verification: chain, signatures and witness, as `audit verify`."""
    log = AuditLog(audit_path(layout.data_dir))
    report = verify_trail(log, trusted_public_key_from_env(), witnessed)
    try:
        entries = log.entries()
    except AuditLogError:
        entries = []  # a damaged line: the report names it
    last = entries[-1] if entries else None
    verdict = "**verified**" if report.ok else "**NOT verified**"
    lines = ["# Audit trail\n", f"Checked {_day(now)}: {verdict}.\n",
             "| | |", "| --- | --- |",
             f"| Result | {'intact' if report.ok else 'BROKEN'} |",
             f"| Entries | {report.entries} |",
             f"| Head (hash of the last entry) | `{last.hash if last else NOT_MEASURED}` |",
             f"| Last entry | {escape_cell(last.at) if last else NOT_MEASURED} |",
             f"| Signed | {'yes, key ' + report.key_id if report.signed else 'no'} |",
             f"| Signed checkpoints verified | {report.checkpoints} |",
             "| Witnessed checkpoints compared | "
             f"{NOT_MEASURED if report.witnessed is None else report.witnessed} |", "",
             "```text", report.summary(), "```"]
    return Page("audit.md", "Audit trail", "\n".join(lines) + "\n"), report
