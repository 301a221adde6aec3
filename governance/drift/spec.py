"""The `drift` custom property of a contract: what to compare, against what, how strictly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.contract_model import ColumnSpec, DatasetContract
from governance.drift.columns import CATEGORICAL, NUMERIC, TEXT
from governance.drift.thresholds import DriftThresholds
from governance.errors import ContractError, GovernanceError
from governance.identifiers import check_dataset_name, check_version

LAST_DELIVERED = "lastDelivered"
CHECK_DRIFT = "drift_within_threshold"
_KEYS = {"reference", "labelColumn", "columns", "exclude", "thresholds", "refreshJob", "text"}


@dataclass(frozen=True)
class DriftSpec:
    """Drift settings of one dataset, defaults filled in."""

    reference: str
    kinds: dict[str, str]
    label_column: str | None
    thresholds: DriftThresholds
    refresh_job: str

    @property
    def pinned(self) -> str | None:
        """The pinned reference version, or None when the last delivered one is used."""
        return None if self.reference == LAST_DELIVERED else self.reference


def refresh_job_name(dataset: str) -> str:
    """Default name of the job a drifted version requests."""
    return f"{check_dataset_name(dataset)}_refresh"


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), f"customProperties.drift{where}", reason)


def _default_kind(col: ColumnSpec, text_columns: set[str]) -> str | None:
    """Which test family a column gets, or None when drift is meaningless for it."""
    # Keys are unique per row, direct identifiers are personal, and time columns move
    # forward with every batch by construction: none of them say anything about drift.
    if col.primary_key or col.unique or col.pii_type:
        return None
    if col.logical_type in ("timestamp", "date"):
        return None
    if col.name in text_columns:
        return TEXT
    if col.logical_type in ("integer", "number") and col.allowed_values is None:
        return NUMERIC
    if col.logical_type == "string" and col.allowed_values is None:
        return None  # unbounded strings that are not declared text: ids, codes
    return CATEGORICAL


def _text_columns(raw: dict[str, Any]) -> set[str]:
    # Free text cannot be told from an id or a code by its type, so contracts name it.
    return set(raw.get("text") or ())


def drift_spec(contract: DatasetContract) -> DriftSpec:
    """The contract's drift settings, with Evidently-style defaults."""
    raw = contract.custom.get("drift") or {}
    if not isinstance(raw, dict):
        raise _fail(contract, "", "must be a mapping")
    unknown = set(raw) - _KEYS
    if unknown:
        raise _fail(contract, "", f"unknown keys {sorted(unknown)}; use {sorted(_KEYS)}")
    for key in ("columns", "exclude", "text"):
        for name in raw.get(key) or ():
            if name not in contract.column_names:
                raise _fail(contract, f".{key}", f"{name!r} is not a column of this dataset")
    reference = str(raw.get("reference", LAST_DELIVERED))
    if reference != LAST_DELIVERED:
        try:
            check_version(reference)
        except GovernanceError:
            raise _fail(contract, ".reference",
                        f"use {LAST_DELIVERED} or a version such as v1") from None
    text = _text_columns(raw)
    chosen = raw.get("columns")
    kinds: dict[str, str] = {}
    for col in contract.columns:
        if col.name in (raw.get("exclude") or ()):
            continue
        if chosen is not None and col.name not in chosen:
            continue
        kind = _default_kind(col, text)
        if kind is None and chosen is not None:
            kind = TEXT if col.name in text else (
                NUMERIC if col.logical_type in ("integer", "number", "timestamp", "date")
                else CATEGORICAL)
        if kind is not None:
            kinds[col.name] = kind
    label = raw.get("labelColumn")
    if label is not None and label not in contract.column_names:
        raise _fail(contract, ".labelColumn", f"{label!r} is not a column of this dataset")
    try:
        thresholds = DriftThresholds.from_mapping(raw.get("thresholds"))
    except GovernanceError as exc:
        raise _fail(contract, ".thresholds", str(exc)) from None
    job = raw.get("refreshJob") or refresh_job_name(contract.name)
    return DriftSpec(reference, kinds, label, thresholds, str(job))
