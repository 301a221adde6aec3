"""Purpose-scoped delivery and exports: withdrawn and unknown subjects stay out of a
consent-based purpose, every subject stays in for other bases, and nothing brings them back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from governance.access import export_version, load_roles
from governance.consent.ledger import ConsentLedger
from governance.consent.purposes import purpose_of
from governance.consent.records import ConsentError, subject_hash, withdrawal
from governance.consent.roles import export_purpose
from governance.consent.scope import coverage_now, measure, recorded_coverage
from governance.defaults import default_roles_file
from governance.erasure import erase_subject
from governance.retention import RetentionItem, enforce_item
from governance.storage import transaction
from tests.governance.consent.conftest import EARLIER, KEY, NOW, deliver

ANN, BOB, CY, DEE = (f"{n}@example.com" for n in ("ann", "bob", "cy", "dee"))
V1 = [ANN, BOB, CY, DEE, ANN, "  BOB@Example.com"]


def _given(contract, email: str):
    record = withdrawal(contract, "customer_email", email, "model_training", KEY, EARLIER)
    return replace(record, state="given")


def _consent(layout, tickets, withdraw: list[str] = ()) -> None:
    """Ann, Bob and Cy gave consent to model training; Dee never was asked."""
    ledger = ConsentLedger(layout)
    ledger.append([_given(tickets, e) for e in (ANN, BOB, CY)], "test", now=EARLIER)
    ledger.append([withdrawal(tickets, "customer_email", e, "model_training", KEY,
                              EARLIER + timedelta(days=1)) for e in withdraw], "test",
                  now=EARLIER + timedelta(days=1))


def _subjects(path, tickets) -> list[str]:
    """The delivered file's hashed subject keys, in row order."""
    return pq.read_table(path).column("customer_email").to_pylist()


def h(tickets, email: str) -> str:
    return subject_hash(tickets, email, KEY)


def test_withdrawn_subject_is_out_of_the_consent_purpose_and_in_for_other_bases(
        tickets, conn, layout):
    _consent(layout, tickets, withdraw=[BOB])
    [scope] = deliver(conn, layout, tickets, "v1", V1)
    training = layout.purpose_file("support_tickets", "model_training", "v1")
    assert _subjects(training, tickets) == [h(tickets, e) for e in (ANN, CY, ANN)]
    # The full delivery, which purposes on contract or legitimate interest use, keeps all.
    full = _subjects(layout.delivered_file("support_tickets", "v1"), tickets)
    assert full.count(h(tickets, BOB)) == 2 and len(full) == 6
    assert set(layout.purpose_files("support_tickets", "v1")) == {"model_training"}
    assert scope.rows == {"given": 3, "withdrawn": 2, "unknown": 1} and scope.excluded == 3
    assert scope.subjects == {"given": 2, "withdrawn": 1, "unknown": 1}
    [cov] = recorded_coverage(conn, "support_tickets", "v1")
    assert (cov["rows_given"], cov["rows_withdrawn"], cov["rows_unknown"], cov["excluded"]) \
        == (3, 2, 1, 3)
    assert cov["share_withdrawn"] == 2 / 6


def test_role_exports_follow_the_purpose(tickets, conn, layout, tmp_path):
    _consent(layout, tickets, withdraw=[BOB])
    deliver(conn, layout, tickets, "v1", V1)
    book = load_roles(default_roles_file())
    trainer = export_purpose(book.roles["model_trainer"], tickets, None)
    steward = export_purpose(book.roles["data_steward"], tickets, None)
    assert (trainer.name, steward.name) == ("model_training", "quality_management")
    states = ConsentLedger(layout).states("support_tickets", "model_training", NOW)
    scope = measure(conn, tickets, "v1", trainer, states, KEY)
    out = tmp_path / "trainer.parquet"
    result = export_version(conn, tickets, "v1", "model_trainer", book, out, scope.row_table())
    assert result.rows == 3 and scope.excluded == 3
    # The steward's purpose rests on legitimate interest: every row, Bob's included.
    result = export_version(conn, tickets, "v1", "data_steward", book, tmp_path / "s.parquet")
    assert result.rows == 6
    assert _subjects(tmp_path / "s.parquet", tickets).count(h(tickets, BOB)) == 2


def test_withdrawal_after_delivery_counts_for_the_next_export_not_the_past_one(
        tickets, conn, layout):
    _consent(layout, tickets)
    deliver(conn, layout, tickets, "v1", V1)
    training = layout.purpose_file("support_tickets", "model_training", "v1")
    assert _subjects(training, tickets).count(h(tickets, CY)) == 1
    ConsentLedger(layout).append([withdrawal(tickets, "customer_email", CY, "model_training",
                                             KEY, NOW)], "test", now=NOW)
    assert _subjects(training, tickets).count(h(tickets, CY)) == 1  # as made, not rewritten
    version, [scope] = coverage_now(conn, layout, tickets, KEY)
    assert version == "v1" and scope.rows["withdrawn"] == 1
    purpose = purpose_of(tickets, "model_training")
    now = ConsentLedger(layout).states("support_tickets", "model_training",
                                       NOW + timedelta(seconds=1))
    assert measure(conn, tickets, "v1", purpose, now, KEY).rows["given"] == 4


def test_re_ingesting_a_withdrawn_subject_cannot_bring_them_back(tickets, conn, layout):
    _consent(layout, tickets, withdraw=[BOB])
    deliver(conn, layout, tickets, "v1", V1)
    # A new batch with Bob's tickets again, his address written differently.
    [scope] = deliver(conn, layout, tickets, "v2", ["Bob@EXAMPLE.com ", CY, BOB])
    training = layout.purpose_file("support_tickets", "model_training", "v2")
    assert _subjects(training, tickets) == [h(tickets, CY)]
    assert scope.rows["withdrawn"] == 2
    # Delivering v1 again gives the same scope: the ledger decides, not the batch.
    deliver(conn, layout, tickets, "v1", V1)
    assert h(tickets, BOB) not in _subjects(
        layout.purpose_file("support_tickets", "model_training", "v1"), tickets)


def test_erasure_and_retention_reach_the_purpose_exports(tickets, conn, layout):
    _consent(layout, tickets)
    deliver(conn, layout, tickets, "v1", V1)
    with transaction(conn):
        erase_subject(conn, layout, tickets, "customer_email", ANN, KEY, NOW)
    training = layout.purpose_file("support_tickets", "model_training", "v1")
    assert h(tickets, ANN) not in _subjects(training, tickets)
    assert len(_subjects(training, tickets)) == 3  # Bob twice and Cy: rewritten, not emptied
    item = RetentionItem("support_tickets", "v1", "*", "delete", "test", EARLIER, NOW, False,
                         False)
    with transaction(conn):
        enforce_item(conn, layout, tickets, item, NOW)
    assert not training.exists()
    assert not layout.delivered_file("support_tickets", "v1").exists()


def test_without_the_hash_key_consent_cannot_be_judged(tickets, conn, layout):
    deliver(conn, layout, tickets, "v1", V1)
    purpose = purpose_of(tickets, "model_training")
    with pytest.raises(ConsentError, match="set DATAOPS_HASH_KEY"):
        measure(conn, tickets, "v1", purpose, {}, "")
