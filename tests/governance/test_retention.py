"""Retention plan from contracts, legal holds, and rule errors."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from governance.errors import ContractError, InvalidNameError
from governance.holds import HoldBook
from governance.rawstore import RawVersion
from governance.retention import VERSION_SCOPE, retention_plan, retention_rules

T0 = datetime(2026, 1, 1)


def _raw(version: str, arrived: datetime) -> RawVersion:
    return RawVersion("support_tickets", version, "0" * 64, 10, arrived.isoformat(), "/x",
                      "x.csv", "/raw/x")


def test_rules_come_from_the_contract(tickets, loans):
    rules = {r.scope: r for r in retention_rules(tickets)}
    assert rules[VERSION_SCOPE].keep_for == timedelta(days=730)
    assert rules[VERSION_SCOPE].action == "delete"
    assert rules["body"].keep_for == timedelta(days=90) and rules["body"].action == "anonymize"
    assert "legitimate interest" in rules["body"].legal_basis
    assert [r.action for r in retention_rules(loans)] == ["anonymize"]


def test_plan_lists_deadlines_and_respects_holds(tickets, tmp_path):
    holds = HoldBook(tmp_path / "holds.json")
    holds.add("support_tickets", "v2", "audit 2026-04")
    plan = retention_plan(tickets, [_raw("v1", T0), _raw("v2", T0)], holds)
    due = {(i.version, i.scope): i.due_at for i in plan}
    assert due[("v1", "body")] == T0 + timedelta(days=90)
    assert due[("v1", VERSION_SCOPE)] == T0 + timedelta(days=730)
    now = T0 + timedelta(days=100)
    assert {(i.version, i.scope) for i in plan if i.due(now)} == {("v1", "body")}
    assert all(i.held for i in plan if i.version == "v2")
    assert [i.due_at for i in plan] == sorted(i.due_at for i in plan)


def test_holds_add_remove_list(tmp_path):
    holds = HoldBook(tmp_path / "holds.json")
    holds.add("support_tickets", "v1", "litigation")
    holds.add("support_tickets", "v1", "second reason keeps the first")
    assert [(h.version, h.reason) for h in holds.list()] == [("v1", "litigation")]
    assert holds.held("support_tickets", "v1") and not holds.held("support_tickets", "v2")
    assert holds.remove("support_tickets", "v1") and not holds.remove("support_tickets", "v1")
    with pytest.raises(InvalidNameError):
        holds.add("../etc", "v1", "x")


def test_bad_retention_settings_name_the_field(tickets):
    bad = dataclasses.replace(tickets, custom={**tickets.custom, "retentionAction": "shred"})
    with pytest.raises(ContractError, match="retentionAction"):
        retention_rules(bad)
