"""The dataset contract model: an ODCS v3 document read into typed columns, SLAs and owners.

`governance.contracts` loads files into this model and validates the sections that other
modules own (drift, labeling); those modules import the model from here, so no module
imports back into the loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, time, timedelta, timezone
from pathlib import Path
from typing import Any

from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty

from governance.errors import ContractError, GovernanceError
from governance.identifiers import check_column_name, check_dataset_name
from governance.odcs_schemas import NEWEST_VERSION, SUPPORTED_VERSIONS, odcs_schema

CONTRACT_SUFFIX = ".odcs.yaml"
LOGICAL_TYPES = ("string", "integer", "number", "boolean", "date", "timestamp")
FORMATS = ("csv", "parquet", "jsonl")
CLEANING_STEPS = ("trim", "lower", "upper", "null_if_empty")
TREATMENTS = ("keep", "drop", "mask", "hash", "redact_spans")
# Classifications that mark a column as personal data.
PERSONAL_CLASSIFICATIONS = ("personal", "sensitive")
CLASSIFICATION_ORDER = ("public", "internal", "confidential", "personal", "sensitive")
_UNITS = {
    "s": timedelta(seconds=1), "sec": timedelta(seconds=1), "second": timedelta(seconds=1),
    "seconds": timedelta(seconds=1), "m": timedelta(minutes=1), "min": timedelta(minutes=1),
    "minutes": timedelta(minutes=1), "h": timedelta(hours=1), "hour": timedelta(hours=1),
    "hours": timedelta(hours=1), "d": timedelta(days=1), "day": timedelta(days=1),
    "days": timedelta(days=1), "w": timedelta(weeks=1), "week": timedelta(weeks=1),
    "weeks": timedelta(weeks=1), "y": timedelta(days=365), "yr": timedelta(days=365),
    "year": timedelta(days=365), "years": timedelta(days=365),
}


class UnsupportedContractVersionError(ContractError):
    """A contract declares an ODCS apiVersion this project has no schema for."""

    def __init__(self, path: str, version: object) -> None:
        self.version = version
        super().__init__(
            path, "apiVersion",
            f"the contract is written for ODCS version {version!r}, which this catalog cannot "
            f"check; supported versions are {', '.join(SUPPORTED_VERSIONS)} "
            f"(use {NEWEST_VERSION} for a new contract)")


@dataclass(frozen=True)
class ColumnSpec:
    """One schema property of a contract, in the terms the pipeline uses."""

    name: str
    logical_type: str
    required: bool = False
    unique: bool = False
    primary_key: bool = False
    classification: str = "internal"
    description: str = ""
    allowed_values: tuple[Any, ...] | None = None
    minimum: Any = None
    maximum: Any = None
    pattern: str | None = None
    cleaning: tuple[str, ...] = ()
    treatment: str = "keep"
    pii_type: str | None = None

    @property
    def personal(self) -> bool:
        """True when the contract declares this column as personal data."""
        return self.classification in PERSONAL_CLASSIFICATIONS


@dataclass(frozen=True)
class SlaSpec:
    """A service-level property: a duration (freshness, retention, latency, frequency) or,
    for timeOfAvailability, a clock time in `clock` (its duration is then zero)."""

    name: str
    duration: timedelta
    element: str | None = None
    text: str = ""
    clock: time | None = None  # timeOfAvailability: local time, tz-aware if an offset was given


@dataclass(frozen=True)
class DatasetContract:
    """A validated dataset contract: the ODCS model plus the project's reading of it."""

    path: Path
    name: str
    version: str
    status: str
    domain: str
    owner_team: str
    owners: tuple[str, ...]
    purpose: str
    limitations: str
    usage: str
    object_name: str
    columns: tuple[ColumnSpec, ...]
    file_format: str
    encoding: str
    landing_folder: str
    subject_key: str | None
    strict_columns: bool
    slas: tuple[SlaSpec, ...]
    tags: tuple[str, ...]
    custom: dict[str, Any] = field(repr=False, compare=False)
    odcs: OpenDataContractStandard = field(repr=False, compare=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Contract column names in declared order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        """Return the column spec called name."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def sla(self, name: str) -> SlaSpec | None:
        """Return the SLA property called name (freshness, retention), if declared."""
        return next((s for s in self.slas if s.name == name), None)

    @property
    def classification(self) -> str:
        """The most sensitive classification of any column."""
        ranks = [CLASSIFICATION_ORDER.index(c.classification)
                 for c in self.columns if c.classification in CLASSIFICATION_ORDER]
        return CLASSIFICATION_ORDER[max(ranks)] if ranks else "internal"

    @property
    def personal_columns(self) -> tuple[str, ...]:
        """Names of the columns declared as personal data."""
        return tuple(c.name for c in self.columns if c.personal)


def schema_for(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of the ODCS version the contract declares."""
    if "apiVersion" not in data:
        # The schema itself reports the missing field.
        return odcs_schema(NEWEST_VERSION)
    version = data["apiVersion"]
    if not isinstance(version, str) or version not in SUPPORTED_VERSIONS:
        raise UnsupportedContractVersionError(str(path), version)
    return odcs_schema(version)


def json_path(parts: Iterable[Any]) -> str:
    """A JSON-schema error location as a dotted field path, as error messages name it."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _custom(props: list[Any] | None) -> dict[str, Any]:
    return {p.property: p.value for p in (props or []) if p.property}


def contract_error(path: Path, where: str, reason: str) -> ContractError:
    """The error for a contract file: which file, which field, and why."""
    return ContractError(str(path), where, reason)


def parse_duration(value: Any, unit: str | None) -> timedelta:
    """Turn an SLA value and unit ('24', 'h') into a timedelta."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", value)
        if not match:
            raise ValueError(f"{value!r} is not a duration")
        value, unit = float(match.group(1)), (match.group(2) or unit)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a non-negative number")
    if not unit or unit.lower() not in _UNITS:
        raise ValueError(f"unit {unit!r} is not one of s, m, h, d, w, y")
    return _UNITS[unit.lower()] * float(value)


