"""One labeling batch end to end: read it, measure it, draw its audit sample, judge it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from governance.contracts import DatasetContract
from governance.identifiers import qualified, quote_ident
from governance.labeling.confusion import ReviewOutcome, judged_labels, review
from governance.labeling.files import load_answers
from governance.labeling.metrics import BatchMetrics, compute_batch
from governance.labeling.risk_audit import RiskOutcome, risk_audit
from governance.labeling.sampling import (
    sample_size_for_proportion,
    seed_for,
    stratified_sample,
    z14_plan,
)
from governance.labeling.spec import (
    CHECK_AGREEMENT,
    CHECK_AUDIT_ACCURACY,
    CHECK_GOLD_ACCURACY,
    CHECK_GUIDELINES,
    FRAME_NAMES,
    ROLES,
    LabelingSpec,
)
from governance.labeling.verdicts import categorize, load_verdicts, verdict_labels
from governance.settings import Layout
from governance.stages import VALIDATED


@dataclass(frozen=True)
class AuditOutcome:
    """The audit sample of a batch: how it was sized, and what the reviewers found."""

    method: str
    population: int
    size: int
    seed: int
    audited: int
    correct: int
    accept_number: int | None = None
    plan: str = ""

    @property
    def accuracy(self) -> float | None:
        """Share of audited labels the reviewers confirmed; None before any verdict."""
        return self.correct / self.audited if self.audited else None

    @property
    def accepted(self) -> bool | None:
        """Z1.4 lot decision (defects ≤ Ac) when the plan is an AQL plan and verdicts exist."""
        if self.accept_number is None or self.audited < self.size:
            return None
        return self.audited - self.correct <= self.accept_number


@dataclass(frozen=True)
class LabelingCheck:
    """The outcome of one labeling check on one batch."""

    name: str
    passed: bool
    blocking: bool
    value: float | None
    target: float | None
    failures: int
    description: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchResult:
    """Everything measured on one batch."""

    frame: pd.DataFrame
    metrics: BatchMetrics
    sample: pd.DataFrame
    audit: AuditOutcome
    guidelines_versions: dict[str, int]
    review: ReviewOutcome | None = None
    # The sample aimed at likely errors (not part of the accuracy estimate) and its summary.
    risk_sample: pd.DataFrame | None = None
    risk: RiskOutcome | None = None


def read_annotations(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                     spec: LabelingSpec, version: str) -> pd.DataFrame:
    """A batch's validated rows with role names (item, annotator, vendor, label, ...)."""
    select = ", ".join(f"{quote_ident(spec.column(r))} AS {quote_ident(FRAME_NAMES[r])}"
                       for r in ROLES)
    cursor = conn.execute(f"SELECT {select} FROM {qualified(contract.name, VALIDATED)} "
                          "WHERE _version = ? ORDER BY 1, 2", [version])
    names = [d[0] for d in cursor.description]
    frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    frame["cost"] = frame["cost"].astype(float)
    for col in ("started_at", "finished_at"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def draw_audit(frame: pd.DataFrame, spec: LabelingSpec, dataset: str, version: str,
               verdicts: dict[str, str]) -> tuple[pd.DataFrame, AuditOutcome]:
    """Size the audit sample from the contract's plan, draw it seeded, score it if possible."""
    plan = spec.audit
    population = len(frame)
    accept = None
    if plan.method == "aql":
        z14 = z14_plan(population, plan.aql or 0.0, plan.level)
        size, accept = z14.sample_size, z14.accept
        text = (f"ANSI/ASQ Z1.4 level {plan.level}, AQL {plan.aql}: code {z14.code_letter}, "
                f"n={z14.sample_size}, accept ≤{z14.accept} defects, reject ≥{z14.reject}")
    else:
        size = sample_size_for_proportion(population, plan.margin, plan.confidence)
        text = (f"error rate within ±{plan.margin * 100:g} points at {plan.confidence:.0%} "
                f"confidence, finite-population corrected: n={size} of {population}")
    seed = seed_for(dataset, version, plan.seed)
    sample = stratified_sample(frame, size, plan.stratify_by, seed)
    sample = sample.assign(verdict=sample["item"].map(verdicts))
    sample["correct"] = (sample["verdict"] == sample["label"]).where(sample["verdict"].notna())
    audited = int(sample["verdict"].notna().sum())
    correct = int(sample["correct"].fillna(False).astype(bool).sum())
    return sample, AuditOutcome(plan.method, population, len(sample), seed, audited, correct,
                                accept, text)


def measure_batch(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
                  spec: LabelingSpec, version: str) -> BatchResult:
    """Read a validated batch and compute its metrics and audit sample."""
    frame = read_annotations(conn, contract, spec, version)
    gold = load_answers(layout.gold_file(contract.name), spec)
    t = spec.targets
    metrics = compute_batch(frame, gold, label_set=spec.label_set,
                            min_share=t["consensusShare"], gold_target=t["goldAccuracy"],
                            agreement_floor=t["annotatorAgreement"])
    path = layout.reference_file(contract.name, version)
    verdicts = load_verdicts(path, spec)
    sample, audit = draw_audit(frame, spec, contract.name, version, verdict_labels(verdicts))
    sample = categorize(sample.assign(truth=sample["verdict"]), verdicts, str(path),
                        frame).drop(columns="truth")
    risk_sample, risk = risk_audit(conn, spec, frame, metrics.consensus, sample,
                                   verdict_labels(verdicts), audit.seed)
    risk_sample = categorize(risk_sample.assign(truth=risk_sample["verdict"]), verdicts,
                             str(path), frame).drop(columns="truth")
    judged = categorize(judged_labels(frame, sample, gold, risk_sample), verdicts, str(path),
                        frame)
    outcome = review(judged, spec.review.proposals, spec.guidelines.headings,
                     spec.review.rules)
    versions = frame["guidelines_version"].astype(str).value_counts().sort_index()
    return BatchResult(frame, metrics, sample, audit, {str(k): int(v) for k, v in
                                                       versions.items()}, outcome,
                       risk_sample, risk)


def _finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def judge(spec: LabelingSpec, result: BatchResult,
          accuracy_target: float | None) -> list[LabelingCheck]:
    """The labeling checks of one batch, blocking where the contract says."""
    m, t = result.metrics, spec.targets
    alpha = _finite(m.krippendorff_alpha)
    vendors = m.vendors
    # A vendor fails when it is surely below target (upper confidence bound), not on noise.
    weak_vendors = vendors[vendors["gold_upper"] < t["goldAccuracy"]]
    flagged = m.annotators[m.annotators["flagged"]]
    audit = result.audit
    stale = {v: n for v, n in result.guidelines_versions.items()
             if v != spec.guidelines.version}
    if audit.accept_number is not None:
        audit_ok = audit.accepted is True
        audit_text = (f"{audit.audited - audit.correct} defect(s) in {audit.audited} audited "
                      f"(accept ≤{audit.accept_number})" if audit.audited else "audit pending")
    else:
        audit_ok = audit.accuracy is not None and (
            accuracy_target is None or audit.accuracy >= accuracy_target)
        audit_text = ("audit pending: no reviewer verdicts for this batch yet"
                      if audit.accuracy is None else
                      f"audited accuracy {audit.accuracy:.1%} on {audit.audited} labels"
                      + (f" vs target {accuracy_target:.0%}" if accuracy_target else ""))
    checks = [
        LabelingCheck(
            CHECK_AGREEMENT, alpha is not None and alpha >= t["krippendorffAlpha"],
            CHECK_AGREEMENT in spec.blocking, alpha, t["krippendorffAlpha"],
            0 if alpha is not None and alpha >= t["krippendorffAlpha"] else 1,
            f"Krippendorff's alpha {alpha:.3f} vs target {t['krippendorffAlpha']}"
            if alpha is not None else "agreement cannot be measured: too few items rated twice"),
        LabelingCheck(
            CHECK_GOLD_ACCURACY, bool(m.gold_ratings) and weak_vendors.empty,
            CHECK_GOLD_ACCURACY in spec.blocking, _finite(m.gold_accuracy), t["goldAccuracy"],
            len(weak_vendors),
            "no gold items in this batch" if not m.gold_ratings else
            "no vendor is surely below the gold-accuracy target" if weak_vendors.empty else
            "below target: " + ", ".join(
                f"{r.vendor} {r.gold_accuracy:.1%} on {r.gold_items} gold labels (95% upper "
                f"bound {r.gold_upper:.1%})" for r in weak_vendors.itertuples())
            + (f"; flagged annotators: {', '.join(flagged['annotator'])}" if len(flagged)
               else ""),
            {"flagged_annotators": list(flagged["annotator"])}),
        LabelingCheck(
            CHECK_AUDIT_ACCURACY, audit_ok, CHECK_AUDIT_ACCURACY in spec.blocking,
            audit.accuracy, accuracy_target, audit.audited - audit.correct, audit_text),
        LabelingCheck(
            CHECK_GUIDELINES, not stale, CHECK_GUIDELINES in spec.blocking,
            None, None, sum(stale.values()),
            f"all labels under guidelines {spec.guidelines.version}" if not stale else
            f"{sum(stale.values())} label(s) under other guideline versions: "
            + ", ".join(sorted(stale))),
    ]
    return checks
