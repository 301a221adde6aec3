"""`dataops incident`: listing as JSON, transitions, refusals without a traceback, escalation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dataops_assets.cli import main
from governance.incidents.book import IncidentBook
from governance.incidents.model import HIGH, MEDIUM, QUALITY, Signal
from governance.settings import Layout
from tests.conftest import REPO

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BIN = Path(sys.executable).parent


@pytest.fixture
def seeded(data_dir, contracts, monkeypatch) -> IncidentBook:
    """Two incidents: support_tickets v2+v3 on intake_complete, loan_applications drift."""
    # No mail server, no webhooks, and no Dagster instance another test left in the
    # environment: its witness holds another trail's checkpoints.
    for name in ("DATAOPS_SMTP_HOST", "DATAOPS_WEBHOOKS", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    book = IncidentBook(Layout(data_dir), contracts)
    book.record(Signal("support_tickets", "v2", "intake_complete", QUALITY, HIGH, T0,
                       "4 records quarantined"))
    book.record(Signal("support_tickets", "v3", "intake_complete", QUALITY, HIGH, T0,
                       "2 records quarantined"))
    book.record(Signal("loan_applications", "v2", "drift_refresh", "drift", MEDIUM, T0,
                       "5 of 9 columns drifted"))
    return book


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_list_as_json_and_filtered(seeded, capsys):
    assert main(["incident", "list", "--json"]) == 0
    listed = _json(capsys)
    assert [i["id"] for i in listed] == ["INC-0001", "INC-0002"]
    first = listed[0]
    assert {k: first[k] for k in ("dataset", "versions", "type", "severity", "state", "owner",
                                  "opened_at")} == {
        "dataset": "support_tickets", "versions": ["v2", "v3"], "type": "quality",
        "severity": "high", "state": "open", "owner": "support-data",
        "opened_at": "2026-03-02T09:00:00+00:00"}
    assert main(["incident", "list", "--dataset", "loan_applications", "--json"]) == 0
    assert [i["key"] for i in _json(capsys)] == ["drift_refresh"]
    assert main(["incident", "list", "--state", "resolved"]) == 0
    assert capsys.readouterr().out == "no incidents\n"
    assert main(["incident", "list"]) == 0
    assert "INC-0001  support_tickets  intake_complete  [high quality]  open" in \
        capsys.readouterr().out


def test_ack_assign_resolve_and_show(seeded, capsys):
    assert main(["incident", "ack", "INC-0001", "--as-of", "2026-03-02T09:30"]) == 0
    assert main(["incident", "assign", "INC-0001", "--to", "bob",
                 "--as-of", "2026-03-02T10:00"]) == 0
    assert main(["incident", "resolve", "INC-0001", "--cause", "upstream source change",
                 "--note", "export fixed by the help desk", "--as-of", "2026-03-02T12:00"]) == 0
    assert "INC-0001 resolved: upstream source change" in capsys.readouterr().out
    assert main(["incident", "show", "INC-0001", "--json"]) == 0
    shown = _json(capsys)
    assert (shown["state"], shown["assignee"], shown["cause"]) == ("resolved", "bob",
                                                                   "upstream source change")
    assert [e["action"] for e in shown["events"]] == ["opened", "attached", "acknowledged",
                                                      "assigned", "resolved"]
    assert shown["acknowledged_at"] == "2026-03-02T09:30:00+00:00"
    assert main(["incident", "times", "--json"]) == 0
    [row] = [r for r in _json(capsys) if r["cause"] == "upstream source change"]
    assert (row["mtta_seconds"], row["mttr_seconds"]) == (1800, 3 * 3600)
    assert main(["incident", "times"]) == 0
    assert "0h 30m" in capsys.readouterr().out
    # Every step is in the audit trail, and the trail still verifies.
    assert main(["audit", "show", "--action", "incident", "--json"]) == 0
    events = [json.loads(line)["details"]["event"] for line in
              capsys.readouterr().out.splitlines()]
    assert events.count("resolved") == 1 and events.count("acknowledged") == 1
    assert main(["audit", "verify"]) == 0


@pytest.mark.parametrize(("argv", "message"), [
    (["resolve", "INC-0001", "--note", "fixed"], "a resolution needs a cause"),
    (["resolve", "INC-0001", "--cause", "bad luck", "--note", "x"], "'bad luck' is not a cause"),
    (["waive", "INC-0001", "--reason", "known", "--until", "2020-01-01"], "expiry after now"),
    (["waive", "INC-0001", "--reason", "known", "--until", "next week"], "is not a date"),
    (["ack", "INC-0042"], "no incident 'INC-0042'"),
    (["assign", "INC-0001", "--to", "bob@example.com"], "user name"),
])
def test_refusals_print_one_line_and_exit_2(seeded, capsys, argv, message):
    assert main(["incident", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert seeded.get("INC-0001").state == "open"


def test_resolving_twice_is_refused_in_words(seeded, capsys):
    assert main(["incident", "resolve", "INC-0001", "--cause", "schema change",
                 "--note", "x"]) == 0
    assert main(["incident", "resolve", "INC-0001", "--cause", "schema change",
                 "--note", "x"]) == 2
    assert "INC-0001 is already resolved" in capsys.readouterr().err


def test_the_console_script_refuses_without_a_traceback(seeded):
    done = subprocess.run([BIN / "dataops", "incident", "resolve", "INC-0001", "--note", "x"],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "a resolution needs a cause" in done.stderr


def test_escalate_once_with_the_clock_replaced(seeded, data_dir, capsys):
    # High: mailed at opening (no SMTP host here: the outbox says so); medium not yet due.
    assert main(["incident", "escalate", "--as-of", "2026-03-02T09:01"]) == 0
    out = capsys.readouterr().out
    assert "INC-0001 support_tickets notified (step high:0m): support-data-mail: not " \
           "configured" in out and "INC-0002" not in out
    assert main(["incident", "escalate", "--as-of", "2026-03-02T09:02"]) == 0
    assert capsys.readouterr().out.startswith("nothing to escalate")
    assert main(["incident", "escalate", "--as-of", "2026-03-03T10:00"]) == 0
    out = capsys.readouterr().out
    assert "INC-0001 support_tickets escalated (step high:2h): support-data-oncall: disabled" \
        in out and "INC-0002 loan_applications escalated (step medium:24h)" in out
    lines = Layout(data_dir).outbox_file.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["incident"] == "INC-0001"
    assert main(["incident", "show", "INC-0001"]) == 0
    assert "step high:2h support-data-oncall (slack): disabled" in capsys.readouterr().out
