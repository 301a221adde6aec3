"""The planning declarations of a contract's labeling section: vendors, batch plan, budget.

    vendors:
      in_house: {headcount: 4, hoursPerDay: 6, pricePerHour: 8.0, currency: USD}
      acme_labeling: {headcount: 6, hoursPerDay: 7, pricePerLabel: 0.06, currency: USD}
    plan: {redundancy: 3, goldShare: 0.12, reviewer: in_house}
    budget: {amount: 1000, currency: USD, start: 2026-10-01, end: 2026-12-31,
             plannedItems: 3000, vendors: {in_house: 600, acme_labeling: 400}}

A vendor without a price of its own is paid the contract's ODCS `price` when that price is
per label or per item. Every amount is in one currency: the catalog works offline and has
no exchange rates, so a contract mixing currencies is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from governance.contract_model import DatasetContract
from governance.errors import ContractError
from governance.sections import known_mapping

PRICE_KEYS = {"pricePerLabel": "label", "pricePerItem": "item", "pricePerHour": "hour"}
PRICE_UNITS = ("label", "item", "hour")
_VENDOR_KEYS = {"headcount", "hoursPerDay", "currency", *PRICE_KEYS}
_PLAN_KEYS = {"redundancy", "goldShare", "reviewer", "batchItems"}
_BUDGET_KEYS = {"amount", "currency", "start", "end", "plannedItems", "vendors"}
_CURRENCY = re.compile(r"[A-Z]{3}")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class VendorCapacity:
    """Who can label: people, active hours per working day (Mon-Fri) and price."""

    name: str
    headcount: int
    hours_per_day: float
    price: float
    price_unit: str  # "label", "item" (whatever the redundancy) or "hour"
    currency: str

    @property
    def hours_per_working_day(self) -> float:
        """Annotator-hours the vendor supplies per working day."""
        return self.headcount * self.hours_per_day


@dataclass(frozen=True)
class BatchPlan:
    """How a new batch is built: ratings per item, gold share, who reviews, batch size."""

    redundancy: int
    gold_share: float
    reviewer: str
    # Items per batch, gold included; each batch gets its own audit sample. None: as the
    # history's batches (their median), or one batch without history.
    batch_items: int | None = None


@dataclass(frozen=True)
class Budget:
    """The labeling budget of a period and how it is allotted to vendors."""

    amount: float
    currency: str
    start: date
    end: date
    planned_items: int | None = None
    vendors: dict[str, float] = field(default_factory=dict, hash=False)

    def covers(self, day: date) -> bool:
        """True when a batch finished on this day is spent within the budget's period."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class PlanningSpec:
    """Everything `dataops plan` needs from a contract besides the labeling targets."""

    vendors: dict[str, VendorCapacity] = field(hash=False)
    plan: BatchPlan
    currency: str
    budget: Budget | None = None

    def vendor(self, name: str) -> VendorCapacity:
        """The declared vendor called name (KeyError when undeclared)."""
        return self.vendors[name]


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), f"customProperties.labeling.{where}", reason)


def _number(contract: DatasetContract, value: Any, where: str, *, positive: bool = True,
            whole: bool = False) -> float:
    kinds = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise _fail(contract, where, f"{value!r} is not a {'whole ' if whole else ''}number")
    if value < 0 or (positive and value == 0):
        raise _fail(contract, where, f"must be {'more than' if positive else 'at least'} 0")
    return value


def _mapping(contract: DatasetContract, raw: Any, where: str, keys: set[str]) -> dict:
    return known_mapping(raw, where, keys, lambda w, reason: _fail(contract, w, reason))


