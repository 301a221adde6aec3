"""The incident book: opens, attaches, moves and measures incidents in the operations store.

One incident per (dataset, key) at a time. While it is active (open, acknowledged, assigned)
or waived, a signal with a new version attaches to it; the same version again is "known"
(the sensor may see an event twice). Once resolved, the next failure opens a new incident.

Waivers: a waived incident stays waived until its expiry. After that it counts as active
again: the next `record` for its key, or the next escalation pass (`reopen_expired`), moves it
back to the state it had before the waiver (acknowledged or assigned if someone had taken it,
else open) with a `reopened` event, and escalation carries on with the steps not yet sent.

Every transition writes an `incident_events` row and an audit-trail entry (action
"incident") in one SQLite transaction; the audit entry holds ids, states, causes and counts.
Notes and waiver reasons are typed by people: before they are stored, e-mail addresses and
runs of 6+ digits are replaced by "[removed]" (the audit trail's own rule for what may be
personal), so no store, outbox or post-mortem repeats a personal value typed by mistake.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from governance.audit import AuditLog, audit_path
from governance.contract_model import DatasetContract
from governance.errors import GovernanceError, UnknownDatasetError
from governance.identifiers import check_version
from governance.incidents.model import (
    ACKNOWLEDGED,
    ACTIVE_STATES,
    ASSIGNED,
    INCIDENT_TYPES,
    OPEN,
    RESOLVED,
    SEVERITIES,
    WAIVED,
    Incident,
    IncidentEvent,
    Signal,
)
from governance.incidents.policy import IncidentPolicy, incident_policy
from governance.incidents.store import (
    OperationsStore,
    event_from_row,
    incident_from_row,
    insert_event,
    iso,
    next_incident_id,
    upsert_incident,
)
from governance.settings import Layout
from governance.tables import INCIDENT_EVENTS, INCIDENTS, NOTIFICATIONS

AUDIT_ACTION = "incident"
SYSTEM = "system"
MAX_TEXT = 500
_REMOVED = "[removed]"
_EMAIL = re.compile(r"\S+@\S+")
_DIGITS = re.compile(r"[0-9]{6,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Keys and assignees go into the audit trail: short names, no '@'.
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,79}")
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
_SEVERITY_RANK = {s: i for i, s in enumerate(reversed(SEVERITIES))}


class IncidentError(GovernanceError):
    """An incident command cannot be carried out (unknown id, wrong state, bad input)."""


class UnknownIncidentError(IncidentError):
    """No incident has this id."""


class IncidentStateError(IncidentError):
    """The incident's state does not allow this step (e.g. resolving a resolved incident)."""


class WaiverError(IncidentError):
    """A waiver needs a reason and an expiry in the future."""


@dataclass(frozen=True)
class ResponseTimes:
    """Mean time to acknowledge and to resolve, for one dataset and cause.

    `cause` is the resolution cause, "(waived)" for waived incidents and "(unresolved)"
    for active ones. MTTA counts every incident someone acknowledged (resolving or waiving
    acknowledges too); MTTR counts resolved incidents only: a waiver is not a resolution.
    """

    dataset: str
    cause: str
    incidents: int
    acknowledged: int
    mtta_seconds: float | None
    resolved: int
    mttr_seconds: float | None


def scrub(text: str) -> str:
    """People's text made safe to store: no e-mail addresses, digit runs or line breaks."""
    clean = _DIGITS.sub(_REMOVED, _EMAIL.sub(_REMOVED, text or ""))
    return _CONTROL.sub(" ", clean).strip()[:MAX_TEXT]


def _now(at: datetime | None) -> datetime:
    at = at or datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _before_waiver(incident: Incident) -> str:
    if incident.acknowledged_at is None:
        return OPEN
    return ASSIGNED if incident.assignee else ACKNOWLEDGED


