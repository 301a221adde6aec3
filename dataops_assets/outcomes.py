"""What happened to one dataset version, read from its run's Dagster events.

Shared by the runner (in-process results) and `dataops status` (the stored event log), so
both say the same thing: stages materialized, failed checks with counts and first reasons
in plain words, quarantined records, and errors split into expected refusals and bugs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from dataops_assets.keys import (
    CHECK_INTAKE_COMPLETE,
    LABELING_STAGES,
    META_BLOCKED,
    META_QUARANTINE_BY_REASON,
    META_RECORDS_QUARANTINED,
    STAGE_CHAIN,
)
from governance.stages import DELIVERED, INTAKE

# Dagster raises this in the steps downstream of a failed blocking check: the refusal is
# already reported by the check itself, so it is not repeated as an error.
_CHECK_REFUSAL = "DagsterAssetCheckFailedError"


@dataclass(frozen=True)
class FailedCheck:
    """A check that did not pass: how many failures and the first reason, in plain words."""

    name: str
    failures: int | None
    first_reason: str
    blocking: bool

    def as_json(self) -> dict[str, Any]:
        """The check as `--json` prints it."""
        return {"name": self.name, "failures": self.failures, "first_reason": self.first_reason,
                "blocking": self.blocking}


@dataclass
class VersionOutcome:
    """What happened to one version: stages materialized, checks failed, errors."""

    dataset: str
    version: str
    run_id: str
    materialized: list[str] = field(default_factory=list)
    checks: list[FailedCheck] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # the delivery gate said no
    errors: list[str] = field(default_factory=list)  # other expected failures, plain words
    unexpected: list[str] = field(default_factory=list)  # bugs: message with traceback
    quarantined: int = 0
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # per stage

    @property
    def failed_checks(self) -> list[str]:
        """Names of the checks that did not pass."""
        return [c.name for c in self.checks]

    @property
    def delivered(self) -> bool:
        """True when the delivered stage was materialized."""
        return DELIVERED in self.materialized

    @property
    def blocked(self) -> bool:
        """True when a blocking check or the delivery gate stopped the version."""
        return not self.delivered and not self.unexpected and (
            any(c.blocking for c in self.checks) or bool(self.refusals))

    @property
    def status(self) -> str:
        """delivered, blocked or failed."""
        if self.delivered:
            return "delivered"
        return "blocked" if self.blocked else "failed"

    def as_json(self) -> dict[str, Any]:
        """The outcome as `--json` prints it (counts and reasons, never values)."""
        return {"dataset": self.dataset, "version": self.version, "status": self.status,
                "failed_checks": [c.as_json() for c in self.checks],
                "quarantined": self.quarantined, "errors": self.refusals + self.errors + [
                    u.splitlines()[0] for u in self.unexpected]}


def _value(entry: Any) -> Any:
    return getattr(entry, "value", entry)


def _first_reason(evaluation: Any, quarantine_by_reason: dict[str, int]) -> str:
    if evaluation.check_name == CHECK_INTAKE_COMPLETE and quarantine_by_reason:
        return next(iter(quarantine_by_reason))
    if evaluation.description:
        return evaluation.description.split("; ")[0].strip()
    return "the check did not pass"


def _failures(metadata: dict[str, Any]) -> int | None:
    if isinstance(metadata.get("undeclared"), list):
        return len(metadata["undeclared"])
    for key in ("failures", "quarantined", "failed_rows", "flagged"):
        if key in metadata and isinstance(_value(metadata[key]), int | float):
            return int(_value(metadata[key]))
    return None


def _plain(error: Any) -> str:
    """An error's own message without Dagster's 'module.Class: ' prefix."""
    message = (error.message or "").strip()
    head, sep, rest = message.partition(": ")
    if sep and "." in head and " " not in head:
        message = rest
    return message


def stage_rank(stage: str) -> tuple[int, str]:
    """Sort key putting stages in pipeline order (unknown ones last, by name)."""
    # Delivery waits for labeling's blocking checks, so labeling comes before delivered.
    order = (*STAGE_CHAIN[:-1], *LABELING_STAGES, STAGE_CHAIN[-1])
    return (order.index(stage) if stage in order else len(order), stage)


def outcome_from_events(dataset: str, version: str, run_id: str,
                        events: Iterable[dg.DagsterEvent]) -> VersionOutcome:
    """Summarise one run's events into a VersionOutcome."""
    outcome = VersionOutcome(dataset, version, run_id)
    evaluations = []
    for event in events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            stage = materialization.asset_key.path[-1]
            outcome.materialized.append(stage)
            meta = {k: _value(v) for k, v in materialization.metadata.items()}
            outcome.metadata[stage] = meta
            if stage == INTAKE:
                outcome.quarantined = int(meta.get(META_RECORDS_QUARANTINED) or 0)
                outcome.quarantine_by_reason = dict(meta.get(META_QUARANTINE_BY_REASON) or {})
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluations.append(event.event_specific_data)
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.event_specific_data
            error = data.error
            if data.user_failure_data is not None:
                # The gate marks its refusal in the failure's metadata; the text is for people.
                flags = data.user_failure_data.metadata or {}
                into = outcome.refusals if _value(flags.get(META_BLOCKED)) else outcome.errors
                into.append((data.user_failure_data.description or
                             _plain(error) if error else "step failed").strip())
            elif error is not None and error.cls_name == _CHECK_REFUSAL:
                continue
            elif error is not None:
                outcome.unexpected.append(error.to_string())
            else:
                outcome.unexpected.append(f"step {event.step_key} failed")
    # Pipeline order, not finishing order (parallel steps on a cluster finish in any order);
    # a stable sort keeps each asset's own checks in the order it reported them.
    evaluations.sort(key=lambda e: stage_rank(e.asset_key.path[-1]))
    for evaluation in evaluations:
        if evaluation.passed:
            continue
        meta = {k: _value(v) for k, v in evaluation.metadata.items()}
        outcome.checks.append(FailedCheck(
            evaluation.check_name, _failures(meta),
            _first_reason(evaluation, outcome.quarantine_by_reason),
            bool(evaluation.blocking) or evaluation.severity == dg.AssetCheckSeverity.ERROR))
    return outcome
