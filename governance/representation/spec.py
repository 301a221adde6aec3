"""The `representation` custom property of a contract: which subgroups to watch, the
outcome whose rate may differ between them, and the bounds a version must stay within.

    representation:
      minCount: 10                      # k: no group smaller than this is ever shown
      reference: firstDelivered         # or a version such as v1
      outcome: {column: defaulted, favorable: false}
      groups:
        - name: age_band
          band: {from: date_of_birth, asOf: applied_at, edges: [18, 25, 35, 50, 65]}
        - column: employment_status
          reference: employed           # else the largest group
      bounds:
        minShare: 0.02                  # or {employment_status: 0.02, age_band: 0.05}
        disparateImpact: [0.8, 1.25]    # the four-fifths rule, both ways
        parityDifference: 0.1           # largest |outcome rate - reference group's rate|
        driftPValue: 0.01               # chi-square of the shares against the reference
        psi: 0.2                        # population stability index of the shares
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from governance.contract_model import DatasetContract
from governance.errors import ContractError, GovernanceError
from governance.identifiers import check_column_name, check_version
from governance.sections import known_mapping

FIRST_DELIVERED = "firstDelivered"
DEFAULT_MIN_COUNT = 10
FOUR_FIFTHS = (0.8, 1.25)
_KEYS = {"minCount", "reference", "outcome", "groups", "bounds"}
_GROUP_KEYS = {"name", "column", "band", "reference"}
_BAND_KEYS = {"from", "asOf", "edges"}
_OUTCOME_KEYS = {"column", "favorable"}
_BOUND_KEYS = {"minShare", "disparateImpact", "parityDifference", "driftPValue", "psi"}
_DATES = ("date", "timestamp")


@dataclass(frozen=True)
class Band:
    """An age band derived from a birth date, as of another date column of the same row."""

    source: str
    as_of: str
    edges: tuple[int, ...]


@dataclass(frozen=True)
class Group:
    """One watched grouping: a column's values, or the bands of a derived age."""

    name: str
    column: str | None = None
    band: Band | None = None
    reference: str | None = None  # the reference member; None: the largest shown group


@dataclass(frozen=True)
class Outcome:
    """The outcome column and which of its values is the favorable outcome."""

    column: str
    favorable: Any


@dataclass(frozen=True)
class Bounds:
    """Bounds a version's figures must keep; None: not judged."""

    min_share: dict[str, float] = field(default_factory=dict)  # group name (or "*") -> share
    disparate_impact: tuple[float, float] | None = FOUR_FIFTHS
    parity_difference: float | None = None
    drift_p_value: float | None = None
    psi: float | None = None

    def min_share_of(self, group: str) -> float | None:
        """The smallest share a member of this group may have, if bounded."""
        return self.min_share.get(group, self.min_share.get("*"))


@dataclass(frozen=True)
class RepresentationSpec:
    """A contract's representation settings, defaults filled in."""

    groups: tuple[Group, ...]
    outcome: Outcome | None
    min_count: int = DEFAULT_MIN_COUNT
    reference: str = FIRST_DELIVERED
    bounds: Bounds = field(default_factory=Bounds)

    @property
    def pinned(self) -> str | None:
        """The declared reference version, or None when the first delivered one is used."""
        return None if self.reference == FIRST_DELIVERED else self.reference

    def columns(self) -> list[str]:
        """Every contract column the figures read, in a stable order."""
        out: list[str] = []
        for g in self.groups:
            out += [g.column] if g.column else [g.band.source, g.band.as_of]  # type: ignore[union-attr]
        if self.outcome:
            out.append(self.outcome.column)
        return list(dict.fromkeys(out))


def band_labels(edges: tuple[int, ...]) -> list[str]:
    """The band names of some edges: [18, 25, 65] -> ['<18', '18-24', '25-64', '65+']."""
    labels = [f"<{edges[0]}"] if edges[0] > 0 else []
    labels += [f"{a}-{b - 1}" for a, b in pairwise(edges)]
    return [*labels, f"{edges[-1]}+"]


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), f"customProperties.representation{where}", reason)


def _mapping(contract: DatasetContract, raw: Any, where: str, keys: set[str]) -> dict:
    return known_mapping(raw, where, keys, lambda w, reason: _fail(contract, w, reason))


def _known_column(contract: DatasetContract, name: Any, where: str) -> str:
    if not isinstance(name, str) or name not in contract.column_names:
        raise _fail(contract, where, f"{name!r} is not a column of this dataset")
    return name


def _band(contract: DatasetContract, raw: Any, where: str) -> Band:
    raw = _mapping(contract, raw, where, _BAND_KEYS)
    for key in ("from", "asOf"):
        name = _known_column(contract, raw.get(key), f"{where}.{key}")
        if contract.column(name).logical_type not in _DATES:
            raise _fail(contract, f"{where}.{key}", f"{name!r} must be a date or timestamp "
                        "column")
    edges = raw.get("edges")
    if (not isinstance(edges, list) or not edges
            or any(isinstance(e, bool) or not isinstance(e, int) or e < 0 for e in edges)
            or any(b <= a for a, b in pairwise(edges))):
        raise _fail(contract, f"{where}.edges", "must be a list of whole numbers of years in "
                    f"increasing order, such as [18, 25, 35, 50, 65]; got {edges!r}")
    return Band(raw["from"], raw["asOf"], tuple(edges))


