"""The incident book: one incident per (dataset, key), transitions, waivers, response times."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest

from governance.audit import AuditLog, audit_path
from governance.incidents.book import (
    IncidentBook,
    IncidentError,
    IncidentStateError,
    UnknownIncidentError,
    WaiverError,
)
from governance.incidents.model import ACKNOWLEDGED, ASSIGNED, MEDIUM, OPEN, RESOLVED, WAIVED
from governance.incidents.policy import UnknownCauseError
from governance.settings import Layout
from tests.conftest import REPO
from tests.governance.incidents.conftest import T0, signal

H = timedelta(hours=1)


def test_a_later_version_attaches_and_another_check_opens_its_own(book):
    first, how = book.record(signal("v2"))
    assert (first.id, how, first.state, first.owner) == ("INC-0001", "opened", OPEN,
                                                         "support-data")
    attached, how = book.record(signal("v3", at=T0 + H))
    assert (attached.id, how, attached.versions) == ("INC-0001", "attached", ("v2", "v3"))
    other, how = book.record(signal("v3", key="minimum_batch_size", at=T0 + H))
    assert (other.id, how) == ("INC-0002", "opened")
    loans, how = book.record(signal("v3", dataset="loan_applications"))
    assert (loans.id, how, loans.owner) == ("INC-0003", "opened", "credit-data")
    assert [e.action for e in book.events("INC-0001")] == ["opened", "attached"]


def test_the_same_signal_twice_is_known_and_changes_nothing(book):
    book.record(signal("v2"))
    again, how = book.record(signal("v2", at=T0 + H))
    assert how == "known" and again.versions == ("v2",)
    # A missing batch has no version: seeing it again is the same incident too.
    book.record(signal(None, key="missing_batch"))
    assert book.record(signal(None, key="missing_batch", at=T0 + H))[1] == "known"
    assert len(book.events("INC-0001")) == 1 and len(book.list()) == 2


def test_after_resolution_a_new_failure_opens_a_new_incident(book):
    book.record(signal("v2"))
    book.resolve("INC-0001", "schema change", "new column", "alice", T0 + H)
    reopened, how = book.record(signal("v3", at=T0 + 2 * H))
    assert (reopened.id, how, reopened.versions) == ("INC-0002", "opened", ("v3",))


def test_resolving_needs_a_cause_from_the_taxonomy(book):
    book.record(signal("v2"))
    for cause in (None, "", "   "):
        with pytest.raises(UnknownCauseError, match=r"needs a cause.*schema change"):
            book.resolve("INC-0001", cause, "fixed", "alice", T0 + H)
    with pytest.raises(UnknownCauseError, match=r"'gremlins' is not a cause.*pipeline bug"):
        book.resolve("INC-0001", "gremlins", "fixed", "alice", T0 + H)
    assert book.get("INC-0001").state == OPEN
    # A cause the contract adds is accepted for its dataset only.
    book.record(signal("v1", dataset="support_ticket_labels"))
    assert book.resolve("INC-0002", "annotation tool outage", "", "alice",
                        T0 + H).cause == "annotation tool outage"
    with pytest.raises(UnknownCauseError):
        book.resolve("INC-0001", "annotation tool outage", "", "alice", T0 + H)


def test_transitions_and_illegal_steps(book):
    book.record(signal("v2"))
    acked = book.acknowledge("INC-0001", "alice", T0 + H)
    assert (acked.state, acked.acknowledged_at) == (ACKNOWLEDGED, T0 + H)
    with pytest.raises(IncidentStateError, match="acknowledged already"):
        book.acknowledge("INC-0001", "alice", T0 + 2 * H)
    assigned = book.assign("INC-0001", "bob", "alice", T0 + 2 * H)
    # Assigning keeps the first acknowledgement time.
    assert (assigned.state, assigned.assignee, assigned.acknowledged_at) == (ASSIGNED, "bob",
                                                                             T0 + H)
    with pytest.raises(IncidentError, match="user name"):
        book.assign("INC-0001", "bob@example.com", "alice", T0 + 2 * H)
    done = book.resolve("INC-0001", "pipeline bug", "fixed the join", "bob", T0 + 3 * H)
    assert (done.state, done.resolved_at, done.resolution_note) == (RESOLVED, T0 + 3 * H,
                                                                    "fixed the join")
    with pytest.raises(IncidentStateError, match=r"already resolved.*cannot resolve"):
        book.resolve("INC-0001", "pipeline bug", "again", "bob", T0 + 4 * H)
    for step in (lambda: book.acknowledge("INC-0001", "bob", T0 + 4 * H),
                 lambda: book.waive("INC-0001", "later", T0 + 90 * H, "bob", T0 + 4 * H)):
        with pytest.raises(IncidentStateError, match="already resolved"):
            step()
    with pytest.raises(UnknownIncidentError, match="INC-0099"):
        book.acknowledge("INC-0099", "bob")
    with pytest.raises(IncidentError, match="before that"):
        book.record(signal("v2", key="other"))
        book.acknowledge("INC-0002", "bob", T0 - H)
    # Assigning an open incident acknowledges it at the same time.
    assert book.assign("INC-0002", "carol", "alice", T0 + H).acknowledged_at == T0 + H


def test_a_waiver_needs_a_reason_and_a_future_expiry_and_ends(book):
    book.record(signal("v2"))
    with pytest.raises(WaiverError, match="reason"):
        book.waive("INC-0001", "  ", T0 + 48 * H, "alice", T0 + H)
    with pytest.raises(WaiverError, match="expiry after now"):
        book.waive("INC-0001", "vendor fix due", T0, "alice", T0 + H)
    with pytest.raises(WaiverError, match="expiry"):
        book.waive("INC-0001", "vendor fix due", None, "alice", T0 + H)
    waived = book.waive("INC-0001", "vendor fix due", T0 + 48 * H, "alice", T0 + H)
    assert (waived.state, waived.waived_until) == (WAIVED, T0 + 48 * H)
    # While waived, a new version attaches and the incident stays waived.
    attached, how = book.record(signal("v3", at=T0 + 24 * H))
    assert (how, attached.state, attached.versions) == ("attached", WAIVED, ("v2", "v3"))
    # After the expiry it counts as active again: back to acknowledged (someone had taken it).
    assert book.reopen_expired(T0 + 47 * H) == []
    [back] = book.reopen_expired(T0 + 49 * H)
    assert (back.state, back.waived_until, back.resolved_at) == (ACKNOWLEDGED, None, None)
    assert [e.action for e in book.events("INC-0001")][-1] == "reopened"


def test_an_expired_waiver_reopens_when_the_next_signal_comes(book):
    book.record(signal("v2"))
    book.waive("INC-0001", "known", T0 + 2 * H, "alice", T0 + H)
    again, how = book.record(signal("v4", at=T0 + 3 * H))
    assert (again.id, how, again.state) == ("INC-0001", "attached", ACKNOWLEDGED)


def test_auto_resolution_only_where_the_contract_allows_it(book):
    book.record(signal("v2", key="latency_within_slo", severity=MEDIUM))
    book.record(signal("v2", key="intake_complete"))
    # intake_complete is not in autoResolve: a passing re-run changes nothing.
    assert book.passed("support_tickets", "intake_complete", "v3", T0 + H) is None
    assert book.get("INC-0002").state == OPEN
    # An older version passing says nothing about the newest failing one.
    book.record(signal("v3", key="latency_within_slo", at=T0 + H))
    assert book.passed("support_tickets", "latency_within_slo", "v2", T0 + 2 * H) is None
    closed = book.passed("support_tickets", "latency_within_slo", "v3", T0 + 2 * H)
    assert (closed.state, closed.cause, closed.resolved_at) == (RESOLVED, "infrastructure",
                                                                T0 + 2 * H)
    assert closed.acknowledged_at is None  # nobody acknowledged it: no MTTA
    assert book.events("INC-0001")[-1].action == "auto_resolved"


def test_mtta_and_mttr_equal_a_hand_computation(book):
    # Three incidents on support_tickets, one on loans.
    book.record(signal("v1", key="a"))                           # INC-0001 opened T0
    book.record(signal("v1", key="b", at=T0 + H))                # INC-0002 opened T0+1h
    book.record(signal("v1", key="c", at=T0 + 2 * H))            # INC-0003 opened T0+2h
    book.record(signal("v1", dataset="loan_applications"))       # INC-0004 opened T0
    book.acknowledge("INC-0001", "a", T0 + timedelta(minutes=30))          # ack 1800 s
    book.resolve("INC-0001", "schema change", "", "a", T0 + 5 * H)         # fix 18000 s
    book.acknowledge("INC-0002", "a", T0 + H + timedelta(minutes=90))      # ack 5400 s
    book.resolve("INC-0002", "schema change", "", "a", T0 + 8 * H)         # fix 25200 s
    book.resolve("INC-0003", "pipeline bug", "", "a", T0 + 3 * H)          # ack = fix 3600 s
    book.waive("INC-0004", "expected", T0 + 99 * H, "a", T0 + 4 * H)       # ack 14400 s
    rows = {(r.dataset, r.cause): r for r in book.response_times()}
    schema = rows[("support_tickets", "schema change")]
    assert (schema.incidents, schema.acknowledged, schema.resolved) == (2, 2, 2)
    assert schema.mtta_seconds == (1800 + 5400) / 2
    assert schema.mttr_seconds == (18000 + 25200) / 2
    bug = rows[("support_tickets", "pipeline bug")]
    assert (bug.mtta_seconds, bug.mttr_seconds) == (3600, 3600)
    waived = rows[("loan_applications", "(waived)")]
    # A waiver acknowledges but does not resolve.
    assert (waived.mtta_seconds, waived.resolved, waived.mttr_seconds) == (14400, 0, None)
    assert [r.dataset for r in book.response_times("loan_applications")] == [
        "loan_applications"]


def test_every_transition_is_in_the_audit_trail_and_it_verifies(book, data_dir):
    book.record(signal("v2"))
    book.record(signal("v3", at=T0 + H))
    book.acknowledge("INC-0001", "alice", T0 + H)
    book.assign("INC-0001", "bob", "alice", T0 + H)
    book.resolve("INC-0001", "schema change", "see ticket 12345678 from x@y.org", "bob",
                 T0 + 2 * H)
    log = AuditLog(audit_path(data_dir))
    entries = log.entries(action="incident")
    assert [(e.details["event"], e.details["state"]) for e in entries] == [
        ("opened", "open"), ("attached", "open"), ("acknowledged", "acknowledged"),
        ("assigned", "assigned"), ("resolved", "resolved")]
    assert {e.details["incident"] for e in entries} == {"INC-0001"}
    assert entries[-1].details["cause"] == "schema change" and entries[-1].actor == "bob"
    assert [e.version for e in entries[:2]] == ["v2", "v3"]
    assert log.verify().ok
    # The note a person typed keeps no e-mail address or long digit run, anywhere.
    assert book.get("INC-0001").resolution_note == "see ticket [removed] from [removed]"
    for path in [*Layout(data_dir).operations_dir.iterdir(), log.path]:
        assert b"12345678" not in path.read_bytes() and b"x@y.org" not in path.read_bytes()


def test_a_transition_and_its_event_land_together(book, data_dir, monkeypatch):
    book.record(signal("v2"))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(book.audit, "append", broken)
    with pytest.raises(OSError):
        book.acknowledge("INC-0001", "alice", T0 + H)
    assert book.get("INC-0001").state == OPEN and len(book.events("INC-0001")) == 1


def test_the_store_allows_one_unresolved_incident_per_key(book, data_dir):
    book.record(signal("v2"))
    conn = sqlite3.connect(Layout(data_dir).incidents_db)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO incidents (id, dataset, key, state) VALUES "
                     "('INC-0009', 'support_tickets', 'intake_complete', 'open')")
    conn.close()


_WORKER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from governance.contracts import load_contracts
from governance.incidents.book import IncidentBook
from governance.incidents.model import Signal
from governance.settings import Layout
from tests.conftest import CONTRACTS_DIR
book = IncidentBook(Layout(Path(sys.argv[1])), {c.name: c for c in load_contracts(CONTRACTS_DIR)})
t = datetime(2026, 3, 2, tzinfo=UTC)
for i in range(25):
    # Both workers record the same shared key and keys of their own.
    book.record(Signal("support_tickets", f"v{i + 1}", "shared", "quality", "high", t, "x"))
    book.record(Signal("support_tickets", "v1", f"{sys.argv[2]}_{i}", "quality", "high", t, "x"))
"""


def test_two_processes_recording_at_once_keep_ids_unique(data_dir, contracts):
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(data_dir), name], cwd=REPO,
                                stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    for worker in workers:
        assert worker.wait(timeout=300) == 0, worker.stderr.read()
    incidents = IncidentBook(Layout(data_dir), contracts).list()
    ids = [i.id for i in incidents]
    assert len(ids) == len(set(ids)) == 51
    assert ids == [f"INC-{n:04d}" for n in range(1, 52)]
    [shared] = [i for i in incidents if i.key == "shared"]
    assert sorted(shared.versions, key=lambda v: int(v[1:])) == [f"v{n}" for n in range(1, 26)]
    assert AuditLog(audit_path(data_dir)).verify().ok
