"""The planning declarations: vendors, batch plan and budget, and their refusals."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date
from typing import Any

import pytest
from open_data_contract_standard.model import Pricing

from governance.contract_model import DatasetContract
from governance.errors import ContractError
from governance.planning.spec import planning_spec


def _with(contract: DatasetContract, odcs_price: Pricing | None = None,
          **labeling: Any) -> DatasetContract:
    """The contract with its labeling section's keys replaced (None deletes a key)."""
    custom = copy.deepcopy(contract.custom)
    for key, value in labeling.items():
        if value is None:
            custom["labeling"].pop(key, None)
        else:
            custom["labeling"][key] = value
    odcs = contract.odcs if odcs_price is None else contract.odcs.model_copy(
        update={"price": odcs_price})
    return dataclasses.replace(contract, custom=custom, odcs=odcs)


@pytest.fixture
def labels(contracts: dict[str, DatasetContract]) -> DatasetContract:
    """The demo labeling contract."""
    return contracts["support_ticket_labels"]


def test_demo_contract_declarations(labels: DatasetContract) -> None:
    spec = planning_spec(labels)
    assert spec is not None
    assert list(spec.vendors) == ["in_house", "acme_labeling", "swift_annotate"]
    house = spec.vendor("in_house")
    assert (house.headcount, house.hours_per_day, house.price, house.price_unit) == (
        4, 6.0, 8.0, "hour")
    assert house.hours_per_working_day == 24.0
    assert spec.vendor("acme_labeling").price_unit == "label"
    assert (spec.plan.redundancy, spec.plan.gold_share, spec.plan.reviewer) == (
        3, 0.12, "in_house")
    assert spec.currency == "USD"
    assert spec.budget is not None
    assert spec.budget.amount == 1000.0
    assert (spec.budget.start, spec.budget.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert spec.budget.planned_items == 3000
    assert spec.budget.vendors == {"in_house": 600.0, "acme_labeling": 400.0}


def test_no_vendors_means_no_plan(contracts: dict[str, DatasetContract],
                                  labels: DatasetContract) -> None:
    assert planning_spec(contracts["support_tickets"]) is None
    assert planning_spec(_with(labels, vendors=None, plan=None, budget=None)) is None


def test_plan_without_vendors_is_refused(labels: DatasetContract) -> None:
    with pytest.raises(ContractError, match=r"labeling\.plan.*needs the vendors"):
        planning_spec(_with(labels, vendors=None))


def test_mixed_currencies_are_refused(labels: DatasetContract) -> None:
    vendors = copy.deepcopy(labels.custom["labeling"]["vendors"])
    vendors["acme_labeling"]["currency"] = "EUR"
    with pytest.raises(ContractError, match="one currency") as err:
        planning_spec(_with(labels, vendors=vendors))
    assert "vendors.acme_labeling in EUR" in str(err.value)
    assert str(labels.path) in str(err.value)
    budget = dict(labels.custom["labeling"]["budget"], currency="EUR")
    with pytest.raises(ContractError, match="budget in EUR"):
        planning_spec(_with(labels, budget=budget))


@pytest.mark.parametrize(("vendor", "field", "message"), [
    ({"headcount": 0, "hoursPerDay": 6, "pricePerHour": 8}, "headcount", "more than 0"),
    ({"headcount": 2.5, "hoursPerDay": 6, "pricePerHour": 8}, "headcount", "whole number"),
    ({"headcount": 2, "hoursPerDay": 30, "pricePerHour": 8}, "hoursPerDay", "24 hours"),
    ({"headcount": 2, "pricePerHour": 8}, "hoursPerDay", "is missing"),
    ({"headcount": 2, "hoursPerDay": 6, "pricePerHour": 8, "pricePerLabel": 0.1}, "",
     "one price"),
    ({"headcount": 2, "hoursPerDay": 6}, "", "pricePerLabel, pricePerItem or pricePerHour"),
    ({"headcount": 2, "hoursPerDay": 6, "pricePerHour": 8, "currency": "usd"}, "currency",
     "three-letter"),
    ({"headcount": 2, "hoursPerDay": 6, "price": 8}, "", "unknown keys"),
])
def test_bad_vendor_names_file_and_field(labels: DatasetContract, vendor: dict, field: str,
                                         message: str) -> None:
    vendors = dict(labels.custom["labeling"]["vendors"], in_house=vendor)
    with pytest.raises(ContractError, match=message) as err:
        planning_spec(_with(labels, vendors=vendors))
    where = "customProperties.labeling.vendors.in_house" + (f".{field}" if field else "")
    assert err.value.field == where
    assert err.value.path == str(labels.path)


def test_odcs_price_applies_where_it_is_per_label_or_item(labels: DatasetContract) -> None:
    vendors = dict(labels.custom["labeling"]["vendors"],
                   in_house={"headcount": 2, "hoursPerDay": 5})
    per_item = Pricing(priceAmount=0.25, priceCurrency="USD", priceUnit="per item")
    spec = planning_spec(_with(labels, odcs_price=per_item, vendors=vendors))
    assert spec is not None
    house = spec.vendor("in_house")
    assert (house.price, house.price_unit, house.currency) == (0.25, "item", "USD")
    # The vendors that declare their own price keep it.
    assert spec.vendor("acme_labeling").price == 0.06
    per_gigabyte = Pricing(priceAmount=0.25, priceCurrency="USD", priceUnit="gigabyte")
    with pytest.raises(ContractError, match="no ODCS price per label or per item"):
        planning_spec(_with(labels, odcs_price=per_gigabyte, vendors=vendors))
    euro = Pricing(priceAmount=0.25, priceCurrency="EUR", priceUnit="label")
    with pytest.raises(ContractError, match="one currency"):
        planning_spec(_with(labels, odcs_price=euro, vendors=vendors))


@pytest.mark.parametrize(("key", "value", "field", "message"), [
    ("plan", {"redundancy": 3, "goldShare": 1.2}, "plan.goldShare", "share"),
    ("plan", {"redundancy": 0}, "plan.redundancy", "more than 0"),
    ("plan", {"redundancy": 3, "reviewer": "nobody"}, "plan.reviewer", "not a declared"),
    ("budget", {"amount": 100, "start": "2026-10-01", "end": "2026-09-01"}, "budget.end",
     "before it starts"),
    ("budget", {"amount": 100, "start": "2026-10-01"}, "budget.end", "is missing"),
    ("budget", {"amount": 100, "start": "2026-10-01", "end": "2026-12-31",
                "vendors": {"in_house": 80, "acme_labeling": 40}}, "budget.vendors",
     "more than the budget"),
    ("budget", {"amount": 100, "start": "2026-10-01", "end": "2026-12-31",
                "vendors": {"ghost": 10}}, "budget.vendors", "unknown keys"),
    ("budget", {"amount": 100, "start": "first of October", "end": "2026-12-31"},
     "budget.start", "not a date"),
])
def test_bad_plan_or_budget(labels: DatasetContract, key: str, value: dict, field: str,
                            message: str) -> None:
    with pytest.raises(ContractError, match=message) as err:
        planning_spec(_with(labels, **{key: value}))
    assert err.value.field == f"customProperties.labeling.{field}"


def test_budget_currency_defaults_to_the_vendors(labels: DatasetContract) -> None:
    spec = planning_spec(_with(labels, budget={"amount": 50, "start": date(2026, 1, 1),
                                               "end": date(2026, 3, 31)}))
    assert spec is not None and spec.budget is not None
    assert (spec.budget.currency, spec.budget.vendors, spec.budget.planned_items) == (
        "USD", {}, None)
