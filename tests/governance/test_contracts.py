"""Contract loading: the demo contracts, and each kind of malformed contract."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from governance.contracts import load_contract, load_contracts, parse_duration
from governance.errors import ContractError
from tests.conftest import CONTRACTS_DIR


def test_demo_contracts_load_with_project_settings(contracts):
    tickets = contracts["support_tickets"]
    assert tickets.owner_team == "support-data"
    assert tickets.subject_key == "customer_email"
    assert tickets.file_format == "csv" and tickets.encoding == "utf-8"
    assert tickets.landing_folder == "support_tickets"
    assert tickets.sla("freshness").duration == timedelta(days=7)
    assert tickets.sla("retention").duration == timedelta(days=730)
    assert tickets.personal_columns == ("customer_name", "customer_email", "body")
    email = tickets.column("customer_email")
    assert email.required and email.cleaning == ("trim", "lower") and email.treatment == "hash"
    assert tickets.column("channel").allowed_values == ("email", "chat", "phone", "web")
    loans = contracts["loan_applications"]
    assert loans.column("credit_score").minimum == 300
    assert loans.column("credit_score").maximum == 850
    assert loans.column("application_id").pattern == "^A-[0-9]{7}$"
    assert loans.classification == "sensitive"


def _write(tmp_path: Path, data: object, name: str = "bad.odcs.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def _good() -> dict:
    return yaml.safe_load((CONTRACTS_DIR / "support_tickets.odcs.yaml").read_text())


def _mutate(fn):
    data = _good()
    fn(data)
    return data


MALFORMED = {
    "not yaml": ("name: [unclosed", "line 1"),
    "not a mapping": ("- just\n- a list\n", "(top level)"),
    "missing apiVersion": (_mutate(lambda d: d.pop("apiVersion")), "(top level)"),
    "wrong kind": (_mutate(lambda d: d.update(kind="Contract")), "kind"),
    "unknown top-level field": (_mutate(lambda d: d.update(owner="me")), "(top level)"),
    "bad logical type": (
        _mutate(lambda d: d["schema"][0]["properties"][0].update(logicalType="text")),
        "schema[0].properties[0].logicalType"),
    "unsupported logical type": (
        _mutate(lambda d: d["schema"][0]["properties"][1].update(logicalType="object")),
        "schema[0].properties[1].logicalType"),
    "missing name": (_mutate(lambda d: d.pop("name")), "name"),
    "unsafe dataset name": (_mutate(lambda d: d.update(name="tickets; drop table x")), "name"),
    "missing team": (_mutate(lambda d: d.pop("team")), "team"),
    "missing purpose": (_mutate(lambda d: d["description"].pop("purpose")),
                        "description.purpose"),
    "no schema": (_mutate(lambda d: d.pop("schema")), "schema"),
    "unsafe column name": (
        _mutate(lambda d: d["schema"][0]["properties"][1].update(name="created at")),
        "schema[0].properties[1].name"),
    "duplicate column": (
        _mutate(lambda d: d["schema"][0]["properties"][1].update(name="ticket_id")),
        "schema[0].properties"),
    "unknown cleaning step": (
        _mutate(lambda d: d["schema"][0]["properties"][2]["customProperties"][1].update(
            value=["scrub"])), "schema[0].properties[2].customProperties.cleaning"),
    "bad sla unit": (_mutate(lambda d: d["slaProperties"][0].update(unit="fortnights")),
                     "slaProperties[0].value"),
    "unknown format": (_mutate(lambda d: d["customProperties"][0].update(value="xlsx")),
                       "customProperties.format"),
    "traversal landing folder": (
        _mutate(lambda d: d["customProperties"][2].update(value="../../etc")),
        "customProperties.landingFolder"),
    "subject key not a column": (
        _mutate(lambda d: d["customProperties"][3].update(value="ssn")),
        "customProperties.subjectKey"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_contract_names_file_and_field(tmp_path, case):
    data, field = MALFORMED[case]
    path = _write(tmp_path, data)
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert info.value.field == field
    assert str(path) in str(info.value)
    assert f"field '{field}'" in str(info.value)


def test_one_bad_contract_fails_the_whole_folder(tmp_path):
    _write(tmp_path, _good(), "a.odcs.yaml")
    _write(tmp_path, _mutate(lambda d: d.update(kind="Nope")), "b.odcs.yaml")
    with pytest.raises(ContractError, match=r"b\.odcs\.yaml"):
        load_contracts(tmp_path)


def test_two_contracts_for_one_dataset_are_refused(tmp_path):
    _write(tmp_path, _good(), "a.odcs.yaml")
    _write(tmp_path, _good(), "b.odcs.yaml")
    with pytest.raises(ContractError, match="already defined"):
        load_contracts(tmp_path)


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (24, "h", timedelta(hours=24)), ("7d", None, timedelta(days=7)),
    (2, "y", timedelta(days=730)), (30, "minutes", timedelta(minutes=30)),
])
def test_parse_duration(value, unit, expected):
    assert parse_duration(value, unit) == expected


@pytest.mark.parametrize(("value", "unit"), [(-1, "d"), ("soon", None), (3, "parsecs"),
                                             (True, "d")])
def test_parse_duration_rejects(value, unit):
    with pytest.raises(ValueError):
        parse_duration(value, unit)
