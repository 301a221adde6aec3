"""`dataops incident`: list, show, acknowledge, assign, resolve, waive and escalate incidents."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dataops_assets.auditing import audit_log
from dataops_assets.cli._common import add_verb, dagster_instance
from dataops_assets.incidents.resources import notifier_from_env
from governance.contracts import load_contracts
from governance.errors import GovernanceError
from governance.identifiers import check_dataset_name
from governance.incidents.book import IncidentBook
from governance.incidents.escalation import escalate
from governance.incidents.model import STATES, Incident
from governance.incidents.store import iso
from governance.principals import os_user
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env


def _book(writes: bool = True) -> IncidentBook:
    """The data directory's incident book; one that writes signs and witnesses its audit
    entries (a reader does not open the Dagster instance for nothing)."""
    data_dir = data_dir_from_env()
    contracts = {c.name: c for c in load_contracts(contracts_dir_from_env())}
    return IncidentBook(Layout(data_dir), contracts, audit_log(data_dir) if writes else None)


def _when(text: str | None, flag: str) -> datetime | None:
    """An ISO date or timestamp as aware UTC (no offset means UTC); None when not given."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise GovernanceError(f"{flag} {text!r} is not a date; write it like 2026-05-01 or "
                              "2026-05-01T14:30") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def incident_dict(incident: Incident) -> dict[str, Any]:
    """An incident as JSON-ready data (times as ISO 8601 UTC)."""
    out = asdict(incident)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = iso(value)
        elif isinstance(value, tuple):
            out[key] = list(value)
    return out


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 1440}d {minutes % 1440 // 60}h {minutes % 60:02d}m" \
        if minutes >= 1440 else f"{minutes // 60}h {minutes % 60:02d}m"


def _line(i: Incident, now: datetime) -> str:
    state = i.state
    if i.waived_until is not None:
        state += f" until {iso(i.waived_until)}" + (" (expired)" if i.waived_until <= now
                                                     else "")
    who = f", assigned to {i.assignee}" if i.assignee else ""
    return (f"{i.id}  {i.dataset}  {i.key}  [{i.severity} {i.type}]  {state}{who}  "
            f"versions {','.join(i.versions) or '-'}  owner {i.owner}  opened "
            f"{iso(i.opened_at)}")


def cmd_list(args: argparse.Namespace) -> int:
    """List incidents, optionally of one state or dataset."""
    dataset = check_dataset_name(args.dataset) if args.dataset else None
    incidents = _book(writes=False).list(state=args.state, dataset=dataset)
    if args.json:
        print(json.dumps([incident_dict(i) for i in incidents], indent=2, sort_keys=True))
        return 0
    if not incidents:
        print("no incidents")
    now = datetime.now(UTC)
    for incident in incidents:
        print(_line(incident, now))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """One incident with its events and notifications."""
    book = _book(writes=False)
    incident = book.get(args.id)
    events, notes = book.events(args.id), book.notifications(args.id)
    if args.json:
        data = incident_dict(incident)
        data["events"] = [{**asdict(e), "at": iso(e.at)} for e in events]
        data["notifications"] = notes
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    print(_line(incident, datetime.now(UTC)))
    print(f"  summary: {incident.summary}")
    if incident.cause or incident.resolution_note:
        print(f"  cause: {incident.cause or '-'}; note: {incident.resolution_note or '-'}")
    for e in incident.evidence:
        print(f"  evidence: {e.kind} {e.ref}" + (f" ({e.version})" if e.version else "")
              + (f": {e.note}" if e.note else ""))
    print("  events:")
    for e in events:
        print(f"    {e.seq}. {iso(e.at)} {e.action} by {e.actor} -> {e.state}"
              + (f" ({e.version})" if e.version else "") + (f": {e.detail}" if e.detail else ""))
    if notes:
        print("  notifications:")
    for n in notes:
        print(f"    {n['at']} step {n['step']} {n['channel']} ({n['tool']}): {n['status']}"
              + (f", {n['detail']}" if n["detail"] else ""))
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    """Acknowledge an incident."""
    incident = _book().acknowledge(args.id, os_user(), _when(args.as_of, "--as-of"))
    print(f"{incident.id} acknowledged; escalation stops")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    """Assign an incident to a user."""
    incident = _book().assign(args.id, args.to, os_user(), _when(args.as_of, "--as-of"))
    print(f"{incident.id} assigned to {incident.assignee}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    """Resolve an incident with a cause and a note."""
    incident = _book().resolve(args.id, args.cause, args.note, os_user(),
                               _when(args.as_of, "--as-of"))
    print(f"{incident.id} resolved: {incident.cause}")
    if incident.resolution_note != args.note.strip():
        print("note: e-mail addresses and long digit runs were removed from the note")
    return 0


def cmd_waive(args: argparse.Namespace) -> int:
    """Waive an incident until a date, with a reason."""
    incident = _book().waive(args.id, args.reason, _when(args.until, "--until"), os_user(),
                             _when(args.as_of, "--as-of"))
    until = iso(incident.waived_until) if incident.waived_until else "?"
    print(f"{incident.id} waived until {until}; it becomes active again then")
    return 0


def cmd_escalate(args: argparse.Namespace) -> int:
    """One escalation pass, as the incident sensor runs it."""
    book = _book()
    now = _when(args.as_of, "--as-of") or datetime.now(UTC)
    taken = escalate(book, None, now, notifier_from_env(book.layout.data_dir))
    if not taken:
        print(f"nothing to escalate as of {iso(now)}")
    for step in taken:
        kind = "escalated" if step.escalated else "notified"
        outcome = ", ".join(f"{d.channel}: {d.status}" for d in step.deliveries)
        print(f"{step.incident_id} {step.dataset} {kind} (step {step.step}): {outcome}")
    return 0


def cmd_times(args: argparse.Namespace) -> int:
    """Mean time to acknowledge and to resolve, per dataset and cause."""
    dataset = check_dataset_name(args.dataset) if args.dataset else None
    rows = _book(writes=False).response_times(dataset)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2, sort_keys=True))
        return 0
    if not rows:
        print("no incidents")
        return 0
    print(f"{'dataset':<24}{'cause':<28}{'incidents':>10}{'acked':>7}{'MTTA':>13}"
          f"{'resolved':>10}{'MTTR':>13}")
    for r in rows:
        print(f"{r.dataset:<24}{r.cause:<28}{r.incidents:>10}{r.acknowledged:>7}"
              f"{_duration(r.mtta_seconds):>13}{r.resolved:>10}{_duration(r.mttr_seconds):>13}")
    return 0


def cmd_postmortem(args: argparse.Namespace) -> int:
    """Draft the post-mortem of an incident (Markdown and HTML)."""
    # Imported here: the post-mortem module reads the Dagster instance, the warehouse and
    # lineage, which the other subcommands do not need to load.
    from dataops_assets.incidents.postmortem import write_postmortem

    book = _book(writes=False)
    incident = book.get(args.id)
    markdown, html = write_postmortem(book.layout.data_dir, dagster_instance(), incident,
                                      book.events(args.id),
                                      Path(args.out) if args.out else None)
    print(f"post-mortem of {incident.id}: {markdown} and {html}")
    return 0


def _sub(subs: argparse._SubParsersAction, name: str, func: Any, help: str, description: str,
         examples: list[str], as_of: bool = False) -> argparse.ArgumentParser:
    parser = add_verb(subs, name, help=help, description=description,
                      examples=[f"dataops incident {e}" for e in examples])
    if name not in ("list", "escalate", "times"):
        parser.add_argument("id", metavar="ID", help="the incident id, e.g. INC-0001")
    if as_of:
        parser.add_argument("--as-of", help="ISO date or timestamp to act at (default: now; "
                            "for tests and back-filling)")
    parser.set_defaults(func=func)
    return parser


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops incident` and its subcommands."""
    verb = add_verb(
        subparsers, "incident", help="incidents: list, acknowledge, resolve, escalate",
        description="Incidents are opened by the incident sensor from blocking check "
        "failures, failed runs, breached service levels, missing batches and drift refresh "
        "requests, one per dataset and check. Acknowledge, assign, resolve (with a cause from "
        "the contract's taxonomy) or waive them here; each step is recorded with its time and "
        "in the audit trail.",
        examples=["dataops incident list --state open", "dataops incident ack INC-0001",
                  "dataops incident resolve INC-0001 --cause 'schema change' --note 'new "
                  "column from the help desk export'"],
        exit_codes=["0  done", "2  refused (unknown incident, a step the state does not "
                    "allow, a cause not in the taxonomy)"])
    subs = verb.add_subparsers(dest="incident_command", required=True)
    p = _sub(subs, "list", cmd_list, "list incidents", "Lists incidents, newest last.",
             ["list", "list --state open --dataset support_tickets --json"])
    p.add_argument("--state", choices=STATES)
    p.add_argument("--dataset")
    p.add_argument("--json", action="store_true", help="a JSON list of incidents")
    p = _sub(subs, "show", cmd_show, "show one incident",
             "Shows an incident with its events and notifications.", ["show INC-0001"])
    p.add_argument("--json", action="store_true")
    _sub(subs, "ack", cmd_ack, "acknowledge an incident",
         "Acknowledges an open incident: escalation stops.", ["ack INC-0001"], as_of=True)
    p = _sub(subs, "assign", cmd_assign, "assign an incident to a user",
             "Assigns an incident (acknowledging it if still open).",
             ["assign INC-0001 --to alice"], as_of=True)
    p.add_argument("--to", required=True, help="the user name of the assignee")
    p = _sub(subs, "resolve", cmd_resolve, "resolve an incident with a cause",
             "Resolves an incident. The cause must be in the dataset's taxonomy (the "
             "defaults plus the contract's incidents.causes); the note says what was done.",
             ["resolve INC-0001 --cause 'upstream source change' --note 'export fixed'"],
             as_of=True)
    p.add_argument("--cause", help="one of the dataset's causes (refused if missing)")
    p.add_argument("--note", required=True)
    p = _sub(subs, "waive", cmd_waive, "waive an incident until a date",
             "Accepts a problem for now, with a reason; after --until the incident is "
             "active again.", ["waive INC-0002 --reason 'known vendor delay' --until 2026-06-01"],
             as_of=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--until", required=True, help="ISO date or timestamp, in the future")
    _sub(subs, "escalate", cmd_escalate, "run one escalation pass",
         "Notifies the support channels of every open incident whose escalation delay has "
         "passed without acknowledgement, as the incident sensor does; each step is sent "
         "once per channel.", ["escalate", "escalate --as-of 2026-05-01T12:00"], as_of=True)
    p = _sub(subs, "times", cmd_times, "mean time to acknowledge and to resolve",
             "MTTA and MTTR per dataset and cause.", ["times", "times --json"])
    p.add_argument("--dataset")
    p.add_argument("--json", action="store_true")
    p = _sub(subs, "postmortem", cmd_postmortem, "draft an incident's post-mortem",
             "Drafts the post-mortem (Markdown and HTML) from the event log, the audit "
             "trail, the warehouse and lineage.", ["postmortem INC-0001 --out pm.md"])
    p.add_argument("--out", help="the Markdown file to write (the HTML goes beside it)")
