"""Column lineage: personal data follows derived columns unless the transform anonymizes."""

from __future__ import annotations

from governance.lineage import (
    ColumnEdge,
    personal_columns_by_stage,
    propagate_personal,
    stage_edges,
)


def test_personal_data_propagates_through_a_derived_column():
    edges = [
        ColumnEdge("features", "email_domain", "clean", "email", "split_part"),
        ColumnEdge("clean", "email", "raw", "email", "lower"),
        ColumnEdge("export", "email_hash", "clean", "email", "hash"),
        ColumnEdge("stats", "emails_per_day", "clean", "email", "aggregate"),
        ColumnEdge("features", "amount", "clean", "amount", "identity"),
    ]
    personal = propagate_personal(edges, {("raw", "email")})
    assert ("clean", "email") in personal
    assert ("features", "email_domain") in personal  # derived, not anonymized
    assert ("export", "email_hash") not in personal  # keyed hash anonymizes
    assert ("stats", "emails_per_day") not in personal  # aggregates anonymize
    assert ("features", "amount") not in personal


def test_demo_contract_chain(loans, tickets):
    by_stage = personal_columns_by_stage(loans)
    assert by_stage["validated"] == {"applicant_name", "email", "phone", "date_of_birth"}
    assert by_stage["delivered"] == {"phone"}  # masked: still personal
    assert personal_columns_by_stage(tickets)["delivered"] == set()
    delivered = {e.column: e.transform for e in stage_edges(loans) if e.stage == "delivered"}
    assert "applicant_name" not in delivered and delivered["email"] == "hash"
    cleaned = {e.column: e.transform for e in stage_edges(loans) if e.stage == "cleaned"}
    assert cleaned["email"] == "trim+lower"
