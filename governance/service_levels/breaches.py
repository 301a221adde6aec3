"""Breaches no check can report: versions overdue for delivery and batches that never came.

The incident sensor calls these with the raw store's arrival times and the delivered
versions it reads from the instance; a blocked version never reaches its latency check, so
only this says it is late. Slo names are the contract's ("latency", "frequency"); the
sensor maps them to check names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from governance.contract_model import DatasetContract
from governance.service_levels.spec import FREQUENCY, LATENCY, service_levels
from governance.tables import version_number


@dataclass(frozen=True)
class Breach:
    """A service level missed at `at`, with what was observed against the target."""

    dataset: str
    version: str | None     # None for a missing batch
    slo: str                # "latency", "frequency", "timeOfAvailability", ...
    severity: str           # "error" or "warning" (from the contract)
    observed_seconds: float
    target_seconds: float
    at: datetime            # when the target was passed (the deadline), not when seen


def overdue_versions(contract: DatasetContract, arrivals: Mapping[str, datetime],
                     delivered: Collection[str], now: datetime) -> list[Breach]:
    """Versions not delivered within the latency target by `now`, oldest first."""
    levels = service_levels(contract)
    if levels.latency is None:
        return []
    severity = levels.objective(LATENCY).severity
    target = levels.latency.total_seconds()
    out = []
    for version in sorted(arrivals, key=version_number):
        if version in delivered:
            continue
        waited = (now - arrivals[version]).total_seconds()
        if waited > target:
            out.append(Breach(contract.name, version, LATENCY, severity, waited, target,
                              arrivals[version] + levels.latency))
    return out


def missing_batch(contract: DatasetContract, last_arrival: datetime | None,
                  now: datetime) -> Breach | None:
    """A breach when no new version arrived within frequency + grace of the last one.

    None before the first arrival: a dataset that never received anything has no cadence."""
    levels = service_levels(contract)
    if levels.frequency is None or last_arrival is None:
        return None
    allowed = levels.frequency + levels.grace
    waited = (now - last_arrival).total_seconds()
    if waited <= allowed.total_seconds():
        return None
    return Breach(contract.name, None, FREQUENCY, levels.objective(FREQUENCY).severity,
                  waited, allowed.total_seconds(), last_arrival + allowed)
