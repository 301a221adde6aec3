"""The operations store: incidents, their events, notifications and consent records in one
SQLite database.

Why SQLite and not the warehouse: incidents are written by the incident sensor (the daemon),
by `dataops incident` and by runs, at the same time. warehouse.duckdb allows one writer
process; SQLite in WAL mode with a busy timeout lets several processes each write a few rows
safely, and readers never wait for a writer. Every write is one `BEGIN IMMEDIATE` transaction
(the write lock is taken at the start), so a transition and its event row land together and
two processes never allocate the same incident id.

The tables are declared once, in the registry (governance/tables.py, `store=OPERATIONS`);
their DDL is generated here from the registry's columns.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from governance.identifiers import check_column_name, quote_ident
from governance.incidents.model import Evidence, Incident, IncidentEvent
from governance.settings import Layout
from governance.tables import (
    CONSENT_RECORDS,
    INCIDENT_EVENTS,
    INCIDENTS,
    NOTIFICATIONS,
    OPERATIONS,
    Table,
    store_tables,
)

# Seconds a writer waits for another's transaction before giving up (they last milliseconds).
BUSY_TIMEOUT = 30.0
_SQLITE_TYPES = {"VARCHAR": "TEXT", "TIMESTAMP": "TEXT", "BIGINT": "INTEGER",
                 "DOUBLE": "REAL", "BOOLEAN": "INTEGER"}
# Keys the registry's (name, type) columns cannot say.
_KEYS = {
    INCIDENTS: "PRIMARY KEY (id)",
    INCIDENT_EVENTS: "PRIMARY KEY (incident_id, seq)",
    # The same escalation step is never sent twice on the same channel.
    NOTIFICATIONS: "UNIQUE (incident_id, step, channel)",
    # The same record imported twice is held once (governance/consent/ledger.py).
    CONSENT_RECORDS: "UNIQUE (dataset, purpose, subject_hash, state, consent_at)",
}
# At most one incident per (dataset, key) that is not resolved: a safety net under the
# book's own lookup, in case two writers raced past it.
_INDEXES = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS one_unresolved_per_key ON {quote_ident(INCIDENTS)} "
    "(dataset, key) WHERE state <> 'resolved'",
    # Consent history is append-only: a record is never changed or removed once made.
    *(f"CREATE TRIGGER IF NOT EXISTS consent_records_no_{verb.lower()} BEFORE {verb} ON "
      f"{quote_ident(CONSENT_RECORDS)} BEGIN SELECT RAISE(ABORT, 'consent records are "
      "append-only'); END" for verb in ("UPDATE", "DELETE")),
)


def table_ddl(entry: Table) -> str:
    """CREATE TABLE for one operations table, from its registry columns."""
    assert entry.columns is not None and entry.store == OPERATIONS
    cols = [f"{quote_ident(check_column_name(name))} {_SQLITE_TYPES[kind]}"
            for name, kind in entry.columns]
    if entry.name in _KEYS:
        cols.append(_KEYS[entry.name])
    return f"CREATE TABLE IF NOT EXISTS {quote_ident(entry.name)} ({', '.join(cols)})"


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the database to WAL. The switch needs the database to itself: while another
    process creates the schema on its first use, SQLite answers "locked" at once instead of
    waiting (the busy timeout does not cover it), so the switch is retried up to the same
    timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class OperationsStore:
    """The SQLite database under <data_dir>/operations, created on first use."""

    def __init__(self, layout: Layout) -> None:
        self.path = layout.incidents_db
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: this code says BEGIN and COMMIT itself, nothing implicit.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        if not self._ready:
            _use_wal(conn)
            conn.execute("BEGIN IMMEDIATE")
            for entry in store_tables(OPERATIONS):
                conn.execute(table_ddl(entry))
            for index in _INDEXES:
                conn.execute(index)
            conn.execute("COMMIT")
            self._ready = True
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading (a consistent snapshot per statement)."""
        with closing(self._connect()) as conn:
            yield conn

    def exists(self) -> bool:
        """True once anything was recorded."""
        return Path(self.path).is_file()


def iso(at: datetime) -> str:
    """A time as stored: ISO 8601 in UTC to the second (naive times are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(text: str | None) -> datetime | None:
    """A stored time back as an aware datetime (None stays None)."""
    return datetime.fromisoformat(text) if text else None


def incident_from_row(row: sqlite3.Row) -> Incident:
    """An `incidents` row as the shared model."""
    opened = parse_time(row["opened_at"])
    assert opened is not None
    return Incident(
        id=row["id"], dataset=row["dataset"], key=row["key"], type=row["type"],
        severity=row["severity"], state=row["state"], owner=row["owner"],
        versions=tuple(json.loads(row["versions"])), summary=row["summary"], opened_at=opened,
        assignee=row["assignee"], acknowledged_at=parse_time(row["acknowledged_at"]),
        resolved_at=parse_time(row["resolved_at"]), cause=row["cause"],
        resolution_note=row["resolution_note"], waived_until=parse_time(row["waived_until"]),
        evidence=tuple(Evidence(**e) for e in json.loads(row["evidence"] or "[]")))


def incident_values(incident: Incident) -> dict[str, object]:
    """The shared model as an `incidents` row (column -> value)."""
    return {
        "id": incident.id, "dataset": incident.dataset, "key": incident.key,
        "type": incident.type, "severity": incident.severity, "state": incident.state,
        "owner": incident.owner, "versions": json.dumps(list(incident.versions)),
        "summary": incident.summary, "opened_at": iso(incident.opened_at),
        "assignee": incident.assignee,
        "acknowledged_at": iso(incident.acknowledged_at) if incident.acknowledged_at else None,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
        "cause": incident.cause, "resolution_note": incident.resolution_note,
        "waived_until": iso(incident.waived_until) if incident.waived_until else None,
        "evidence": json.dumps([asdict(e) for e in incident.evidence], sort_keys=True),
    }


def event_from_row(row: sqlite3.Row) -> IncidentEvent:
    """An `incident_events` row as the shared model."""
    at = parse_time(row["at"])
    assert at is not None
    return IncidentEvent(row["incident_id"], row["seq"], at, row["action"], row["actor"],
                         row["state"], row["version"], row["detail"] or "")


def upsert_incident(conn: sqlite3.Connection, incident: Incident) -> None:
    """Write an incident's row whole (insert, or replace the row with the same id)."""
    values = incident_values(incident)
    names = ", ".join(quote_ident(c) for c in values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f"INSERT OR REPLACE INTO {quote_ident(INCIDENTS)} ({names}) VALUES ({marks})",
                 list(values.values()))


def insert_event(conn: sqlite3.Connection, event: IncidentEvent) -> IncidentEvent:
    """Append an event; its seq is the incident's next (the caller's seq is ignored)."""
    (last,) = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {quote_ident(INCIDENT_EVENTS)} "
                           "WHERE incident_id = ?", [event.incident_id]).fetchone()
    event = replace(event, seq=int(last) + 1)
    conn.execute(f"INSERT INTO {quote_ident(INCIDENT_EVENTS)} (incident_id, seq, at, action, "
                 "actor, state, version, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 [event.incident_id, event.seq, iso(event.at), event.action, event.actor,
                  event.state, event.version, event.detail])
    return event


def next_incident_id(conn: sqlite3.Connection) -> str:
    """The next free id ('INC-0001', ...); call inside a write transaction."""
    (last,) = conn.execute(f"SELECT coalesce(max(CAST(substr(id, 5) AS INTEGER)), 0) FROM "
                           f"{quote_ident(INCIDENTS)}").fetchone()
    return f"INC-{int(last) + 1:04d}"
