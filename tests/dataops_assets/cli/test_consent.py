"""`dataops consent` and `dataops export --purpose`: records, withdrawal, scoped exports,
refusals by file, line and field, and an audit trail of counts only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest

from dataops_assets.cli import main
from governance.audit import AuditLog, audit_path
from governance.consent.records import subject_hash
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.governance.consent.conftest import KEY, deliver

ANN, BOB, CY = "ann@example.com", "bob@example.com", "cy@example.com"
HEADER = "piiPrincipalId,purpose,state,consentTimestamp,collectionMethod,policyVersion\n"


@pytest.fixture
def delivered(data_dir, tickets, monkeypatch, tmp_path):
    """support_tickets v1 delivered (Ann twice, Bob, Cy, Dee) after consent was imported."""
    monkeypatch.setenv("DATAOPS_HASH_KEY", KEY)
    consent = tmp_path / "consent.csv"
    consent.write_text(HEADER + "".join(
        f"{e},model_training,given,2026-01-0{i + 1}T09:00:00Z,web form,p-1\n"
        for i, e in enumerate((ANN, BOB, CY))), encoding="utf-8")
    assert main(["consent", "import", str(consent), "--dataset", "support_tickets"]) == 0
    layout = Layout(data_dir)
    with open_warehouse(layout).session("support_tickets", "v1") as conn:
        # Delivered now: the records were just imported, so they count.
        deliver(conn, layout, tickets, "v1", [ANN, BOB, CY, "dee@example.com", ANN],
                datetime.now(UTC))
    return layout


def _hashes(path, tickets) -> list[str]:
    return pq.read_table(path).column("customer_email").to_pylist()


def test_import_keeps_good_records_and_names_the_bad_ones(delivered, tmp_path, capsys):
    path = tmp_path / "more.csv"
    path.write_text(HEADER + "dee@example.com,model_training,given,2026-02-01,chat,p-1\n"
                    "eve@example.com,model_training,perhaps,2026-02-01,chat,p-1\n"
                    "fay@example.com,newsletter,given,2026-02-01,chat,p-1\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["consent", "import", str(path), "--dataset", "support_tickets"]) == 1
    out = capsys.readouterr().out
    assert f"{path}: line 3: field 'state': 'perhaps' is not a consent state" in out
    assert f"{path}: line 4: field 'purpose': 'newsletter' is not a purpose" in out
    assert "1 consent record(s) recorded (1 given, 0 withdrawn)" in out
    assert "2 record(s) refused and not recorded" in out and "@" not in out
    entries = AuditLog(audit_path(delivered.data_dir)).entries(action="consent")
    assert [(e.details["operation"], e.details.get("given"), e.details.get("refused"))
            for e in entries] == [("import", 3, None), ("import", 1, None),
                                  ("import_refused", None, 2)]


def test_a_file_without_a_required_column_is_refused_whole(data_dir, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("piiPrincipalId,purpose,state\nann@example.com,model_training,given\n")
    assert main(["consent", "import", str(path), "--dataset", "support_tickets"]) == 2
    assert (f"Consent file {path}, line 1, field 'consentTimestamp': the header has no such "
            "column. Nothing was recorded.") in capsys.readouterr().err


def test_withdrawn_subject_leaves_the_next_export_for_that_purpose_only(
        delivered, tickets, tmp_path, capsys):
    assert main(["consent", "withdraw", "--dataset", "support_tickets", "--key",
                 "customer_email= Bob@Example.com", "--purpose", "model_training"]) == 0
    out = capsys.readouterr().out
    assert "withdrawal of consent to model_training recorded" in out and "Bob" not in out
    training = delivered.purpose_file("support_tickets", "model_training", "v1")
    assert f"{training}" in out  # delivered before: stays as made, and is named
    bob = subject_hash(tickets, BOB, KEY)
    assert bob in _hashes(training, tickets)
    trainer = tmp_path / "trainer.parquet"
    assert main(["export", "--dataset", "support_tickets", "--version", "v1", "--role",
                 "model_trainer", "--out", str(trainer)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "3 rows" in out
    assert ("; purpose model_training (legal basis: consent); 2 row(s) left out, their "
            "subject's consent withdrawn (1) or not recorded (1)") in out
    # The trainer never sees the e-mail column: Bob's ticket (the second) is what is gone.
    assert pq.read_table(trainer).column("ticket_id").to_pylist() == [
        "T-000001", "T-000003", "T-000005"]
    steward = tmp_path / "steward.parquet"
    assert main(["export", "--dataset", "support_tickets", "--version", "v1", "--role",
                 "data_steward", "--out", str(steward)]) == 0
    assert bob in _hashes(steward, tickets) and len(_hashes(steward, tickets)) == 5
    exports = AuditLog(audit_path(delivered.data_dir)).entries(action="export")
    assert [(e.details.get("purpose"), e.details.get("consent_excluded"), e.details["rows"])
            for e in exports[-2:]] == [("model_training", 2, 3), ("quality_management", None, 5)]
    trail = audit_path(delivered.data_dir).read_text(encoding="utf-8")
    assert "example.com" not in trail and bob not in trail


def test_an_export_for_a_purpose_the_role_does_not_act_for_is_refused(delivered, tmp_path,
                                                                     capsys):
    out = tmp_path / "x.parquet"
    assert main(["export", "--dataset", "support_tickets", "--version", "v1", "--role",
                 "model_trainer", "--purpose", "quality_management", "--out", str(out)]) == 2
    assert "does not act for 'quality_management'" in capsys.readouterr().err
    assert not out.exists()
    [refusal] = AuditLog(audit_path(delivered.data_dir)).entries(action="refuse")
    assert refusal.details["reason"] == "purpose"


def test_show_counts_coverage_of_the_latest_delivered_version(delivered, capsys):
    main(["consent", "withdraw", "--dataset", "support_tickets", "--key",
          f"customer_email={CY}", "--purpose", "model_training"])
    capsys.readouterr()
    assert main(["consent", "show", "--dataset", "support_tickets", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["version"], report["records"]) == ("v1", 4)
    training = next(p for p in report["purposes"] if p["purpose"] == "model_training")
    assert training["rows"] == {"given": 3, "withdrawn": 1, "unknown": 1}
    assert training["subjects"] == {"given": 2, "withdrawn": 1, "unknown": 1}
    contract = next(p for p in report["purposes"] if p["purpose"] == "ticket_handling")
    assert (contract["legal_basis"], contract["rows"]) == ("contract", None)
    assert main(["consent", "show", "--dataset", "support_tickets"]) == 0
    text = capsys.readouterr().out
    assert "model_training (consent): rows given 3, withdrawn 1, unknown 1" in text
    assert "ticket_handling (contract): every delivered row" in text


def test_sql_for_a_consent_purpose_sees_only_consented_rows(delivered, capsys):
    """`dataops sql --role` reads the delivered table as `dataops export` exports it: a role
    whose purposes all rest on consent sees only subjects whose consent stands now."""
    assert main(["consent", "withdraw", "--dataset", "support_tickets", "--key",
                 "customer_email=bob@example.com", "--purpose", "model_training"]) == 0
    query = "SELECT ticket_id FROM support_tickets.delivered ORDER BY ticket_id"
    capsys.readouterr()
    assert main(["sql", query, "--role", "model_trainer", "--json"]) == 0
    trainer = json.loads(capsys.readouterr().out)
    # Bob (withdrawn since delivery) and Dee (never asked) are left out; Ann's two stay.
    assert [r[0] for r in trainer["rows"]] == ["T-000001", "T-000003", "T-000005"]
    assert main(["sql", query, "--role", "data_steward", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 5
    assert main(["sql", query, "--json"]) == 0  # no role: no purpose, every row masked
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 5
