"""The incident policy read from a contract: mistakes fail at load, naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.errors import ContractError, GovernanceError
from governance.incidents.model import DEFAULT_CAUSES, HIGH, MEDIUM
from governance.incidents.policy import (
    BLOCKING_CHECK,
    DRIFT_REFRESH,
    RUN_FAILURE,
    SLO_ERROR,
    SLO_WARNING,
    UnknownCauseError,
    incident_policy,
    severity_for,
    slo_severity,
)
from tests.governance.incidents.conftest import edited_contract

MAIL = {"channel": "mail", "tool": "email", "url": "mailto:team@example.com"}


def test_the_demo_contracts_escalate_high_at_opening_and_after_two_hours(contracts):
    for contract in contracts.values():
        policy = incident_policy(contract)
        assert policy.owner == contract.owner_team and policy.owner_emails == contract.owners
        first, second = policy.rules(HIGH)
        assert first.at_opening and second.after == timedelta(hours=2)
        assert policy.channel(first.channels[0]).email in contract.owners
        assert policy.channel(second.channels[0]).webhook.startswith("http://127.0.0.1")
        assert [r.after for r in policy.rules(MEDIUM)] == [timedelta(hours=24)]
        assert policy.auto_resolve["latency_within_slo"] in policy.causes
    labels = incident_policy(contracts["support_ticket_labels"])
    assert labels.causes == (*DEFAULT_CAUSES, "annotation tool outage")


def test_severity_mapping():
    assert [severity_for(s) for s in (BLOCKING_CHECK, RUN_FAILURE, SLO_ERROR)] == [HIGH] * 3
    assert [severity_for(s) for s in (SLO_WARNING, DRIFT_REFRESH)] == [MEDIUM] * 2
    assert (slo_severity("error"), slo_severity("warning")) == (HIGH, MEDIUM)
    with pytest.raises(GovernanceError, match="unknown signal source"):
        severity_for("rumour")


@pytest.mark.parametrize(("support", "incidents", "field", "reason"), [
    ([MAIL], {"escalation": {"urgent": []}}, "incidents.escalation.urgent", "unknown severity"),
    ([MAIL], {"escalation": {"high": [{"after": "1 h", "notify": ["pager"]}]}},
     "incidents.escalation.high[0].notify", "'pager' is not a channel"),
    ([MAIL], {"escalation": {"high": [{"after": "soon", "notify": ["mail"]}]}},
     "incidents.escalation.high[0].after", "not a duration"),
    ([MAIL], {"escalation": {"high": [{"notify": ["mail"]}, {"after": 0, "notify": ["mail"]}]}},
     "incidents.escalation.high[1].after", "same delay"),
    ([MAIL], {"autoResolve": [{"key": "latency_within_slo", "cause": "luck"}]},
     "incidents.autoResolve[0].cause", "not in the cause taxonomy"),
    ([MAIL], {"causes": ["call 0123456789"]}, "incidents.causes", "short plain words"),
    ([MAIL], {"owners": []}, "customProperties.incidents", "unknown keys"),
    ([{"channel": "mail", "tool": "email", "url": "https://mail.example.com"}], {},
     "support[0].url", "mailto"),
    ([MAIL, MAIL], {}, "support[1].channel", "declared twice"),
])
def test_mistakes_fail_at_load_naming_the_field(tmp_path, support, incidents, field, reason):
    with pytest.raises(ContractError, match=reason) as info:
        edited_contract(tmp_path, support=support, incidents=incidents)
    assert info.value.field.endswith(field)


def test_a_contract_cause_extends_the_taxonomy_and_is_checked(tmp_path):
    contract = edited_contract(tmp_path, support=[MAIL], incidents={
        "causes": ["help desk export bug"],
        "autoResolve": [{"key": "freshness_within_sla", "cause": "help desk export bug"}]})
    policy = incident_policy(contract)
    assert policy.check_cause(" help desk export bug ") == "help desk export bug"
    assert policy.auto_resolve == {"freshness_within_sla": "help desk export bug"}
    with pytest.raises(UnknownCauseError, match="help desk export bug"):
        policy.check_cause("bad luck")
    # No incidents property: default causes, no escalation, nothing auto-resolves.
    bare = incident_policy(edited_contract(tmp_path, support=[], incidents={}))
    assert (bare.causes, bare.escalation, bare.auto_resolve) == (DEFAULT_CAUSES, (), {})
