"""The contract's service levels: slaProperties, the serviceLevels property, labeling units."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from governance.contracts import DatasetContract, load_contract
from governance.errors import ContractError
from governance.labeling.spec import Money, labeling_spec
from governance.service_levels.spec import (
    AVAILABILITY,
    FREQUENCY,
    LATENCY,
    Availability,
    service_levels,
)
from tests.conftest import CONTRACTS_DIR


def _rewrite(tmp_path: Path, name: str, edit) -> Path:
    """A copy of a demo contract with `edit(data)` applied (guidelines copied beside it)."""
    data = yaml.safe_load((CONTRACTS_DIR / f"{name}.odcs.yaml").read_text())
    edit(data)
    (tmp_path / "guidelines").mkdir(exist_ok=True)
    for g in (CONTRACTS_DIR / "guidelines").iterdir():
        (tmp_path / "guidelines" / g.name).write_text(g.read_text())
    path = tmp_path / f"{name}.odcs.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _custom(data: dict, name: str) -> dict:
    return next(p for p in data["customProperties"] if p["property"] == name)


def _sla(data: dict, name: str) -> dict:
    return next(p for p in data["slaProperties"] if p["property"] == name)


def _with_levels(contract: DatasetContract, **settings: object) -> DatasetContract:
    levels = {**contract.custom["serviceLevels"], **settings}
    return dataclasses.replace(contract, custom={**contract.custom, "serviceLevels": levels})


def test_demo_service_levels(contracts) -> None:
    tickets = service_levels(contracts["support_tickets"])
    assert tickets.latency == timedelta(hours=6)
    assert tickets.frequency == timedelta(days=1)
    assert tickets.grace == timedelta(hours=12)
    assert tickets.window == timedelta(days=28)
    assert tickets.declared == (LATENCY, FREQUENCY, AVAILABILITY)
    assert tickets.objective(LATENCY).severity == "error"
    assert tickets.objective(FREQUENCY).objective == 0.9
    assert tickets.availability == Availability(
        time(9), ZoneInfo("Europe/Amsterdam"), timedelta(hours=6), "09:00")
    labels = service_levels(contracts["support_ticket_labels"])
    assert labels.declared == (LATENCY, FREQUENCY, "turnaroundP90", "labelsPerHour",
                               "costPerItem")
    assert labels.objective("costPerItem").severity == "error"


def test_defaults_without_a_service_levels_property(contracts) -> None:
    contract = contracts["loan_applications"]
    custom = {k: v for k, v in contract.custom.items() if k != "serviceLevels"}
    levels = service_levels(dataclasses.replace(contract, custom=custom))
    assert levels.window == timedelta(days=28)
    assert levels.grace == timedelta(0)
    assert {o.severity for o in levels.objectives.values()} == {"warning"}
    assert {o.objective for o in levels.objectives.values()} == {0.95}


def test_availability_deadline_same_day_next_day_and_across_dst() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    rule = Availability(time(9), amsterdam, timedelta(hours=6), "09:00")
    # 02:59 local (winter, UTC+1) is before the 03:00 cutoff: due 09:00 the same day.
    assert rule.deadline(datetime(2026, 12, 2, 1, 59, tzinfo=UTC)) == datetime(
        2026, 12, 2, 8, 0, tzinfo=UTC)
    # 03:01 local is after the cutoff: due 09:00 the next day, not already late.
    assert rule.deadline(datetime(2026, 12, 2, 2, 1, tzinfo=UTC)) == datetime(
        2026, 12, 3, 8, 0, tzinfo=UTC)
    # Arriving on the evening before summer time starts: due 09:00 CEST (07:00 UTC).
    assert rule.deadline(datetime(2026, 3, 28, 20, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC)
    no_lead = Availability(time(9), UTC, timedelta(0), "09:00")
    assert no_lead.deadline(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 9, 0, tzinfo=UTC)


def test_cutoff_sets_the_lead_even_across_midnight(contracts) -> None:
    levels = service_levels(_with_levels(contracts["support_tickets"], timeOfAvailability={
        "cutoff": "22:30"}))
    assert levels.availability is not None
    assert levels.availability.lead == timedelta(hours=10, minutes=30)


def test_offset_in_the_value_sets_the_zone(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        _sla(data, AVAILABILITY)["value"] = "09:00-08:00"
        _custom(data, "serviceLevels")["value"].pop("timeZone")
    levels = service_levels(load_contract(_rewrite(tmp_path, "support_tickets", edit)))
    assert levels.availability is not None
    assert levels.availability.deadline(datetime(2026, 12, 2, 0, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(("settings", "field", "words"), [
    ({"latency": {"severity": "fatal"}}, "customProperties.serviceLevels.latency.severity",
     "not error or warning"),
    ({"latency": {"objective": 1.5}}, "customProperties.serviceLevels.latency.objective",
     "share of versions"),
    ({"latency": {"grace": "1 h"}}, "customProperties.serviceLevels.latency", "unknown keys"),
    ({"frequency": {"grace": "soon"}}, "customProperties.serviceLevels.frequency.grace",
     "not a duration"),
    ({"window": "12 h"}, "customProperties.serviceLevels.window", "at least 1 day"),
    ({"timeZone": "Mars/Olympus"}, "customProperties.serviceLevels.timeZone",
     "not a time zone"),
    ({"timeOfAvailability": {"cutoff": "3am"}},
     "customProperties.serviceLevels.timeOfAvailability.cutoff", "not a clock time"),
    ({"turnaroundP90": {}}, "customProperties.serviceLevels.turnaroundP90",
     "declare no turnaroundP90 target"),
    ({"budget": 3}, "customProperties.serviceLevels", "unknown keys"),
])
def test_bad_settings_name_file_and_field(contracts, settings, field, words) -> None:
    contract = _with_levels(contracts["support_tickets"], **settings)
    with pytest.raises(ContractError) as err:
        service_levels(contract)
    assert err.value.field == field
    assert err.value.path == str(contract.path)
    assert words in err.value.reason


@pytest.mark.parametrize(("edit", "field", "words"), [
    (lambda d: _sla(d, AVAILABILITY).update(value="9 o'clock"), "slaProperties[4].value",
     "not a clock time"),
    (lambda d: _sla(d, AVAILABILITY).update(value="09:00+01:00"), "slaProperties[4].value",
     "give the time zone once"),
    (lambda d: _sla(d, LATENCY).update(value=0), "slaProperties[2].value",
     "longer than 0"),
    (lambda d: _sla(d, FREQUENCY).update(unit="fortnight"), "slaProperties[3].value",
     "unit 'fortnight'"),
])
def test_bad_sla_properties_fail_at_load(tmp_path: Path, edit, field, words) -> None:
    path = _rewrite(tmp_path, "support_tickets", edit)
    with pytest.raises(ContractError) as err:
        load_contract(path)
    assert (err.value.path, err.value.field) == (str(path), field)
    assert words in err.value.reason


def test_labeling_targets_with_units(contracts) -> None:
    spec = labeling_spec(contracts["support_ticket_labels"])
    assert spec is not None
    ops = spec.operations
    assert ops.turnaround_p90 == timedelta(hours=60)
    assert ops.labels_per_hour == 80.0
    assert ops.cost_per_item == Money(0.30, "USD")
    assert spec.currency == "USD"
    # The four shares keep working beside them.
    assert spec.targets["krippendorffAlpha"] == 0.667


def _labels_with(contract: DatasetContract, **targets: object) -> DatasetContract:
    labeling = dict(contract.custom["labeling"])
    labeling["targets"] = {**labeling["targets"], **targets}
    return dataclasses.replace(contract, custom={**contract.custom, "labeling": labeling})


@pytest.mark.parametrize(("targets", "expected"), [
    ({"turnaroundP90": {"value": 90, "unit": "min"}}, ("turnaround_p90", timedelta(hours=1.5))),
    ({"labelsPerHour": "2 per min"}, ("labels_per_hour", 120.0)),
    ({"labelsPerHour": 45}, ("labels_per_hour", 45.0)),
    ({"costPerItem": {"amount": 0.25, "currency": "USD"}}, ("cost_per_item", Money(0.25, "USD"))),
])
def test_labeling_unit_spellings(contracts, targets, expected) -> None:
    spec = labeling_spec(_labels_with(contracts["support_ticket_labels"], **targets))
    assert spec is not None
    assert getattr(spec.operations, expected[0]) == expected[1]


@pytest.mark.parametrize(("targets", "field", "words"), [
    ({"turnaroundP90": 4}, "targets.turnaroundP90", "unit None"),
    ({"turnaroundP90": "0 h"}, "targets.turnaroundP90", "longer than 0"),
    ({"labelsPerHour": "fast"}, "targets.labelsPerHour", "not a rate"),
    ({"labelsPerHour": "30/week"}, "targets.labelsPerHour", "unit 'week'"),
    ({"labelsPerHour": 0}, "targets.labelsPerHour", "more than 0"),
    ({"costPerItem": 0.3}, "targets.costPerItem", "amount with a currency"),
    ({"costPerItem": "0.30 EUR"}, "targets.costPerItem", "cost column is in USD"),
    ({"costPerItem": "0.30 usd"}, "targets.costPerItem", "amount with a currency"),
    ({"goldAccuracy": 1.5}, "targets.goldAccuracy", "between -1 and 1"),
])
def test_bad_labeling_units_name_the_field(contracts, targets, field, words) -> None:
    with pytest.raises(ContractError) as err:
        labeling_spec(_labels_with(contracts["support_ticket_labels"], **targets))
    assert err.value.field == f"customProperties.labeling.{field}"
    assert words in err.value.reason


def test_cost_target_needs_the_cost_currency(contracts) -> None:
    contract = contracts["support_ticket_labels"]
    labeling = {k: v for k, v in contract.custom["labeling"].items() if k != "currency"}
    with pytest.raises(ContractError) as err:
        labeling_spec(dataclasses.replace(contract, custom={**contract.custom,
                                                            "labeling": labeling}))
    assert err.value.field == "customProperties.labeling.currency"
    assert "currency of the cost column" in err.value.reason
