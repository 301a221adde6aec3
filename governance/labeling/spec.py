"""The `labeling` custom property of a contract, read and checked once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.contract_model import DatasetContract
from governance.errors import ContractError
from governance.identifiers import check_dataset_name

CHECK_AGREEMENT = "labeling_agreement"
CHECK_GOLD_ACCURACY = "labeling_gold_accuracy"
CHECK_AUDIT_ACCURACY = "labeling_audit_accuracy"
CHECK_GUIDELINES = "labeling_guidelines_current"
LABELING_CHECKS = (CHECK_AGREEMENT, CHECK_GOLD_ACCURACY, CHECK_AUDIT_ACCURACY, CHECK_GUIDELINES)
# Roles a contract maps to its own column names; the statistics use the role names.
ROLES = ("item", "annotator", "vendor", "label", "startedAt", "finishedAt", "cost",
         "guidelinesVersion")
FRAME_NAMES = {"item": "item", "annotator": "annotator", "vendor": "vendor", "label": "label",
               "startedAt": "started_at", "finishedAt": "finished_at", "cost": "cost",
               "guidelinesVersion": "guidelines_version"}
_TARGETS = {"krippendorffAlpha": 0.667, "goldAccuracy": 0.95, "annotatorAgreement": 0.7,
            "consensusShare": 0.6}
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
    return Guidelines(path, version, hashlib.sha256(text.encode()).hexdigest())


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
    for key, value in (raw.get("targets") or {}).items():
        if key not in _TARGETS:
            raise _fail(contract, "targets", f"unknown target {key!r}; use {sorted(_TARGETS)}")
        if not isinstance(value, int | float) or not -1 <= value <= 1:
            raise _fail(contract, f"targets.{key}", "must be a number between -1 and 1")
        targets[key] = float(value)
    blocking = frozenset(raw.get("blocking") or ())
    unknown = blocking - set(LABELING_CHECKS)
    if unknown:
        raise _fail(contract, "blocking", f"unknown checks {sorted(unknown)}; use "
                    f"{', '.join(LABELING_CHECKS)}")
    return LabelingSpec(
        labels_dataset=labels,
        columns={role: str(columns[role]) for role in ROLES},
        label_set=tuple(str(v) for v in label_col.allowed_values),
        guidelines=_guidelines(contract, raw.get("guidelines")),
        targets=targets,
        blocking=blocking,
        audit=_audit(contract, raw.get("audit")),
    )