def _group(contract: DatasetContract, raw: Any, where: str) -> Group:
    raw = _mapping(contract, raw, where, _GROUP_KEYS)
    if ("column" in raw) == ("band" in raw):
        raise _fail(contract, where, "declare either a column or a band")
    reference = raw.get("reference")
    if reference is not None and not isinstance(reference, str | int | bool):
        raise _fail(contract, f"{where}.reference", "must be one group value")
    if "column" in raw:
        column = _known_column(contract, raw["column"], f"{where}.column")
        spec = contract.column(column)
        # Its values would be shown as group names: a personal column must be banded.
        if spec.personal or spec.primary_key or spec.unique:
            raise _fail(contract, f"{where}.column", f"{column!r} is personal or unique per "
                        "row; its values cannot name groups (declare a band instead)")
        if reference is not None and spec.allowed_values is not None \
                and reference not in spec.allowed_values:
            raise _fail(contract, f"{where}.reference", f"{reference!r} is not an allowed "
                        f"value of {column!r}")
        name = raw.get("name", column)
        group = Group(name, column=column, reference=None if reference is None
                      else str(reference).lower() if isinstance(reference, bool)
                      else str(reference))
    else:
        if "name" not in raw:
            raise _fail(contract, f"{where}.name", "a band needs a name, such as age_band")
        name = raw["name"]
        band = _band(contract, raw["band"], f"{where}.band")
        if reference is not None and str(reference) not in band_labels(band.edges):
            raise _fail(contract, f"{where}.reference", f"{reference!r} is not one of the "
                        f"bands {', '.join(band_labels(band.edges))}")
        group = Group(name, band=band, reference=None if reference is None else str(reference))
    try:
        check_column_name(name)
    except (GovernanceError, TypeError):
        raise _fail(contract, f"{where}.name", f"{name!r} must be a plain name (letters, "
                    "digits, underscores)") from None
    return group


def _outcome(contract: DatasetContract, raw: Any) -> Outcome:
    raw = _mapping(contract, raw, ".outcome", _OUTCOME_KEYS)
    column = _known_column(contract, raw.get("column"), ".outcome.column")
    if "favorable" not in raw:
        raise _fail(contract, ".outcome.favorable", "say which value is the favorable "
                    "outcome (disparate impact is the ratio of favorable-outcome rates)")
    favorable, spec = raw["favorable"], contract.column(column)
    if spec.logical_type == "boolean" and not isinstance(favorable, bool):
        raise _fail(contract, ".outcome.favorable", f"{column!r} is boolean: use true or "
                    f"false, not {favorable!r}")
    if spec.allowed_values is not None and favorable not in spec.allowed_values:
        raise _fail(contract, ".outcome.favorable", f"{favorable!r} is not an allowed value "
                    f"of {column!r}")
    return Outcome(column, favorable)


def _share(contract: DatasetContract, value: Any, where: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not 0 < value < 1):
        raise _fail(contract, where, f"must be a share above 0 and below 1, got {value!r}")
    return float(value)


def _bounds(contract: DatasetContract, raw: Any, groups: tuple[Group, ...]) -> Bounds:
    raw = _mapping(contract, raw or {}, ".bounds", _BOUND_KEYS)
    min_share: dict[str, float] = {}
    declared = raw.get("minShare")
    if isinstance(declared, dict):
        names = {g.name for g in groups}
        for name, value in declared.items():
            if name not in names:
                raise _fail(contract, f".bounds.minShare.{name}", "is not a declared group")
            min_share[name] = _share(contract, value, f".bounds.minShare.{name}")
    elif declared is not None:
        min_share["*"] = _share(contract, declared, ".bounds.minShare")
    di = raw.get("disparateImpact", list(FOUR_FIFTHS))
    if di is not None:
        if (not isinstance(di, list) or len(di) != 2
                or any(isinstance(x, bool) or not isinstance(x, int | float) for x in di)
                or not 0 < di[0] <= 1 <= di[1]):
            raise _fail(contract, ".bounds.disparateImpact", "must be [low, high] with "
                        f"0 < low <= 1 <= high, such as [0.8, 1.25]; got {di!r}")
        di = (float(di[0]), float(di[1]))
    spd, p, psi = raw.get("parityDifference"), raw.get("driftPValue"), raw.get("psi")
    for key, value in (("parityDifference", spd), ("driftPValue", p)):
        if value is not None:
            _share(contract, value, f".bounds.{key}")
    if psi is not None and (isinstance(psi, bool) or not isinstance(psi, int | float)
                            or not math.isfinite(psi) or psi <= 0):
        raise _fail(contract, ".bounds.psi", f"must be a number above 0, got {psi!r}")
    return Bounds(min_share, di, None if spd is None else float(spd),
                  None if p is None else float(p), None if psi is None else float(psi))


def representation_spec(contract: DatasetContract) -> RepresentationSpec | None:
    """The contract's representation settings; None when it declares no groups."""
    raw = contract.custom.get("representation")
    if raw is None:
        return None
    raw = _mapping(contract, raw, "", _KEYS)
    declared = raw.get("groups")
    if not isinstance(declared, list) or not declared:
        raise _fail(contract, ".groups", "declare at least one group to watch")
    groups = tuple(_group(contract, g, f".groups[{i}]") for i, g in enumerate(declared))
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise _fail(contract, ".groups", f"group names must differ: {names}")
    k = raw.get("minCount", DEFAULT_MIN_COUNT)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise _fail(contract, ".minCount", f"must be a whole number of rows of at least 1, "
                    f"got {k!r}")
    reference = str(raw.get("reference", FIRST_DELIVERED))
    if reference != FIRST_DELIVERED:
        try:
            check_version(reference)
        except GovernanceError:
            raise _fail(contract, ".reference", f"use {FIRST_DELIVERED} or a version such "
                        "as v1") from None
    outcome = _outcome(contract, raw["outcome"]) if raw.get("outcome") is not None else None
    return RepresentationSpec(groups, outcome, k, reference,
                              _bounds(contract, raw.get("bounds"), groups))
