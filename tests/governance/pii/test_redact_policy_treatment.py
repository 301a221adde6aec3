"""Free-text redaction, declared-versus-detected policy, and delivery treatments."""

from __future__ import annotations

import pyarrow as pa
import pytest

from governance.pii.classify import ColumnFinding, EntityFinding
from governance.pii.policy import compare
from governance.pii.redact import redact_texts
from governance.pii.scan import ScanResult
from governance.pii.treatment import (
    MissingSecretError,
    TreatmentReport,
    delivered_columns,
    keyed_hash,
    treat_batches,
)


def test_spans_are_replaced_by_their_type_and_ids_survive():
    texts = ["Hi, I am Sarah Miller, reach me at sarah@example.com or +44 20 7946 0958. "
             "Order ORD-123456 for $49.99 on 2026-11-03.", None,
             "The app crashes when I open settings."]
    out, counts = redact_texts(texts)
    assert out[0] == ("Hi, I am <PERSON>, reach me at <EMAIL_ADDRESS> or <PHONE_NUMBER>. "
                      "Order ORD-123456 for $49.99 on 2026-11-03.")
    assert out[1] is None and out[2] == texts[2]
    assert counts == {"PERSON": 1, "EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1}


def test_values_the_row_declares_are_redacted_even_when_ner_misses_them():
    out, _ = redact_texts(["thanks, zyx quorbel here"], [["Zyx Quorbel", "zq@example.org"]])
    assert "quorbel" not in out[0].lower() and "zyx" not in out[0].lower()


def _scan(*columns: tuple[str, bool, str | None]) -> ScanResult:
    return ScanResult(100, 100, 0.1, "all rows", [
        ColumnFinding(n, pii, "structured", 100, [EntityFinding(e, 1.0, 1.0)] if e else [])
        for n, pii, e in columns])


def test_undeclared_personal_data_fails_the_policy(tickets):
    report = compare(tickets, _scan(("customer_email", True, "EMAIL_ADDRESS"),
                                    ("subject", True, "PHONE_NUMBER"),
                                    ("customer_phone", True, "PHONE_NUMBER"),
                                    ("body", False, None)))
    assert not report.passed
    assert report.undeclared == ("customer_phone", "subject")
    assert report.not_detected == ("body", "customer_name")
    ok = compare(tickets, _scan(("customer_email", True, "EMAIL_ADDRESS")))
    assert ok.passed


def _batch(contract) -> pa.RecordBatch:
    row = {"_version": "v1", "_row_id": 2, "ticket_id": "T-000001", "created_at": None,
           "customer_name": "Sarah Miller", "customer_email": "sarah@example.com",
           "channel": "email", "subject": "Refund", "body": "I am Sarah Miller, help",
           "category": "billing", "priority": 2}
    return pa.RecordBatch.from_pylist([row])


def test_treatments_drop_hash_and_redact(tickets):
    report = TreatmentReport()
    out = next(treat_batches(iter([_batch(tickets)]), tickets, "secret", report))
    assert "customer_name" not in out.column_names  # drop
    assert out.column("customer_email")[0].as_py() == keyed_hash("sarah@example.com", b"secret")
    assert out.column("body")[0].as_py() == "I am <PERSON>, help"  # redact_spans
    assert out.column("category")[0].as_py() == "billing"  # not personal: untouched
    assert report.changed["customer_name"] == 1 and report.changed["body"] == 1
    assert [c for c, _ in delivered_columns(tickets)] == out.column_names[2:]


def test_mask_keeps_no_usable_value(loans):
    from governance.masking import mask_value

    assert mask_value("(630) 966-4260") == "(********0"
    assert mask_value("sarah@example.com") == "s***h@e********m"
    assert "phone" in [c for c, _ in delivered_columns(loans)]


def test_hashing_without_a_key_is_refused(tickets):
    with pytest.raises(MissingSecretError, match="DATAOPS_HASH_KEY"):
        next(treat_batches(iter([_batch(tickets)]), tickets, None, TreatmentReport()))
