"""Escalation: after the acknowledgement deadline each channel is notified exactly once, on a
real local SMTP server and a real local webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from governance.audit import AuditLog, audit_path
from governance.incidents.book import IncidentBook
from governance.incidents.escalation import escalate
from governance.incidents.model import MEDIUM
from governance.incidents.notify import (
    DISABLED,
    FAILED,
    NOT_CONFIGURED,
    SENT,
    Notifier,
    SmtpSettings,
)
from governance.settings import Layout
from tests.governance.incidents.conftest import T0, edited_contract, signal

H = timedelta(hours=1)
TEAM = "support-data@example.com"


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict], int]]:
    """A local HTTP server keeping the JSON body of every POST."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _book(data_dir: Path, tmp_path: Path, contracts, port: int) -> IncidentBook:
    """The demo contracts, support_tickets' on-call webhook pointing at the test's server."""
    support = [
        {"channel": "team-mail", "tool": "email", "url": f"mailto:{TEAM}"},
        {"channel": "oncall", "tool": "slack", "url": f"http://127.0.0.1:{port}/hook/T0KEN"},
    ]
    rules = {"high": [{"after": "0 min", "notify": ["team-mail"]},
                      {"after": "2 h", "notify": ["oncall", "team-mail"]}],
             "medium": [{"after": "24 h", "notify": ["team-mail"]}]}
    edited = edited_contract(tmp_path, support=support, incidents={"escalation": rules})
    return IncidentBook(Layout(data_dir), {**contracts, "support_tickets": edited})


def _outbox(data_dir: Path) -> list[dict]:
    path = Layout(data_dir).outbox_file
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_escalation_after_the_deadline_notifies_each_channel_exactly_once(
        data_dir, tmp_path, contracts, smtp, webhook):
    mailbox, smtp_port = smtp
    posts, http_port = webhook
    book = _book(data_dir, tmp_path, contracts, http_port)
    notifier = Notifier(Layout(data_dir).outbox_file, SmtpSettings("127.0.0.1", smtp_port),
                        webhooks_enabled=True)
    incident, _ = book.record(signal("v2"))
    # At opening: the 0-minute rule mails the team; the 2-hour rule is not due.
    [opening] = escalate(book, None, T0, notifier)
    assert (opening.step, opening.escalated) == ("high:0m", False)
    assert [d.status for d in opening.deliveries] == [SENT]
    assert len(mailbox.messages) == 1 and posts == []
    assert escalate(book, None, T0 + H, notifier) == []  # before the deadline: nothing
    # Past the acknowledgement deadline: the on-call webhook and the mailbox, once each.
    [late] = escalate(book, None, T0 + 2 * H + timedelta(minutes=1), notifier)
    assert (late.step, late.escalated) == ("high:2h", True)
    assert sorted((d.channel, d.status) for d in late.deliveries) == [("oncall", SENT),
                                                                      ("team-mail", SENT)]
    assert len(posts) == 1 and incident.id in posts[0]["text"] and posts[0]["blocks"]
    assert len(mailbox.messages) == 2
    sender, recipients, content = mailbox.messages[1]
    assert (sender, recipients) == ("dataops@localhost", [TEAM])
    assert b"INC-0001" in content and b"still not acknowledged" in content
    # A later pass sends nothing more.
    assert escalate(book, None, T0 + 30 * H, notifier) == []
    assert len(posts) == 1 and len(mailbox.messages) == 2
    # Each notification is a row, an outbox line, and the steps are events and audit entries.
    rows = book.notifications(incident.id)
    assert sorted((r["step"], r["channel"], r["status"]) for r in rows) == [
        ("high:0m", "team-mail", SENT), ("high:2h", "oncall", SENT),
        ("high:2h", "team-mail", SENT)]
    assert [r["recipient"] for r in rows if r["channel"] == "oncall"] == [
        f"127.0.0.1:{http_port}"]  # the host only: a webhook URL may hold a token
    lines = _outbox(data_dir)
    assert sorted((line["step"], line["channel"]) for line in lines) == [
        ("high:0m", "team-mail"), ("high:2h", "oncall"), ("high:2h", "team-mail")]
    assert all("T0KEN" not in json.dumps(line) for line in lines)
    assert [e.action for e in book.events(incident.id)] == ["opened", "notified", "escalated"]
    audited = [e.details["event"] for e in AuditLog(audit_path(data_dir)).entries(
        action="incident")]
    assert audited == ["opened", "notified", "escalated"]


def test_no_escalation_after_acknowledgement(data_dir, tmp_path, contracts, smtp, webhook):
    mailbox, smtp_port = smtp
    posts, http_port = webhook
    book = _book(data_dir, tmp_path, contracts, http_port)
    notifier = Notifier(Layout(data_dir).outbox_file, SmtpSettings("127.0.0.1", smtp_port),
                        webhooks_enabled=True)
    book.record(signal("v2"))
    book.acknowledge("INC-0001", "alice", T0 + timedelta(minutes=5))
    assert escalate(book, None, T0 + 10 * H, notifier) == []
    assert mailbox.messages == [] and posts == [] and _outbox(data_dir) == []
    # A medium incident waits 24 hours.
    book.record(signal("v2", key="drift_refresh", severity=MEDIUM))
    assert escalate(book, None, T0 + 23 * H, notifier) == []
    assert len(escalate(book, None, T0 + 24 * H, notifier)) == 1
    assert len(mailbox.messages) == 1


def test_unconfigured_and_failing_channels_are_recorded_not_raised(data_dir, tmp_path,
                                                                   contracts):
    # Nothing listens on the webhook port (a closed server), no SMTP host is set.
    book = _book(data_dir, tmp_path, contracts, 9)
    book.record(signal("v2"))
    quiet = Notifier(Layout(data_dir).outbox_file)
    [step] = escalate(book, None, T0, quiet)
    assert [(d.status, d.detail) for d in step.deliveries] == [
        (NOT_CONFIGURED, "no SMTP host configured (set DATAOPS_SMTP_HOST)")]
    [late] = escalate(book, None, T0 + 3 * H, quiet)
    assert {d.channel: d.status for d in late.deliveries} == {"oncall": DISABLED,
                                                              "team-mail": NOT_CONFIGURED}
    assert {line["status"] for line in _outbox(data_dir)} == {NOT_CONFIGURED, DISABLED}
    # Enabled but unreachable: recorded as failed, and not retried by a later pass.
    book.record(signal("v2", key="other"))
    loud = Notifier(Layout(data_dir).outbox_file, SmtpSettings("127.0.0.1", 9),
                    webhooks_enabled=True, timeout=2)
    steps = escalate(book, None, T0 + 3 * H, loud)
    assert {d.status for s in steps for d in s.deliveries} == {FAILED}
    assert escalate(book, None, T0 + 4 * H, loud) == []
