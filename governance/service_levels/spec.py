"""A contract's service levels, read and checked once.

The targets come from ODCS `slaProperties` (`latency`, `frequency`, `timeOfAvailability`)
and from the labeling section's operations targets (`turnaroundP90`, `labelsPerHour`,
`costPerItem`). ODCS gives an SLA item no place for how strict it is, so the project's
`serviceLevels` custom property says, per service level, its severity (`error` or
`warning`), its objective (the share of versions that must meet it) and, for frequency, a
grace; and for all of them the error-budget window and the time zone of clock times:

    - property: serviceLevels
      value:
        window: 28 d                 # rolling error-budget window (default 28 days)
        timeZone: Europe/Amsterdam   # IANA name; clock times without an offset use it (UTC)
        latency: {severity: error, objective: 0.95}
        frequency: {severity: warning, objective: 0.9, grace: 12 h}
        timeOfAvailability: {severity: warning, cutoff: "03:00"}

timeOfAvailability "09:00" means: a version is due at the first 09:00 (local) that comes at
least a lead time after it arrived. The lead is `at - cutoff` when a cutoff is given and the
latency target otherwise (zero without either): a version that arrives after the cutoff
(too late to be processed by 09:00) is due at 09:00 the next day, not already in breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from governance.contract_model import DatasetContract, parse_clock, parse_duration
from governance.errors import ContractError
from governance.labeling.spec import UNIT_TARGETS, labeling_spec

LATENCY, FREQUENCY, AVAILABILITY = "latency", "frequency", "timeOfAvailability"
PIPELINE_SLOS = (LATENCY, FREQUENCY, AVAILABILITY)
SLO_NAMES = (*PIPELINE_SLOS, *UNIT_TARGETS)
ERROR, WARNING = "error", "warning"
SEVERITIES = (ERROR, WARNING)
# 0.95: over a 28-day window of daily versions, one late version (1.4 allowed) is absorbed,
# a second exhausts the budget: strict enough to notice a trend, not a single bad day.
DEFAULT_OBJECTIVE = 0.95
DEFAULT_WINDOW = timedelta(days=28)
# A breach is a warning unless the contract says an SLO is an `error` (a high incident).
DEFAULT_SEVERITY = WARNING
PROPERTY = "serviceLevels"
_SLO_KEYS = {LATENCY: {"severity", "objective"},
             FREQUENCY: {"severity", "objective", "grace"},
             AVAILABILITY: {"severity", "objective", "cutoff"},
             **{name: {"severity", "objective"} for name in UNIT_TARGETS}}
_TOP_KEYS = {"window", "timeZone", *SLO_NAMES}


@dataclass(frozen=True)
class Objective:
    """How strict one service level is: its severity and the share of versions to meet it."""

    name: str
    severity: str = DEFAULT_SEVERITY
    objective: float = DEFAULT_OBJECTIVE


@dataclass(frozen=True)
class Availability:
    """timeOfAvailability: the local clock time by which a version must be delivered."""

    at: time           # naive: read in `tz`
    tz: tzinfo
    lead: timedelta    # a version is due at the first `at` at least `lead` after arrival
    text: str

    def deadline(self, arrived: datetime) -> datetime:
        """When a version that arrived at `arrived` (aware) must be delivered (aware, UTC)."""
        earliest = (arrived + self.lead).astimezone(self.tz)
        due = datetime.combine(earliest.date(), self.at, tzinfo=self.tz)
        if due < earliest:
            due = datetime.combine(earliest.date() + timedelta(days=1), self.at, tzinfo=self.tz)
        return due.astimezone(UTC)


@dataclass(frozen=True)
class ServiceLevels:
    """Everything the service-level checks and the incident sensor need from a contract."""

    dataset: str
    latency: timedelta | None = None
    frequency: timedelta | None = None
    grace: timedelta = timedelta(0)
    availability: Availability | None = None
    window: timedelta = DEFAULT_WINDOW
    objectives: dict[str, Objective] = field(default_factory=dict)

    @property
    def declared(self) -> tuple[str, ...]:
        """Names of the service levels the contract declares, in SLO_NAMES order."""
        return tuple(n for n in SLO_NAMES if n in self.objectives)

    def objective(self, name: str) -> Objective:
        """Severity and objective of a declared service level (KeyError if undeclared)."""
        return self.objectives[name]


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), where, reason)


def _sla_index(contract: DatasetContract, name: str) -> int:
    return next(i for i, s in enumerate(contract.odcs.slaProperties or []) if s.property == name)


def _objective(contract: DatasetContract, name: str, raw: Any) -> Objective:
    where = f"customProperties.{PROPERTY}.{name}"
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise _fail(contract, where, "must be a mapping (severity, objective)")
    unknown = set(raw) - _SLO_KEYS[name]
    if unknown:
        raise _fail(contract, where, f"unknown keys {sorted(unknown)}; use "
                    f"{', '.join(sorted(_SLO_KEYS[name]))}")
    severity = raw.get("severity", DEFAULT_SEVERITY)
    if severity not in SEVERITIES:
        raise _fail(contract, f"{where}.severity", f"{severity!r} is not error or warning")
    objective = raw.get("objective", DEFAULT_OBJECTIVE)
    if isinstance(objective, bool) or not isinstance(objective, int | float) \
            or not 0 < objective <= 1:
        raise _fail(contract, f"{where}.objective", f"{objective!r} must be a share of "
                    "versions above 0 and at most 1 (e.g. 0.95)")
    return Objective(name, severity, float(objective))


def _duration(contract: DatasetContract, where: str, value: Any) -> timedelta:
    try:
        duration = parse_duration(value, None)
    except ValueError as exc:
        raise _fail(contract, where, f"{exc}; write a duration with its unit such as "
                    "'12 h'") from None
    return duration


def _time_zone(contract: DatasetContract, raw: Any) -> tzinfo | None:
    if raw is None:
        return None
    try:
        return ZoneInfo(str(raw))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(contract, f"customProperties.{PROPERTY}.timeZone",
                    f"{raw!r} is not a time zone name such as Europe/Amsterdam or UTC") from None


def _availability(contract: DatasetContract, settings: dict[str, Any],
                  latency: timedelta | None) -> Availability | None:
    sla = contract.sla(AVAILABILITY)
    if sla is None or sla.clock is None:
        return None
    tz = _time_zone(contract, settings.get("timeZone"))
    if sla.clock.tzinfo is not None and tz is not None:
        raise _fail(contract, f"slaProperties[{_sla_index(contract, AVAILABILITY)}].value",
                    f"{sla.text!r} carries a UTC offset and serviceLevels.timeZone names "
                    "a time zone too; give the time zone once")
    at = sla.clock.replace(tzinfo=None)
    zone = sla.clock.tzinfo or tz or UTC
    cutoff_raw = (settings.get(AVAILABILITY) or {}).get("cutoff")
    if cutoff_raw is not None:
        try:
            cutoff = parse_clock(str(cutoff_raw))
        except ValueError as exc:
            raise _fail(contract, f"customProperties.{PROPERTY}.{AVAILABILITY}.cutoff",
                        str(exc)) from None
        if cutoff.tzinfo is not None:
            raise _fail(contract, f"customProperties.{PROPERTY}.{AVAILABILITY}.cutoff",
                        "give the cutoff without an offset: it is read in the same time zone "
                        "as timeOfAvailability")
        base = datetime(2000, 1, 1)
        lead = (datetime.combine(base, at) - datetime.combine(base, cutoff)) % timedelta(days=1)
    else:
        lead = latency or timedelta(0)
    return Availability(at, zone, lead, sla.text)


def service_levels(contract: DatasetContract) -> ServiceLevels:
    """The contract's service levels; ContractError names the file and field of a mistake."""
    settings = contract.custom.get(PROPERTY)
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        raise _fail(contract, f"customProperties.{PROPERTY}", "must be a mapping")
    unknown = set(settings) - _TOP_KEYS
    if unknown:
        raise _fail(contract, f"customProperties.{PROPERTY}", f"unknown keys "
                    f"{sorted(unknown)}; use {', '.join(sorted(_TOP_KEYS))}")
    durations: dict[str, timedelta | None] = {}
    for name in (LATENCY, FREQUENCY):
        sla = contract.sla(name)
        durations[name] = None if sla is None else sla.duration
        if sla is not None and sla.duration <= timedelta(0):
            raise _fail(contract, f"slaProperties[{_sla_index(contract, name)}].value",
                        f"the {name} target must be longer than 0")
    labeling = labeling_spec(contract)
    declared = {LATENCY: durations[LATENCY] is not None,
                FREQUENCY: durations[FREQUENCY] is not None,
                AVAILABILITY: contract.sla(AVAILABILITY) is not None,
                **{n: labeling is not None and n in labeling.operations.declared
                   for n in UNIT_TARGETS}}
    for name in SLO_NAMES:
        if name in settings and not declared[name]:
            where = ("the labeling section's targets" if name in UNIT_TARGETS
                     else "slaProperties")
            raise _fail(contract, f"customProperties.{PROPERTY}.{name}",
                        f"sets how strict {name} is, but {where} declare no {name} target")
    # First: each SLO's settings are then known to be mappings.
    objectives = {n: _objective(contract, n, settings.get(n)) for n in SLO_NAMES if declared[n]}
    grace = timedelta(0)
    if (settings.get(FREQUENCY) or {}).get("grace") is not None:
        grace = _duration(contract, f"customProperties.{PROPERTY}.{FREQUENCY}.grace",
                          settings[FREQUENCY]["grace"])
    window = DEFAULT_WINDOW
    if settings.get("window") is not None:
        window = _duration(contract, f"customProperties.{PROPERTY}.window", settings["window"])
        if window < timedelta(days=1):
            raise _fail(contract, f"customProperties.{PROPERTY}.window",
                        "the error-budget window must be at least 1 day")
    if "timeZone" in settings and not declared[AVAILABILITY]:
        _time_zone(contract, settings["timeZone"])  # still refuse a misspelled zone
    return ServiceLevels(
        dataset=contract.name, latency=durations[LATENCY], frequency=durations[FREQUENCY],
        grace=grace, availability=_availability(contract, settings, durations[LATENCY]),
        window=window, objectives=objectives)