def _currency(contract: DatasetContract, value: Any, where: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise _fail(contract, where, f"{value!r} is not a three-letter currency code (USD, EUR)")
    return value


def _odcs_price(contract: DatasetContract) -> tuple[float, str, str] | None:
    """The contract's ODCS price as (amount, unit, currency) when it is per label or item."""
    price = getattr(contract.odcs, "price", None)
    if price is None or price.priceAmount is None:
        return None
    unit = str(price.priceUnit or "").strip().lower().removeprefix("per ").rstrip("s")
    if unit not in ("label", "item"):
        return None
    return float(price.priceAmount), unit, str(price.priceCurrency or "")


def _vendor(contract: DatasetContract, name: Any, raw: Any,
            default_currency: str | None) -> VendorCapacity:
    where = f"vendors.{name}"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _fail(contract, "vendors", f"{name!r} is not a plain vendor name")
    raw = _mapping(contract, raw, where, _VENDOR_KEYS)
    for key in ("headcount", "hoursPerDay"):
        if key not in raw:
            raise _fail(contract, f"{where}.{key}", "is missing: say how many people label "
                        "and for how many active hours a working day")
    headcount = int(_number(contract, raw["headcount"], f"{where}.headcount", whole=True))
    hours = float(_number(contract, raw["hoursPerDay"], f"{where}.hoursPerDay"))
    if hours > 24:
        raise _fail(contract, f"{where}.hoursPerDay", "a day has at most 24 hours")
    prices = [k for k in PRICE_KEYS if k in raw]
    if len(prices) > 1:
        raise _fail(contract, where, f"declare one price, not {' and '.join(prices)}")
    if prices:
        price = float(_number(contract, raw[prices[0]], f"{where}.{prices[0]}",
                              positive=False))
        unit, currency = PRICE_KEYS[prices[0]], raw.get("currency", default_currency)
    elif (odcs := _odcs_price(contract)) is not None:
        price, unit, currency = odcs[0], odcs[1], raw.get("currency", odcs[2])
    else:
        raise _fail(contract, where, "declare pricePerLabel, pricePerItem or pricePerHour "
                    "(the contract has no ODCS price per label or per item to fall back on)")
    if currency is None:
        raise _fail(contract, f"{where}.currency", "is missing: give the currency of the "
                    "price (e.g. USD)")
    return VendorCapacity(name, headcount, hours, price, unit,
                          _currency(contract, currency, f"{where}.currency"))


def _plan(contract: DatasetContract, raw: Any, vendors: dict[str, VendorCapacity]) -> BatchPlan:
    raw = _mapping(contract, raw, "plan", _PLAN_KEYS)
    redundancy = int(_number(contract, raw.get("redundancy", 1), "plan.redundancy",
                             whole=True))
    gold = raw.get("goldShare", 0.0)
    if isinstance(gold, bool) or not isinstance(gold, int | float) or not 0 <= gold < 1:
        raise _fail(contract, "plan.goldShare", "must be a share from 0 up to (not including) 1")
    reviewer = raw.get("reviewer", next(iter(vendors)))
    if reviewer not in vendors:
        raise _fail(contract, "plan.reviewer", f"{reviewer!r} is not a declared vendor; use "
                    f"one of {', '.join(vendors)}")
    size = raw.get("batchItems")
    batch = None if size is None else int(_number(contract, size, "plan.batchItems",
                                                   whole=True))
    if batch is not None and math.floor(batch * (1 - gold)) < 1:
        raise _fail(contract, "plan.batchItems", f"a batch of {batch} leaves no item to label "
                    f"besides its gold items (goldShare {gold:g})")
    return BatchPlan(redundancy, float(gold), str(reviewer), batch)


def _date(contract: DatasetContract, value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(contract, where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _budget(contract: DatasetContract, raw: Any, vendors: dict[str, VendorCapacity],
            default_currency: str | None) -> Budget:
    raw = _mapping(contract, raw, "budget", _BUDGET_KEYS)
    for key in ("amount", "start", "end"):
        if key not in raw:
            raise _fail(contract, f"budget.{key}", "is missing: a budget has an amount, a "
                        "currency, and the start and end dates of its period")
    amount = float(_number(contract, raw["amount"], "budget.amount"))
    currency = raw.get("currency", default_currency)
    currency = _currency(contract, currency, "budget.currency")
    start, end = _date(contract, raw["start"], "budget.start"), _date(contract, raw["end"],
                                                                      "budget.end")
    if end < start:
        raise _fail(contract, "budget.end", f"ends ({end}) before it starts ({start})")
    planned = raw.get("plannedItems")
    if planned is not None:
        planned = int(_number(contract, planned, "budget.plannedItems", whole=True))
    allot = _mapping(contract, raw.get("vendors") or {}, "budget.vendors", set(vendors))
    allotments = {str(k): float(_number(contract, v, f"budget.vendors.{k}", positive=False))
                  for k, v in allot.items()}
    if sum(allotments.values()) > amount + 1e-9:
        raise _fail(contract, "budget.vendors", f"the allotments add up to "
                    f"{sum(allotments.values()):g}, more than the budget of {amount:g}")
    return Budget(amount, currency, start, end, planned, allotments)


def planning_spec(contract: DatasetContract) -> PlanningSpec | None:
    """The contract's vendors, batch plan and budget; None when it declares no vendors."""
    raw = contract.custom.get("labeling")
    if not isinstance(raw, dict):
        return None  # no labeling section (its own reader reports a malformed one)
    if "vendors" not in raw:
        extra = [k for k in ("plan", "budget") if k in raw]
        if extra:
            raise _fail(contract, extra[0], "needs the vendors who label: declare "
                        "labeling.vendors with their headcount, hours per day and price")
        return None
    if not isinstance(raw["vendors"], dict) or not raw["vendors"]:
        raise _fail(contract, "vendors", "must map each vendor's name to its headcount, "
                    "hoursPerDay and price")
    default_currency = raw.get("currency")
    vendors = {str(name): _vendor(contract, name, value, default_currency)
               for name, value in raw["vendors"].items()}
    if "plan" not in raw:
        raise _fail(contract, "plan", "is missing: say how a batch is built, e.g. "
                    "{redundancy: 3, goldShare: 0.1, reviewer: in_house}")
    plan = _plan(contract, raw["plan"], vendors)
    first = next(iter(vendors.values())).currency
    budget = None if raw.get("budget") is None else _budget(contract, raw["budget"], vendors,
                                                            first)
    # No exchange rates offline: one currency for prices, budget and the cost column.
    found = {f"vendors.{v.name}": v.currency for v in vendors.values()}
    if budget is not None:
        found["budget"] = budget.currency
    if default_currency is not None:
        found["currency"] = str(default_currency)
    if len(set(found.values())) > 1:
        listed = ", ".join(f"{k} in {c}" for k, c in found.items())
        raise _fail(contract, "vendors", f"prices and budget must be in one currency (there "
                    f"are no exchange rates offline); found {listed}")
    return PlanningSpec(vendors, plan, first, budget)
