"""Drift settings read from contracts: default columns and kinds, overrides, errors."""

from __future__ import annotations

import dataclasses

import pytest

from governance.contracts import DatasetContract
from governance.drift.columns import CATEGORICAL, NUMERIC, TEXT
from governance.drift.spec import LAST_DELIVERED, drift_spec, refresh_job_name
from governance.errors import ContractError


def _with_drift(contract: DatasetContract, drift: object) -> DatasetContract:
    return dataclasses.replace(contract, custom={**contract.custom, "drift": drift})


def test_loans_compare_non_identifying_columns_only(contracts) -> None:
    spec = drift_spec(contracts["loan_applications"])
    # Keys, direct identifiers (name, e-mail, phone, birth date) and time columns are left
    # out; enums and booleans are categorical, unbounded numbers numeric.
    assert spec.kinds == {
        "annual_income": NUMERIC, "loan_amount": NUMERIC, "term_months": CATEGORICAL,
        "employment_status": CATEGORICAL, "credit_score": NUMERIC, "purpose": CATEGORICAL,
        "defaulted": CATEGORICAL}
    assert spec.reference == LAST_DELIVERED and spec.pinned is None
    assert spec.label_column == "defaulted"
    assert spec.refresh_job == refresh_job_name("loan_applications") == \
        "loan_applications_refresh"
    assert spec.thresholds.share == 0.5


def test_tickets_text_columns_are_declared(contracts) -> None:
    spec = drift_spec(contracts["support_tickets"])
    assert spec.kinds == {"channel": CATEGORICAL, "subject": TEXT, "body": TEXT,
                          "category": CATEGORICAL, "priority": NUMERIC}


def test_overrides_pin_reference_and_thresholds(contracts) -> None:
    contract = _with_drift(contracts["loan_applications"], {
        "reference": "v3", "columns": ["credit_score", "applied_at"],
        "thresholds": {"share": 0.75, "wasserstein": 0.2}, "refreshJob": "retrain_scoring"})
    spec = drift_spec(contract)
    assert spec.pinned == "v3"
    # A listed time column is compared too, as numbers.
    assert spec.kinds == {"applied_at": NUMERIC, "credit_score": NUMERIC}
    assert (spec.thresholds.share, spec.thresholds.wasserstein) == (0.75, 0.2)
    assert spec.refresh_job == "retrain_scoring"


@pytest.mark.parametrize(("drift", "field", "reason"), [
    ({"reference": "latest"}, "customProperties.drift.reference", "lastDelivered"),
    ({"exclude": ["nope"]}, "customProperties.drift.exclude", "'nope' is not a column"),
    ({"thresholds": {"shares": 0.5}}, "customProperties.drift.thresholds", "shares"),
    ({"thresholds": {"share": 1.5}}, "customProperties.drift.thresholds", "share"),
    ({"window": 3}, "customProperties.drift", "unknown keys ['window']"),
])
def test_bad_drift_settings_name_the_field(contracts, drift, field, reason) -> None:
    with pytest.raises(ContractError) as err:
        drift_spec(_with_drift(contracts["loan_applications"], drift))
    assert err.value.field == field
    assert reason in err.value.reason
