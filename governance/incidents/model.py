"""What an incident is: its fields, types, severities, states and the default cause taxonomy.

The sensor turns Dagster events into `Signal`s; the incident book (governance/incidents/book.py)
opens an incident per (dataset, key) or attaches the signal's version to the open one.
Everything here is plain data, so the CLI, the sensor and the post-mortem share one model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Incident types (what kind of problem) and severities (how urgent).
QUALITY, PRIVACY, LABELING, DRIFT = "quality", "privacy", "labeling", "drift"
FRESHNESS, LATENCY, PIPELINE = "freshness", "latency", "pipeline"
INCIDENT_TYPES = (QUALITY, PRIVACY, LABELING, DRIFT, FRESHNESS, LATENCY, PIPELINE)
HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES = (HIGH, MEDIUM, LOW)

# States: open -> acknowledged -> (assigned) -> resolved, or waived (with a reason and expiry).
OPEN, ACKNOWLEDGED, ASSIGNED, RESOLVED, WAIVED = (
    "open", "acknowledged", "assigned", "resolved", "waived")
STATES = (OPEN, ACKNOWLEDGED, ASSIGNED, RESOLVED, WAIVED)
ACTIVE_STATES = (OPEN, ACKNOWLEDGED, ASSIGNED)
CLOSED_STATES = (RESOLVED, WAIVED)

# Causes a resolution must name; a contract's `incidents.causes` adds its own.
DEFAULT_CAUSES = (
    "upstream source change", "schema change", "vendor/labeling error", "guideline gap",
    "pipeline bug", "infrastructure", "false positive of a check", "expected change",
)

# Keys of signals that are not a check name: a failed run, a batch that did not arrive, a
# drift refresh request.
KEY_RUN_FAILURE = "run_failure"
KEY_MISSING_BATCH = "missing_batch"
KEY_DRIFT_REFRESH = "drift_refresh"


@dataclass(frozen=True)
class Evidence:
    """A pointer to where the proof is: a run id, a check, a file; never a data value."""

    kind: str       # "run", "check", "refresh_request", "slo", "audit", ...
    ref: str        # e.g. a run id, "support_tickets/intake:intake_complete"
    version: str | None = None
    note: str = ""  # counts and names only


@dataclass(frozen=True)
class Signal:
    """One observation that something is wrong: a failed blocking check, a breached service
    level, a failed run, a missing batch or a drift refresh request."""

    dataset: str
    version: str | None      # None for a missing batch
    key: str                 # the check or service-level name, or one of the KEY_* above
    type: str                # one of INCIDENT_TYPES
    severity: str            # one of SEVERITIES
    at: datetime             # when it was observed (the event's time, not the sensor's)
    summary: str             # plain words, counts and column names only, never values
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Incident:
    """One incident as stored in the `incidents` table."""

    id: str                      # "INC-0001"
    dataset: str
    key: str
    type: str
    severity: str
    state: str
    owner: str                   # the contract's owner team
    versions: tuple[str, ...]    # every version that attached, in arrival order
    summary: str
    opened_at: datetime
    assignee: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None   # also the time of a waiver
    cause: str | None = None
    resolution_note: str | None = None
    waived_until: datetime | None = None
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def active(self) -> bool:
        """True while the incident needs someone (open, acknowledged or assigned)."""
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class IncidentEvent:
    """One transition of an incident, as stored in `incident_events` (and the audit trail)."""

    incident_id: str
    seq: int                 # 1, 2, ... per incident
    at: datetime
    action: str              # opened, attached, acknowledged, assigned, resolved, waived,
                             # reopened, notified, escalated, auto_resolved
    actor: str
    state: str               # the state after the transition
    version: str | None = None
    detail: str = ""         # counts, names and reasons; never values
