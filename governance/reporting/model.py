"""The weekly report's model: what the Dagster instance hands in, and every figure shown.

A figure that was not measured in the period is None and printed "not measured", never 0.
Every list is sorted where it is built, so the same state gives the same report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from governance.reporting.period import Period

NOT_MEASURED = "not measured"
DELIVERED, BLOCKED, FAILED = "delivered", "blocked", "failed"


@dataclass(frozen=True)
class RunOutcome:
    """What the latest pipeline run of one version did (from the instance's event log)."""

    dataset: str
    version: str
    status: str                 # DELIVERED, BLOCKED or FAILED
    ended_at: datetime          # when that run finished (aware)
    first_run_delivered: bool   # the version's first run delivered it
    refused: bool = False       # the delivery gate refused it


@dataclass(frozen=True)
class SloEvaluation:
    """One counted evaluation of a service-level check (from the instance's check history)."""

    dataset: str
    check: str
    slo: str                    # the contract's service-level name
    version: str
    at: datetime
    passed: bool


@dataclass(frozen=True)
class Headline:
    """The figures at the top of the report."""

    received: int
    delivered: int
    blocked: int
    failed: int
    first_pass_yield: float | None
    slo_attainment: float | None
    error_budget_left: float | None
    error_budget_tightest: str | None = None   # "dataset: slo" whose budget is lowest


@dataclass(frozen=True)
class DatasetFlow:
    """Versions received, delivered, blocked and failed for one dataset in the week."""

    dataset: str
    received: int
    delivered: int
    blocked: int
    failed: int


@dataclass(frozen=True)
class QualityRow:
    """One quality dimension of one dataset: this week, the week before, the baseline."""

    dataset: str
    dimension: str
    target: float | None
    this_week: float | None
    previous_week: float | None
    baseline: float | None

    @property
    def below_target(self) -> bool:
        """True when this week's value misses the target."""
        return None not in (self.target, self.this_week) and self.this_week < self.target


@dataclass(frozen=True)
class WorstRule:
    """A check family that failed in the week, with its failing rows and versions."""

    dataset: str
    check: str
    failures: int
    versions: int


@dataclass(frozen=True)
class Finding:
    """Undeclared personal data found in a column (names only, never values)."""

    dataset: str
    version: str
    column: str
    entity: str


@dataclass(frozen=True)
class Privacy:
    """The privacy section's counts."""

    undeclared: tuple[Finding, ...]
    deliveries_refused: int
    erasures: int
    purges_done: int
    purges_due: int
    holds: int


@dataclass(frozen=True)
class LabelingRow:
    """One labeled dataset's batches measured in the week."""

    dataset: str
    batches: int
    items: int
    labels: int
    labels_per_hour: float | None
    median_seconds: float | None
    p90_seconds: float | None
    cost_per_item: float | None
    cost_target: float | None
    currency: str
    gold_accuracy: float | None
    audit_accuracy: float | None
    flagged_annotators: int
    adjudication_backlog: int

    @property
    def over_budget(self) -> bool:
        """True when the cost per item exceeds the contract's target."""
        return None not in (self.cost_per_item, self.cost_target) and \
            self.cost_per_item > self.cost_target


@dataclass(frozen=True)
class VendorSpend:
    """What one vendor cost for one labeled dataset in the week."""

    dataset: str
    vendor: str
    spend: float
    labels: int


@dataclass(frozen=True)
class CauseCount:
    """Incidents resolved in the week with one cause."""

    cause: str
    incidents: int


@dataclass(frozen=True)
class Operations:
    """Drift, refresh requests and incidents in the week."""

    drifted_versions: int
    refresh_requests: int
    incidents_opened: int
    incidents_resolved: int
    incidents_active: int
    mtta_seconds: float | None
    mttr_seconds: float | None
    causes: tuple[CauseCount, ...]


@dataclass(frozen=True)
class GuidelineProposal:
    """A guideline-change proposal drafted for a batch measured in the week."""

    dataset: str
    version: str
    label_a: str
    label_b: str
    rule: str
    errors: int
    share: float
    annotators: int
    guidelines_version: str


@dataclass(frozen=True)
class Risk:
    """One risk or decision needed, with who owns it."""

    kind: str        # "incident", "quality", "budget", "waiver", "guideline"
    subject: str     # dataset, incident id
    detail: str
    owner: str


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the weekly status report shows."""

    period: Period
    headline: Headline
    flows: tuple[DatasetFlow, ...]
    quality: tuple[QualityRow, ...]
    worst_rules: tuple[WorstRule, ...]
    privacy: Privacy
    labeling: tuple[LabelingRow, ...]
    vendors: tuple[VendorSpend, ...]
    operations: Operations
    risks: tuple[Risk, ...] = field(default=())
    proposals: tuple[GuidelineProposal, ...] = field(default=())

    def headline_json(self) -> dict[str, Any]:
        """The headline as `--json` prints it (None where not measured)."""
        h = self.headline
        return {"report": self.period.name, "as_of": self.period.as_of.isoformat(),
                "received": h.received, "delivered": h.delivered, "blocked": h.blocked,
                "failed": h.failed, "first_pass_yield": h.first_pass_yield,
                "slo_attainment": h.slo_attainment, "error_budget_left": h.error_budget_left,
                "incidents_opened": self.operations.incidents_opened,
                "incidents_resolved": self.operations.incidents_resolved,
                "risks": len(self.risks)}

    def sections_json(self) -> dict[str, Any]:
        """Every section's figures, as `--json` prints them under "sections"."""
        return {"flows": [asdict(f) for f in self.flows],
                "quality": [asdict(q) for q in self.quality],
                "worst_rules": [asdict(w) for w in self.worst_rules],
                "privacy": asdict(self.privacy),
                "labeling": [asdict(row) for row in self.labeling],
                "vendors": [asdict(v) for v in self.vendors],
                "operations": asdict(self.operations),
                "proposals": [asdict(g) for g in self.proposals],
                "risks": [asdict(r) for r in self.risks]}
