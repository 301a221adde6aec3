"""Consent files and the ledger: refusals by line and field, hashes only, append-only."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest

from governance.consent.ledger import ConsentLedger
from governance.consent.records import (
    ConsentError,
    ConsentFileError,
    parse_file,
    subject_hash,
    withdrawal,
)
from governance.tables import CONSENT_RECORDS
from tests.governance.consent.conftest import EARLIER, KEY, NOW

HEADER = "customer_email,purpose,state,consentTimestamp,collectionMethod,policyVersion\n"


def _csv(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "consent.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_good_rows_are_kept_and_bad_ones_refused_by_line_and_field(tickets, tmp_path):
    path = _csv(tmp_path,
                "ann@example.com,model_training,given,2026-05-01T09:00:00Z,web form,p-1\n"
                "bob@example.com,marketing,given,2026-05-01T09:00:00Z,web form,p-1\n"
                "cy@example.com,model_training,maybe,2026-05-01T09:00:00Z,web form,p-1\n"
                "dee@example.com,model_training,given,yesterday,web form,p-1\n"
                "eve@example.com,model_training,given,2027-01-01T00:00:00Z,web form,p-1\n"
                ",model_training,given,2026-05-01T09:00:00Z,web form,p-1\n"
                "fay@example.com,ticket_handling,given,2026-05-01T09:00:00Z,web form,p-1\n"
                "gus@example.com,model_training,withdrawn,2026-06-01,chat,gus@example.com\n"
                "hal@example.com,model_training,Withdrawn,2026-06-01T10:00:00+02:00,chat,p-2\n")
    parsed = parse_file(path, tickets, KEY, now=NOW)
    assert [(r.state, r.consent_at.isoformat()) for r in parsed.records] == [
        ("given", "2026-05-01T09:00:00+00:00"), ("withdrawn", "2026-06-01T08:00:00+00:00")]
    assert [(r.line, r.field) for r in parsed.refused] == [
        (3, "purpose"), (4, "state"), (5, "consentTimestamp"), (6, "consentTimestamp"),
        (7, "customer_email"), (8, "purpose"), (9, "policyVersion")]
    messages = [r.describe(str(path)) for r in parsed.refused]
    assert messages[0] == (f"{path}: line 3: field 'purpose': 'marketing' is not a purpose of "
                           "support_tickets (declared: model_training, quality_management, "
                           "ticket_handling)")
    assert "given or withdrawn" in messages[1] and "in the future" in messages[3]
    assert "rests on contract, not consent" in messages[5]
    # No message repeats a value that could be personal, even one in the wrong column.
    assert not any("@" in m.replace(str(path), "") for m in messages)
    assert parsed.records[0].subject_hash == subject_hash(tickets, " Ann@Example.com", KEY)


def test_a_missing_column_refuses_the_file_naming_it(tickets, tmp_path):
    path = _csv(tmp_path, "ann@example.com,model_training,given,2026-05-01,web,p\n",
                header="customer_email,purpose,status,consentTimestamp,collectionMethod,"
                "policyVersion\n")
    with pytest.raises(ConsentFileError, match=r"consent.csv, line 1, field 'state': the "
                       "header has no such column. Nothing was recorded"):
        parse_file(path, tickets, KEY, now=NOW)


def test_json_lines_take_the_kantara_subject_name_and_refuse_bad_lines(tickets, tmp_path):
    good = {"piiPrincipalId": "ann@example.com", "purpose": "model_training",
            "state": "given", "consentTimestamp": "2026-05-01T09:00:00Z",
            "collectionMethod": "web form", "policyVersion": "p-1",
            "consentReceiptID": "CR-1"}
    missing = {k: v for k, v in good.items() if k != "collectionMethod"}
    path = tmp_path / "consent.jsonl"
    path.write_text("\n".join([json.dumps(good), "{not json", json.dumps(missing), ""]))
    parsed = parse_file(path, tickets, KEY, now=NOW)
    assert [r.receipt_id for r in parsed.records] == ["CR-1"]
    assert [(r.line, r.field, r.reason) for r in parsed.refused] == [
        (2, "(line)", "not a JSON object"), (3, "collectionMethod", "missing")]


def test_other_formats_and_datasets_without_subjects_are_refused(tickets, contracts, tmp_path):
    with pytest.raises(ConsentFileError, match=r"use a \.csv or \.jsonl"):
        parse_file(_csv(tmp_path, "").rename(tmp_path / "c.xlsx"), tickets, KEY)
    with pytest.raises(ConsentError, match="declares no subjectKey"):
        parse_file(_csv(tmp_path, ""), contracts["support_ticket_labels"], KEY)
    with pytest.raises(ConsentError, match="DATAOPS_HASH_KEY"):
        parse_file(_csv(tmp_path, ""), tickets, "")


def test_the_store_holds_keyed_hashes_never_the_keys(tickets, layout, tmp_path):
    path = _csv(tmp_path, "".join(
        f"person{i}@example.com,model_training,given,2026-05-01T09:00:00Z,web form,p-1\n"
        for i in range(50)))
    ledger = ConsentLedger(layout)
    assert ledger.append(parse_file(path, tickets, KEY, now=NOW).records, "tester").added == 50
    ledger.append([withdrawal(tickets, "customer_email", "person7@example.com",
                              "model_training", KEY, NOW)], "tester")
    stored = b"".join(p.read_bytes() for p in layout.operations_dir.iterdir())
    assert b"example.com" not in stored and b"person7" not in stored
    assert subject_hash(tickets, "person7@example.com", KEY).encode() in stored


def test_history_is_append_only_and_reimports_add_nothing(tickets, layout, tmp_path):
    path = _csv(tmp_path, "ann@example.com,model_training,given,2026-05-01T09:00:00Z,web,p\n")
    ledger = ConsentLedger(layout)
    records = parse_file(path, tickets, KEY, now=NOW).records
    assert ledger.append(records, "a").added == 1
    again = ledger.append(records, "a")
    assert (again.added, again.already) == (0, 1)
    with sqlite3.connect(layout.incidents_db) as db:
        for statement in (f"UPDATE {CONSENT_RECORDS} SET state = 'withdrawn'",
                          f"DELETE FROM {CONSENT_RECORDS}"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)
    assert ledger.count("support_tickets") == 1


def test_latest_record_by_consent_time_wins_as_the_ledger_stood(tickets, layout):
    ledger = ConsentLedger(layout)
    ann = subject_hash(tickets, "ann@example.com", KEY)
    given = withdrawal(tickets, "customer_email", "ann@example.com", "model_training", KEY,
                       EARLIER)
    given = type(given)(**{**given.__dict__, "state": "given"})
    ledger.append([given], "a", now=EARLIER)
    assert ledger.states("support_tickets", "model_training", NOW) == {ann: "given"}
    # A withdrawal dated at the very time of the consent wins the tie.
    ledger.append([withdrawal(tickets, "customer_email", "ANN@example.com ", "model_training",
                              KEY, EARLIER)], "a", now=NOW)
    assert ledger.given("support_tickets", "model_training", NOW) == set()
    # Before the withdrawal was recorded, the ledger said 'given': not retroactive.
    assert ledger.given("support_tickets", "model_training", NOW - timedelta(days=1)) == {ann}
    assert ledger.states("support_tickets", "quality_management", NOW) == {}


def test_withdrawal_refuses_another_key_column_and_non_consent_purposes(tickets):
    with pytest.raises(ConsentError, match="finds subjects by 'customer_email', not "
                       "'ticket_id'"):
        withdrawal(tickets, "ticket_id", "T-000001", "model_training", KEY)
    with pytest.raises(ConsentError, match="quality_management rests on legitimate_interest"):
        withdrawal(tickets, "customer_email", "a@b.c", "quality_management", KEY)
    with pytest.raises(ConsentError, match="this value is not a purpose"):
        withdrawal(tickets, "customer_email", "a@b.c", "ann@example.com", KEY)