class IncidentBook:
    """Incidents of every dataset, stored in the data directory's operations database."""

    def __init__(self, layout: Layout, contracts: Mapping[str, DatasetContract],
                 audit: AuditLog | None = None) -> None:
        self.layout = layout
        self.contracts = dict(contracts)
        self.store = OperationsStore(layout)
        self.audit = audit if audit is not None else AuditLog(audit_path(layout.data_dir))
        self._policies: dict[str, IncidentPolicy] = {}

    def policy(self, dataset: str) -> IncidentPolicy:
        """The incident policy of a dataset's contract."""
        if dataset not in self._policies:
            if dataset not in self.contracts:
                raise UnknownDatasetError(f"no contract defines dataset {dataset!r}")
            self._policies[dataset] = incident_policy(self.contracts[dataset])
        return self._policies[dataset]

    # -- writing -----------------------------------------------------------------------

    def log(self, conn: sqlite3.Connection, incident: Incident, action: str, actor: str,
             at: datetime, version: str | None = None, detail: str = "",
             **extra: str | int | None) -> IncidentEvent:
        """Write the event row and the audit entry of one transition (inside `conn`'s
        transaction); returns the event."""
        event = insert_event(conn, IncidentEvent(incident.id, 0, at, action, actor,
                                                 incident.state, version, detail))
        # Inside the SQLite transaction: an audit refusal rolls the transition back. The
        # entry carries the wall clock (when it was written), the event the step's time.
        self.audit.append(AUDIT_ACTION, incident.dataset, version,
                          {"incident": incident.id, "event": action, "state": incident.state,
                           "severity": incident.severity, "key": incident.key,
                           "versions": len(incident.versions), **extra},
                          actor=actor)
        return event

    def _check_signal(self, signal: Signal) -> None:
        self.policy(signal.dataset)
        if signal.version is not None:
            check_version(signal.version)
        if not _KEY.fullmatch(signal.key):
            raise IncidentError(f"signal key {signal.key!r} is not a check or service-level "
                                "name (letters, digits, _ . : / -, at most 80)")
        if signal.type not in INCIDENT_TYPES or signal.severity not in SEVERITIES:
            raise IncidentError(f"signal type {signal.type!r} or severity "
                                f"{signal.severity!r} is unknown")

    def record(self, signal: Signal, actor: str = "sensor") -> tuple[Incident, str]:
        """Open an incident for a signal, attach its version, or say it is known already."""
        self._check_signal(signal)
        at = _now(signal.at)
        with self.store.write() as conn:
            # A replayed signal (a reset sensor cursor, the demo's tick then the daemon's) of
            # a version that an earlier, now resolved incident already holds.
            seen = self._seen(conn, signal)
            if seen is not None:
                return incident_from_row(seen), "known"
            row = conn.execute(f"SELECT * FROM {INCIDENTS} WHERE dataset = ? AND key = ? AND "
                               "state <> ?", [signal.dataset, signal.key, RESOLVED]).fetchone()
            if row is None:
                incident = Incident(
                    id=next_incident_id(conn), dataset=signal.dataset, key=signal.key,
                    type=signal.type, severity=signal.severity, state=OPEN,
                    owner=self.policy(signal.dataset).owner,
                    versions=(signal.version,) if signal.version else (),
                    summary=scrub(signal.summary), opened_at=at, evidence=signal.evidence)
                upsert_incident(conn, incident)
                self.log(conn, incident, "opened", actor, at, signal.version)
                return incident, "opened"
            incident = incident_from_row(row)
            if incident.state == WAIVED and incident.waived_until and incident.waived_until <= at:
                incident = self._reopen(conn, incident, at)
            if signal.version is None or signal.version in incident.versions:
                return incident, "known"
            severity = max(incident.severity, signal.severity, key=_SEVERITY_RANK.__getitem__)
            incident = replace(incident, versions=(*incident.versions, signal.version),
                               severity=severity,
                               evidence=tuple(dict.fromkeys((*incident.evidence,
                                                             *signal.evidence))))
            upsert_incident(conn, incident)
            self.log(conn, incident, "attached", actor, at, signal.version)
            return incident, "attached"

    @staticmethod
    def _seen(conn: sqlite3.Connection, signal: Signal) -> sqlite3.Row | None:
        """The resolved incident of the signal's key that already answered it: one holding
        its version, or for a signal without a version (a missing batch, whose `at` is the
        missed deadline) one opened at or after that deadline."""
        rows = conn.execute(f"SELECT * FROM {INCIDENTS} WHERE dataset = ? AND key = ? AND "
                            "state = ? ORDER BY id", [signal.dataset, signal.key, RESOLVED])
        if signal.version is None:
            deadline = _now(signal.at)
            return next((r for r in rows if incident_from_row(r).opened_at >= deadline), None)
        return next((r for r in rows if signal.version in json.loads(r["versions"])), None)

    def _reopen(self, conn: sqlite3.Connection, incident: Incident, at: datetime) -> Incident:
        reopened = replace(incident, state=_before_waiver(incident), resolved_at=None,
                           waived_until=None)
        upsert_incident(conn, reopened)
        self.log(conn, reopened, "reopened", SYSTEM, at, detail="the waiver expired")
        return reopened

    def reopen_expired(self, now: datetime | None = None) -> list[Incident]:
        """Every waived incident whose waiver has ended goes back to its earlier state."""
        at = _now(now)
        with self.store.write() as conn:
            rows = conn.execute(f"SELECT * FROM {INCIDENTS} WHERE state = ? AND waived_until "
                                "<= ? ORDER BY id", [WAIVED, iso(at)]).fetchall()
            return [self._reopen(conn, incident_from_row(r), at) for r in rows]

    def passed(self, dataset: str, key: str, version: str, at: datetime) -> Incident | None:
        """A passing re-run: resolves the key's incident only where the policy allows it."""
        cause = self.policy(dataset).auto_resolve.get(key)
        check_version(version)
        if cause is None:
            return None
        at = _now(at)
        with self.store.write() as conn:
            row = conn.execute(f"SELECT * FROM {INCIDENTS} WHERE dataset = ? AND key = ? AND "
                               "state <> ?", [dataset, key, RESOLVED]).fetchone()
            if row is None:
                return None
            incident = incident_from_row(row)
            # An older version passing says nothing about the newest failing one.
            newest = max((int(v[1:]) for v in incident.versions), default=0)
            if int(version[1:]) < newest:
                return None
            incident = replace(incident, state=RESOLVED, resolved_at=at, cause=cause,
                               resolution_note=f"a re-run of {version} passed", waived_until=None)
            upsert_incident(conn, incident)
            self.log(conn, incident, "auto_resolved", SYSTEM, at, version,
                      detail=f"{version} passed", cause=cause)
            return incident

    def _transition(self, incident_id: str, actor: str, at: datetime | None, action: str,
                    allowed: tuple[str, ...], change: dict[str, object], detail: str = "",
                    **extra: str | int | None) -> Incident:
        at = _now(at)
        with self.store.write() as conn:
            incident = self._load(conn, incident_id)
            if incident.state not in allowed:
                raise IncidentStateError(_refusal(incident, action))
            if at < incident.opened_at:
                raise IncidentError(f"{incident.id} opened at {iso(incident.opened_at)}; a "
                                    f"step cannot happen before that ({iso(at)})")
            values = {k: (at if v is _AT else v) for k, v in change.items()}
            if values.pop("_acknowledge", False) and incident.acknowledged_at is None:
                values["acknowledged_at"] = at
            incident = replace(incident, **values)
            upsert_incident(conn, incident)
            self.log(conn, incident, action, actor, at, detail=detail, **extra)
            return incident

    def acknowledge(self, incident_id: str, actor: str, at: datetime | None = None) -> Incident:
        """Someone has seen the incident: escalation stops; the clock of MTTA stops."""
        return self._transition(incident_id, actor, at, "acknowledged", (OPEN,),
                                {"state": ACKNOWLEDGED, "_acknowledge": True})

    def assign(self, incident_id: str, to: str, actor: str,
               at: datetime | None = None) -> Incident:
        """Give the incident to a person (acknowledging it if it was still open)."""
        if not isinstance(to, str) or not _USER.fullmatch(to):
            raise IncidentError(f"assign to a user name (letters, digits, _ . -), not {to!r}")
        return self._transition(incident_id, actor, at, "assigned", ACTIVE_STATES,
                                {"state": ASSIGNED, "assignee": to, "_acknowledge": True},
                                to=to)

    def resolve(self, incident_id: str, cause: str | None, note: str, actor: str,
                at: datetime | None = None) -> Incident:
        """Close the incident with a cause from the dataset's taxonomy and a note."""
        with self.store.read() as conn:
            incident = self._load(conn, incident_id)
        cause = self.policy(incident.dataset).check_cause(cause)
        return self._transition(incident_id, actor, at, "resolved", (*ACTIVE_STATES, WAIVED),
                                {"state": RESOLVED, "cause": cause, "resolved_at": _AT,
                                 "resolution_note": scrub(note), "waived_until": None,
                                 "_acknowledge": True}, cause=cause)

    def waive(self, incident_id: str, reason: str, until: datetime | None, actor: str,
              at: datetime | None = None) -> Incident:
        """Accept the problem for now: a reason and an expiry after which it is active again."""
        now, why = _now(at), scrub(reason)
        if not why:
            raise WaiverError("a waiver needs a reason (--reason): say why the problem may "
                              "stay for now")
        if until is None or _now(until) <= now:
            raise WaiverError(f"a waiver needs an expiry after now ({iso(now)}): --until "
                              "the date it must be looked at again")
        return self._transition(incident_id, actor, now, "waived", (*ACTIVE_STATES, WAIVED),
                                {"state": WAIVED, "resolution_note": why, "resolved_at": _AT,
                                 "waived_until": _now(until), "_acknowledge": True},
                                detail=f"until {iso(_now(until))}",
                                until=_now(until).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    # -- reading -----------------------------------------------------------------------

    def _load(self, conn: sqlite3.Connection, incident_id: str) -> Incident:
        row = conn.execute(f"SELECT * FROM {INCIDENTS} WHERE id = ?", [incident_id]).fetchone()
        if row is None:
            raise UnknownIncidentError(f"no incident {incident_id!r}; `dataops incident list` "
                                       "shows them all")
        return incident_from_row(row)

    def get(self, incident_id: str) -> Incident:
        """One incident by id."""
        with self.store.read() as conn:
            return self._load(conn, incident_id)

    def list(self, state: str | None = None, dataset: str | None = None) -> list[Incident]:
        """Incidents in id order, optionally of one state and/or dataset."""
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if dataset is not None:
            where.append("dataset = ?")
            params.append(dataset)
        sql = f"SELECT * FROM {INCIDENTS}" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self.store.read() as conn:
            rows = conn.execute(sql + " ORDER BY CAST(substr(id, 5) AS INTEGER)",
                                params).fetchall()
        return [incident_from_row(r) for r in rows]

    def notifications(self, incident_id: str) -> list[dict[str, object]]:
        """Every notification of an incident (step, channel, recipient, status), in order."""
        with self.store.read() as conn:
            rows = conn.execute(f"SELECT * FROM {NOTIFICATIONS} WHERE incident_id = ? "
                                "ORDER BY at, step, channel", [incident_id]).fetchall()
        return [dict(r) for r in rows]

    def events(self, incident_id: str) -> list[IncidentEvent]:
        """Every transition of an incident, in order."""
        with self.store.read() as conn:
            self._load(conn, incident_id)
            rows = conn.execute(f"SELECT * FROM {INCIDENT_EVENTS} WHERE incident_id = ? "
                                "ORDER BY seq", [incident_id]).fetchall()
        return [event_from_row(r) for r in rows]

    def response_times(self, dataset: str | None = None) -> list[ResponseTimes]:
        """MTTA and MTTR in seconds per dataset and cause (see ResponseTimes)."""
        groups: dict[tuple[str, str], list[Incident]] = {}
        for incident in self.list(dataset=dataset):
            cause = (incident.cause if incident.state == RESOLVED else
                     "(waived)" if incident.state == WAIVED else "(unresolved)")
            groups.setdefault((incident.dataset, cause or "(unresolved)"), []).append(incident)
        out = []
        for (name, cause), items in sorted(groups.items()):
            acks = [(i.acknowledged_at - i.opened_at).total_seconds()
                    for i in items if i.acknowledged_at is not None]
            fixes = [(i.resolved_at - i.opened_at).total_seconds()
                     for i in items if i.state == RESOLVED and i.resolved_at is not None]
            out.append(ResponseTimes(name, cause, len(items), len(acks),
                                     sum(acks) / len(acks) if acks else None, len(fixes),
                                     sum(fixes) / len(fixes) if fixes else None))
        return out


# Stands for "the transition's time" in a change mapping.
_AT = object()


def _refusal(incident: Incident, action: str) -> str:
    """Why a step is refused, in the words of the incident's state."""
    verb = {"acknowledged": "acknowledge", "assigned": "assign", "resolved": "resolve",
            "waived": "waive"}.get(action, action)
    if incident.state == RESOLVED:
        return (f"{incident.id} is already resolved (cause: {incident.cause}); cannot {verb} "
                "it. A new failure of the same check opens a new incident")
    if incident.state == WAIVED:
        until = iso(incident.waived_until) if incident.waived_until else "?"
        return (f"{incident.id} is waived until {until}; cannot {verb} it. Resolve it, or "
                "wait for the waiver to end")
    return f"{incident.id} is {incident.state} already; cannot {verb} it again"
