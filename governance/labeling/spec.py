"""The `labeling` custom property of a contract, read and checked once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from governance.contract_model import DatasetContract, parse_duration
from governance.errors import ContractError
from governance.identifiers import check_dataset_name
from governance.labeling.guidelines import headings
from governance.labeling.plans import (
    CalibrationPlan,
    QualificationRule,
    calibration_plan,
    qualification_rule,
)
from governance.labeling.risk_plan import RiskAuditPlan, risk_audit_plan
from governance.labeling.taxonomy import ReviewSettings, review_settings

CHECK_AGREEMENT = "labeling_agreement"
CHECK_GOLD_ACCURACY = "labeling_gold_accuracy"
CHECK_AUDIT_ACCURACY = "labeling_audit_accuracy"
CHECK_GUIDELINES = "labeling_guidelines_current"
CHECK_QUALIFIED = "annotators_qualified"
LABELING_CHECKS = (CHECK_AGREEMENT, CHECK_GOLD_ACCURACY, CHECK_AUDIT_ACCURACY, CHECK_GUIDELINES,
                   CHECK_QUALIFIED)
# Roles a contract maps to its own column names; the statistics use the role names.
ROLES = ("item", "annotator", "vendor", "label", "startedAt", "finishedAt", "cost",
         "guidelinesVersion")
FRAME_NAMES = {"item": "item", "annotator": "annotator", "vendor": "vendor", "label": "label",
               "startedAt": "started_at", "finishedAt": "finished_at", "cost": "cost",
               "guidelinesVersion": "guidelines_version"}
_TARGETS = {"krippendorffAlpha": 0.667, "goldAccuracy": 0.95, "annotatorAgreement": 0.7,
            "consensusShare": 0.6}
# Operations targets with units (service levels, see governance/service_levels/): the
# turnaround p90 of an item, labels per hour and cost per item with its currency.
TURNAROUND_P90, LABELS_PER_HOUR, COST_PER_ITEM = "turnaroundP90", "labelsPerHour", "costPerItem"
UNIT_TARGETS = (TURNAROUND_P90, LABELS_PER_HOUR, COST_PER_ITEM)
_RATE_UNITS = {"s": 3600.0, "min": 60.0, "m": 60.0, "h": 1.0, "d": 1 / 24}
_RATE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/|per)\s*([a-z]+)\s*")
_MONEY = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Z]{3})\s*")
_CURRENCY = re.compile(r"[A-Z]{3}")
AUDIT_METHODS = ("margin", "aql")
_VERSION_LINE = re.compile(r"^Version:\s*(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class AuditPlan:
    """How the per-batch audit sample is sized and drawn."""

    method: str = "margin"
    margin: float = 0.03
    confidence: float = 0.95
    aql: float | None = None
    level: str = "II"
    stratify_by: str = "vendor"
    seed: int = 0


@dataclass(frozen=True)
class Guidelines:
    """The versioned labeling guidelines document a contract references."""

    path: Path
    version: str
    sha256: str
    headings: tuple[str, ...] = ()  # rules are cited by heading


@dataclass(frozen=True)
class Money:
    """An amount in a currency (ISO 4217 code, e.g. USD)."""

    amount: float
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:g} {self.currency}"


@dataclass(frozen=True)
class OperationsTargets:
    """Labeling operations targets with units; each is optional.

    turnaround_p90: the 90th percentile of item turnaround, where an item's turnaround runs
    from the first started_at to the last finished_at among its labels (the time until the
    item has all its labels and can get a consensus label).
    labels_per_hour: labels per active annotator hour (the batch's labels_per_hour).
    cost_per_item: the batch's total cost divided by its distinct items, in `currency`.
    """

    turnaround_p90: timedelta | None = None
    labels_per_hour: float | None = None
    cost_per_item: Money | None = None

    @property
    def declared(self) -> tuple[str, ...]:
        """The contract names of the targets that are set."""
        values = (self.turnaround_p90, self.labels_per_hour, self.cost_per_item)
        return tuple(n for n, v in zip(UNIT_TARGETS, values, strict=True) if v is not None)


@dataclass(frozen=True)
class LabelingSpec:
    """Everything the labeling stage needs from a contract."""

    labels_dataset: str
    columns: dict[str, str]
    label_set: tuple[str, ...]
    guidelines: Guidelines
    targets: dict[str, float]
    blocking: frozenset[str]
    audit: AuditPlan
    operations: OperationsTargets = OperationsTargets()
    currency: str | None = None  # of the cost column (labeling.currency)
    # error categories, guideline-proposal thresholds, rule-heading overrides
    review: ReviewSettings = field(default_factory=ReviewSettings)
    risk_audit: RiskAuditPlan | None = None  # the sample aimed at likely errors (riskAudit)
    calibration: CalibrationPlan = field(default_factory=CalibrationPlan)
    qualification: QualificationRule | None = None    # None: every annotator's labels count

    def column(self, role: str) -> str:
        """The contract column playing a role (item, annotator, label, ...)."""
        return self.columns[role]


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), f"customProperties.labeling.{where}", reason)


def _guidelines(contract: DatasetContract, raw: Any) -> Guidelines:
    if not isinstance(raw, dict) or not raw.get("path") or not raw.get("version"):
        raise _fail(contract, "guidelines", "give the guidelines document's path and version")
    path = (contract.path.parent / str(raw["path"])).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise _fail(contract, "guidelines.path", f"cannot read {path}") from None
    declared = _VERSION_LINE.search(text)
    version = str(raw["version"])
    # The contract and the document must agree, so a batch is never judged by stale rules.
    if declared is None or declared.group(1) != version:
        found = declared.group(1) if declared else "no 'Version:' line"
        raise _fail(contract, "guidelines.version",
                    f"contract names version {version} but {path.name} says {found}")
    return Guidelines(path, version, hashlib.sha256(text.encode()).hexdigest(),
                      tuple(headings(text)))


def _audit(contract: DatasetContract, raw: Any) -> AuditPlan:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise _fail(contract, "audit", "must be a mapping")
    unknown = set(raw) - {"method", "margin", "confidence", "aql", "level", "stratifyBy", "seed"}
    if unknown:
        raise _fail(contract, "audit", f"unknown keys {sorted(unknown)}")
    method = raw.get("method", "margin")
    if method not in AUDIT_METHODS:
        raise _fail(contract, "audit.method", f"use one of {', '.join(AUDIT_METHODS)}")
    if method == "aql" and raw.get("aql") is None:
        raise _fail(contract, "audit.aql", "an AQL plan needs the acceptable quality level")
    stratify = raw.get("stratifyBy", "vendor")
    if stratify not in ("vendor", "annotator"):
        raise _fail(contract, "audit.stratifyBy", "use vendor or annotator")
    try:
        plan = AuditPlan(method=method, margin=float(raw.get("margin", 0.03)),
                         confidence=float(raw.get("confidence", 0.95)),
                         aql=None if raw.get("aql") is None else float(raw["aql"]),
                         level=str(raw.get("level", "II")), stratify_by=stratify,
                         seed=int(raw.get("seed", 0)))
    except (TypeError, ValueError):
        raise _fail(contract, "audit", "margin, confidence and aql are numbers, seed an "
                    "integer") from None
    if not 0 < plan.margin < 1 or not 0 < plan.confidence < 1:
        raise _fail(contract, "audit", "margin and confidence are shares between 0 and 1")
    return plan


def _rate(contract: DatasetContract, value: Any) -> float:
    """Labels per hour from a number (per hour) or text such as '90/h' or '2 per min'."""
    where = f"targets.{LABELS_PER_HOUR}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        rate = float(value)
    elif isinstance(value, str) and (match := _RATE.fullmatch(value.lower())):
        if match.group(2) not in _RATE_UNITS:
            raise _fail(contract, where, f"unit {match.group(2)!r} is not one of "
                        f"{', '.join(_RATE_UNITS)} (labels per second, minute, hour or day)")
        rate = float(match.group(1)) * _RATE_UNITS[match.group(2)]
    else:
        raise _fail(contract, where, f"{value!r} is not a rate: give labels per hour as a "
                    "number or text such as '90/h'")
    if rate <= 0:
        raise _fail(contract, where, "must be more than 0 labels per hour")
    return rate


def _money(contract: DatasetContract, value: Any, currency: str | None) -> Money:
    """An amount with its currency, from '0.30 USD' or {amount: 0.30, currency: USD}."""
    where = f"targets.{COST_PER_ITEM}"
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        amount, code = value["amount"], str(value["currency"])
    elif isinstance(value, str) and (match := _MONEY.fullmatch(value)):
        amount, code = float(match.group(1)), match.group(2)
    else:
        raise _fail(contract, where, f"{value!r} is not an amount with a currency: write "
                    "'0.30 USD' or {amount: 0.30, currency: USD}")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise _fail(contract, where, "the amount must be a number of at least 0")
    if not _CURRENCY.fullmatch(code):
        raise _fail(contract, where, f"{code!r} is not a three-letter currency code (USD, EUR)")
    if currency is None:
        raise _fail(contract, "currency", "a cost target needs the currency of the cost "
                    "column: add currency (e.g. USD) to the labeling section")
    if code != currency:
        raise _fail(contract, where, f"the target is in {code} but the cost column is in "
                    f"{currency} (labeling.currency); use the same currency")
    return Money(float(amount), code)


def _operations(contract: DatasetContract, raw: dict[str, Any],
                currency: str | None) -> OperationsTargets:
    turnaround = raw.get(TURNAROUND_P90)
    if turnaround is not None:
        if isinstance(turnaround, dict) and set(turnaround) == {"value", "unit"}:
            turnaround, unit = turnaround["value"], str(turnaround["unit"])
        else:
            unit = None
        try:
            turnaround = parse_duration(turnaround, unit)
        except ValueError as exc:
            raise _fail(contract, f"targets.{TURNAROUND_P90}", f"{exc}; write a duration "
                        "with its unit such as '4 h' or {value: 4, unit: h}") from None
        if turnaround <= timedelta(0):
            raise _fail(contract, f"targets.{TURNAROUND_P90}", "must be longer than 0")
    rate = raw.get(LABELS_PER_HOUR)
    cost = raw.get(COST_PER_ITEM)
    return OperationsTargets(
        turnaround_p90=turnaround,
        labels_per_hour=None if rate is None else _rate(contract, rate),
        cost_per_item=None if cost is None else _money(contract, cost, currency))


def _currency(contract: DatasetContract, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not _CURRENCY.fullmatch(raw):
        raise _fail(contract, "currency", f"{raw!r} is not a three-letter currency code "
                    "(USD, EUR)")
    return raw


def labeling_spec(contract: DatasetContract) -> LabelingSpec | None:
    """The contract's labeling settings, or None when it declares no labeling stage."""
    raw = contract.custom.get("labeling")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(contract, "", "must be a mapping")
    try:
        labels = check_dataset_name(raw.get("labels", ""))
    except Exception:
        raise _fail(contract, "labels", "name the dataset whose items are labeled") from None
    columns = raw.get("columns") or {}
    missing = [r for r in ROLES if r not in columns]
    if missing:
        raise _fail(contract, "columns", f"map every role to a column; missing {missing}")
    for role in ROLES:
        if columns[role] not in contract.column_names:
            raise _fail(contract, f"columns.{role}",
                        f"{columns[role]!r} is not a column of this dataset")
    label_col = contract.column(columns["label"])
    if not label_col.allowed_values:
        raise _fail(contract, "columns.label", "the label column needs an enum of labels")
    targets = dict(_TARGETS)
    raw_targets = raw.get("targets") or {}
    if not isinstance(raw_targets, dict):
        raise _fail(contract, "targets", "must be a mapping of target names to values")
    for key, value in raw_targets.items():
        if key in UNIT_TARGETS:
            continue
        if key not in _TARGETS:
            raise _fail(contract, "targets", f"unknown target {key!r}; use "
                        f"{sorted(_TARGETS) + list(UNIT_TARGETS)}")
        if not isinstance(value, int | float) or not -1 <= value <= 1:
            raise _fail(contract, f"targets.{key}", "must be a number between -1 and 1")
        targets[key] = float(value)
    currency = _currency(contract, raw.get("currency"))
    blocking = frozenset(raw.get("blocking") or ())
    unknown = blocking - set(LABELING_CHECKS)
    if unknown:
        raise _fail(contract, "blocking", f"unknown checks {sorted(unknown)}; use "
                    f"{', '.join(LABELING_CHECKS)}")
    label_set = tuple(str(v) for v in label_col.allowed_values)
    guidelines = _guidelines(contract, raw.get("guidelines"))

    def fail(where: str, reason: str) -> ContractError:
        return _fail(contract, where, reason)

    return LabelingSpec(
        labels_dataset=labels,
        columns={role: str(columns[role]) for role in ROLES},
        label_set=label_set,
        guidelines=guidelines,
        targets=targets,
        blocking=blocking,
        audit=_audit(contract, raw.get("audit")),
        operations=_operations(contract, raw_targets, currency),
        currency=currency,
        review=review_settings(raw, label_set, guidelines.headings, fail),
        risk_audit=risk_audit_plan(raw.get("riskAudit"), fail),
        calibration=calibration_plan(raw.get("calibration"), fail),
        qualification=qualification_rule(raw.get("qualification"), fail),
    )
