"""The labeling section of a contract: roles, guidelines, targets and audit plan."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from governance.contracts import DatasetContract
from governance.errors import ContractError
from governance.labeling.spec import CHECK_AGREEMENT, CHECK_GOLD_ACCURACY, labeling_spec


def _with(contract: DatasetContract, **changes: object) -> DatasetContract:
    labeling = {**contract.custom["labeling"], **changes}
    return dataclasses.replace(contract, custom={**contract.custom, "labeling": labeling})


def test_demo_labeling_spec(contracts) -> None:
    spec = labeling_spec(contracts["support_ticket_labels"])
    assert spec is not None
    assert spec.labels_dataset == "support_tickets"
    assert spec.label_set == ("billing", "technical", "account", "shipping", "other")
    assert spec.guidelines.version == "2.2"
    assert spec.guidelines.path.name == "support_ticket_guidelines.md"
    assert len(spec.guidelines.sha256) == 64
    assert spec.targets["krippendorffAlpha"] == 0.667
    assert spec.targets["goldAccuracy"] == 0.95
    assert spec.blocking == {CHECK_AGREEMENT, CHECK_GOLD_ACCURACY}
    assert (spec.audit.method, spec.audit.margin, spec.audit.stratify_by) == (
        "margin", 0.03, "vendor")
    assert labeling_spec(contracts["support_tickets"]) is None


def test_guidelines_version_must_match_the_document(contracts, tmp_path: Path) -> None:
    contract = contracts["support_ticket_labels"]
    with pytest.raises(ContractError) as err:
        labeling_spec(_with(contract, guidelines={
            "path": "guidelines/support_ticket_guidelines.md", "version": "2.0"}))
    assert err.value.field == "customProperties.labeling.guidelines.version"
    assert "names version 2.0 but support_ticket_guidelines.md says 2.2" in err.value.reason


@pytest.mark.parametrize(("change", "field"), [
    ({"targets": {"kappa": 0.6}}, "customProperties.labeling.targets"),
    ({"blocking": ["labeling_speed"]}, "customProperties.labeling.blocking"),
    ({"audit": {"method": "aql"}}, "customProperties.labeling.audit.aql"),
    ({"audit": {"stratifyBy": "label"}}, "customProperties.labeling.audit.stratifyBy"),
    ({"columns": {"item": "item_id"}}, "customProperties.labeling.columns"),
    ({"guidelines": {"path": "missing.md", "version": "1"}},
     "customProperties.labeling.guidelines.path"),
])
def test_bad_labeling_settings_name_the_field(contracts, change, field) -> None:
    with pytest.raises(ContractError) as err:
        labeling_spec(_with(contracts["support_ticket_labels"], **change))
    assert err.value.field == field
