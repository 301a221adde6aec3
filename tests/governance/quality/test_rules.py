"""Rules from contracts: each kind, severities, targets and malformed quality entries."""

from __future__ import annotations

import dataclasses

import pandera.pandas as pa
import pytest
import yaml

from governance.contracts import contract_from_model
from governance.errors import ContractError
from governance.quality.pandera_engine import build_schema
from governance.quality.rules import (
    ALLOWED,
    CONSISTENCY,
    PATTERNS,
    RANGES,
    REQUIRED,
    ROW_COUNT,
    UNIQUE,
    quality_spec,
)


def test_every_rule_kind_comes_from_the_loan_contract(loans):
    spec = quality_spec(loans)
    kinds = {(r.id, r.kind, r.family) for r in spec.rules}
    assert ("application_id.not_null", "not_null", REQUIRED) in kinds
    assert ("application_id.unique", "unique", UNIQUE) in kinds
    assert ("employment_status.isin", "isin", ALLOWED) in kinds
    assert ("credit_score.in_range", "in_range", RANGES) in kinds
    assert ("application_id.pattern", "pattern", PATTERNS) in kinds
    assert ("decision_after_application", "compare", CONSISTENCY) in kinds
    assert ("minimum_batch_size", "row_count", ROW_COUNT) in kinds
    rng = next(r for r in spec.rules if r.id == "credit_score.in_range")
    assert rng.params == {"min": 300, "max": 850}
    assert spec.targets["accuracy"] == 0.95
    assert spec.reference_key == "application_id"


def test_pandera_schema_mirrors_the_rules(loans):
    schema, keys = build_schema(loans, quality_spec(loans))
    assert isinstance(schema, pa.DataFrameSchema)
    app_id = schema.columns["application_id"]
    assert not app_id.nullable and app_id.unique
    assert schema.columns["phone"].nullable  # not required
    assert [type(c).__name__ for c in schema.columns["credit_score"].checks] == ["Check"]
    assert schema.columns["credit_score"].checks[0].statistics == {
        "min_value": 300, "max_value": 850, "include_min": True, "include_max": True}
    assert {r.id for r in keys.values()} == {r.id for r in quality_spec(loans).rules}
    assert len(schema.checks) == 2  # the cross-field rule and the row count


def test_severity_defaults_to_blocking_and_can_be_lowered(tickets, loans):
    assert quality_spec(loans).blocking(PATTERNS)
    spec = quality_spec(tickets)
    assert spec.severity[PATTERNS] == "warning" and not spec.blocking(PATTERNS)
    assert spec.blocking(UNIQUE)


def _with(contract, custom=None, quality=None):
    odcs = contract.odcs.model_copy(deep=True)
    if custom is not None:
        odcs.customProperties = [*odcs.customProperties,
                                 type(odcs.customProperties[0])(**custom)]
    if quality is not None:
        obj = odcs.schema_[0]
        obj.quality = [type(obj.quality[0])(**q) for q in quality]
    return dataclasses.replace(contract_from_model(contract.path, odcs), odcs=odcs)


@pytest.mark.parametrize(("custom", "quality", "field"), [
    ({"property": "checkSeverity", "value": {"value_ranges": "fatal"}}, None,
     "customProperties.checkSeverity"),
    ({"property": "checkSeverity", "value": {"vibes": "error"}}, None,
     "customProperties.checkSeverity"),
    ({"property": "qualityTargets", "value": {"completeness": 1.5}}, None,
     "customProperties.qualityTargets"),
    (None, [{"name": "x", "type": "custom", "engine": "dataops",
             "implementation": {"compare": ["decision_at", "~", "applied_at"]}}],
     "schema[0].quality[0].implementation.compare"),
    (None, [{"name": "x", "type": "custom", "engine": "dataops",
             "implementation": {"compare": ["decided", ">=", "applied_at"]}}],
     "schema[0].quality[0].implementation.compare"),
    (None, [{"name": "x", "type": "library", "metric": "rowCount"}], "schema[0].quality[0]"),
    (None, [{"name": "x", "type": "sql", "query": "select 1"}], "schema[0].quality[0]"),
])
def test_malformed_quality_settings_name_the_field(loans, custom, quality, field):
    contract = _with(loans, custom, quality)
    with pytest.raises(ContractError) as info:
        quality_spec(contract)
    assert info.value.field == field


def test_quality_entries_in_yaml_parse(loans):
    text = yaml.safe_dump(loans.odcs.model_dump(by_alias=True, exclude_none=True))
    assert "decision_after_application" in text