_CLOCK = re.compile(r"\s*([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?"
                    r"(Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?\s*")


def parse_clock(value: Any) -> time:
    """Turn a clock time ('09:00', '09:00:30', '09:00+02:00', '09:00Z') into a time.

    Without an offset the time is naive: the contract's time zone applies
    (governance/service_levels/spec.py reads it from the `serviceLevels` property)."""
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a clock time such as '09:00' or '09:00+02:00'")
    hour, minute, second, offset = match.groups()
    tz = None
    if offset == "Z":
        tz = UTC
    elif offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return time(int(hour), int(minute), int(second or 0), tzinfo=tz)


def _column(path: Path, where: str, prop: SchemaProperty) -> ColumnSpec:
    if not prop.name:
        raise contract_error(path, f"{where}.name", "every property needs a name")
    try:
        check_column_name(prop.name)
    except GovernanceError as exc:
        raise contract_error(path, f"{where}.name", str(exc)) from None
    if prop.logicalType not in LOGICAL_TYPES:
        raise contract_error(path, f"{where}.logicalType",
                    f"{prop.logicalType!r} is not supported; use one of {', '.join(LOGICAL_TYPES)}")
    custom = _custom(prop.customProperties)
    cleaning = custom.get("cleaning") or []
    if isinstance(cleaning, str):
        cleaning = [cleaning]
    bad = [s for s in cleaning if s not in CLEANING_STEPS]
    if bad:
        raise contract_error(path, f"{where}.customProperties.cleaning",
                    f"unknown step {bad[0]!r}; use {', '.join(CLEANING_STEPS)}")
    treatment = custom.get("treatment", "keep")
    if treatment not in TREATMENTS:
        raise contract_error(path, f"{where}.customProperties.treatment",
                    f"unknown treatment {treatment!r}; use {', '.join(TREATMENTS)}")
    options = prop.logicalTypeOptions or {}
    allowed = tuple(e.value for e in prop.enum) if prop.enum else None
    return ColumnSpec(
        name=prop.name,
        logical_type=prop.logicalType,
        required=bool(prop.required),
        unique=bool(prop.unique),
        primary_key=bool(prop.primaryKey),
        classification=(prop.classification or "internal").lower(),
        description=prop.description or "",
        allowed_values=allowed,
        minimum=options.get("minimum"),
        maximum=options.get("maximum"),
        pattern=options.get("pattern"),
        cleaning=tuple(cleaning),
        treatment=treatment,
        pii_type=custom.get("piiType"),
    )


