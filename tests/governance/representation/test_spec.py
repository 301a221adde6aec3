"""The contract's representation property: the demo's reading, and bad declarations refused
with the file and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from governance.contracts import load_contract
from governance.errors import ContractError
from governance.representation.spec import FIRST_DELIVERED, representation_spec
from tests.conftest import CONTRACTS_DIR

SOURCE = CONTRACTS_DIR / "loan_applications.odcs.yaml"
FIELD = "customProperties.representation"


def test_the_demo_loans_watch_an_age_band_and_employment_status(loans):
    spec = representation_spec(loans)
    age, employment = spec.groups
    assert (age.name, age.band.source, age.band.as_of) == ("age_band", "date_of_birth",
                                                           "applied_at")
    assert age.band.edges == (18, 25, 35, 50, 65) and age.reference == "35-49"
    assert (employment.name, employment.column, employment.reference) == (
        "employment_status", "employment_status", "employed")
    assert (spec.outcome.column, spec.outcome.favorable) == ("defaulted", False)
    assert (spec.min_count, spec.reference, spec.pinned) == (10, FIRST_DELIVERED, None)
    assert spec.bounds.disparate_impact == (0.8, 1.25)
    assert spec.bounds.min_share_of("employment_status") == 0.02
    assert spec.columns() == ["date_of_birth", "applied_at", "employment_status", "defaulted"]


def test_contracts_without_the_property_watch_nothing(tickets):
    assert representation_spec(tickets) is None


def _with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SOURCE.read_text())
    entry = next(p for p in data["customProperties"] if p["property"] == "representation")
    value = copy.deepcopy(entry["value"])
    entry["value"] = change(value) or value
    path = tmp_path / SOURCE.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _set(*where, value):
    def change(v):
        target = v
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value
    return change


BAD = [
    ("unknown key", _set("weights", value=1), "", "unknown keys"),
    ("no groups", _set("groups", value=[]), ".groups", "at least one group"),
    ("unknown column", _set("groups", 1, "column", value="salary"), ".groups[1].column",
     "'salary' is not a column"),
    ("personal column", _set("groups", 1, "column", value="email"), ".groups[1].column",
     "declare a band"),
    ("band from a number", _set("groups", 0, "band", "from", value="annual_income"),
     ".groups[0].band.from", "date or timestamp"),
    ("edges out of order", _set("groups", 0, "band", "edges", value=[25, 18]),
     ".groups[0].band.edges", "increasing order"),
    ("band without a name", lambda v: v["groups"][0].pop("name") and None, ".groups[0].name",
     "needs a name"),
    ("column and band", _set("groups", 0, "column", value="employment_status"), ".groups[0]",
     "either a column or a band"),
    ("favorable not boolean", _set("outcome", "favorable", value="no"), ".outcome.favorable",
     "true or false"),
    ("no favorable value", lambda v: v["outcome"].pop("favorable") and None,
     ".outcome.favorable", "favorable outcome"),
    ("minCount zero", _set("minCount", value=0), ".minCount", "at least 1"),
    ("impact band inverted", _set("bounds", "disparateImpact", value=[1.25, 0.8]),
     ".bounds.disparateImpact", "0 < low <= 1 <= high"),
    ("share above one", _set("bounds", "minShare", value=1.5), ".bounds.minShare",
     "share above 0 and below 1"),
    ("share of an unknown group", _set("bounds", "minShare", value={"region": 0.1}),
     ".bounds.minShare.region", "not a declared group"),
    ("bad reference", _set("reference", value="latest"), ".reference", "firstDelivered"),
    ("reference not a band", _set("groups", 0, "reference", value="30-39"),
     ".groups[0].reference", "not one of the bands <18, 18-24"),
    ("reference not a value", _set("groups", 1, "reference", value="freelance"),
     ".groups[1].reference", "not an allowed value"),
]


@pytest.mark.parametrize(("change", "field", "reason"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_declarations_are_refused_with_file_and_field(tmp_path, change, field, reason):
    path = _with(tmp_path, change)
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert info.value.path == str(path)
    assert info.value.field == FIELD + field
    assert reason in info.value.reason