def _owner(path: Path, odcs: OpenDataContractStandard) -> tuple[str, tuple[str, ...]]:
    team = odcs.team
    if team is None:
        raise contract_error(path, "team", "the owner team is missing")
    if isinstance(team, list):
        raise contract_error(
            path, "team", "the catalog needs a named owner team, which ODCS v3.0.x "
                    f"cannot express (team is a bare list of members there); declare apiVersion "
                    f"{NEWEST_VERSION} and a team with a name and members")
    members, name = team.members, team.name
    if not name:
        raise contract_error(path, "team.name", "the owner team needs a name")
    owners = tuple(m.username for m in (members or [])
                   if m.username and "@" in m.username and not m.dateOut)
    return name, owners


def _slas(path: Path, odcs: OpenDataContractStandard) -> tuple[SlaSpec, ...]:
    out = []
    for i, sla in enumerate(odcs.slaProperties or []):
        if sla.property in ("freshness", "retention", "latency", "frequency"):
            try:
                duration = parse_duration(sla.value, sla.unit)
            except ValueError as exc:
                raise contract_error(path, f"slaProperties[{i}].value", str(exc)) from None
            text = f"{sla.value} {sla.unit or ''}".strip()
            out.append(SlaSpec(sla.property, duration, sla.element, text))
        elif sla.property == "timeOfAvailability":
            try:
                clock = parse_clock(sla.value)
            except ValueError as exc:
                raise contract_error(path, f"slaProperties[{i}].value", str(exc)) from None
            out.append(SlaSpec(sla.property, timedelta(0), sla.element, str(sla.value), clock))
    return tuple(out)


def contract_from_model(path: Path, odcs: OpenDataContractStandard) -> DatasetContract:
    """Apply the project's rules to a parsed ODCS model."""
    if not odcs.name:
        raise contract_error(path, "name", "the dataset name is missing")
    try:
        check_dataset_name(odcs.name)
    except GovernanceError as exc:
        raise contract_error(path, "name", str(exc)) from None
    owner_team, owners = _owner(path, odcs)
    desc = odcs.description
    if desc is None or not desc.purpose:
        raise contract_error(path, "description.purpose", "say what the dataset is for")
    if not odcs.schema_ or len(odcs.schema_) != 1:
        raise contract_error(path, "schema",
                             "declare exactly one schema object (the dataset's table)")
    obj = odcs.schema_[0]
    if not obj.properties:
        raise contract_error(path, "schema[0].properties", "the table declares no columns")
    columns = tuple(_column(path, f"schema[0].properties[{i}]", p)
                    for i, p in enumerate(obj.properties))
    names = [c.name for c in columns]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise contract_error(path, "schema[0].properties", f"column {dup!r} is declared twice")
    custom = _custom(odcs.customProperties)
    file_format = custom.get("format", "csv")
    if file_format not in FORMATS:
        raise contract_error(path, "customProperties.format",
                    f"{file_format!r} is not supported; use {', '.join(FORMATS)}")
    encoding = custom.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise contract_error(path, "customProperties.encoding",
                             f"unknown encoding {encoding!r}") from None
    max_field = custom.get("maxFieldSize")
    if max_field is not None and (isinstance(max_field, bool) or not isinstance(max_field, int)
                                  or max_field < 1):
        raise contract_error(path, "customProperties.maxFieldSize",
                    f"{max_field!r} must be a positive whole number of characters")
    landing = custom.get("landingFolder", odcs.name)
    try:
        check_dataset_name(landing)
    except GovernanceError:
        raise contract_error(path, "customProperties.landingFolder",
                    f"{landing!r} must be a plain folder name (no slashes or '..')") from None
    subject_key = custom.get("subjectKey")
    if subject_key is not None and subject_key not in names:
        raise contract_error(path, "customProperties.subjectKey",
                    f"{subject_key!r} is not a column of this dataset")
    return DatasetContract(
        path=path,
        name=odcs.name,
        version=odcs.version,
        status=odcs.status or "draft",
        domain=odcs.domain or "general",
        owner_team=owner_team,
        owners=owners,
        purpose=desc.purpose or "",
        limitations=desc.limitations or "",
        usage=desc.usage or "",
        object_name=obj.name or odcs.name,
        columns=columns,
        file_format=file_format,
        encoding=encoding,
        landing_folder=landing,
        subject_key=subject_key,
        strict_columns=bool(custom.get("strictColumns", False)),
        slas=_slas(path, odcs),
        tags=tuple(odcs.tags or ()),
        custom=custom,
        odcs=odcs,
    )
