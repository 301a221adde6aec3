"""One labeling batch end to end: read it, measure it, draw its audit sample, judge it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from governance.contracts import DatasetContract
from governance.identifiers import qualified, quote_ident
from governance.labeling.calibration import (
    Calibration,
    calibrate,
    calibration_items,
    calibration_seed,
)
from governance.labeling.confusion import ReviewOutcome, judged_labels, review
from governance.labeling.files import load_answers
from governance.labeling.metrics import BatchMetrics, compute_batch
from governance.labeling.qualification import (
    QUALIFIED,
    counted_labels,
    exclusions,
    load_qualification,
    qualify,
    retraining,
)
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
    CHECK_QUALIFIED,
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
    calibration: Calibration | None = None
    # per annotator (QUALIFICATION_COLUMNS) when the contract requires qualification
    qualification: pd.DataFrame | None = None
    retraining: pd.DataFrame | None = None  # RETRAINING_COLUMNS


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
    status, counted = None, pd.Series(True, index=frame.index)
    if spec.qualification is not None:
        answers = load_qualification(layout.qualification_file(contract.name),
                                     spec, gold)
        status = qualify(answers, gold, spec.qualification,
                         list(frame["annotator"].astype(str).unique()))
        counted = counted_labels(frame, status)
        status = exclusions(frame, status, counted)
    t = spec.targets
    excluded = {} if status is None else {
        r.annotator: r.reason for r in status.itertuples() if r.status != QUALIFIED}
    metrics = compute_batch(frame, gold, label_set=spec.label_set,
                            min_share=t["consensusShare"], gold_target=t["goldAccuracy"],
                            agreement_floor=t["annotatorAgreement"], counted=counted,
                            excluded=excluded)
    path = layout.reference_file(contract.name, version)
    verdicts = load_verdicts(path, spec)
    # The audit estimates the accuracy of the labels that count, so it samples only those.
    sample, audit = draw_audit(frame[counted.to_numpy()], spec, contract.name, version,
                               verdict_labels(verdicts))
    sample = categorize(sample.assign(truth=sample["verdict"]), verdicts, str(path),
                        frame).drop(columns="truth")
    # Like the random audit, the risk audit looks for errors among the labels that count.
    risk_sample, risk = risk_audit(conn, spec, frame[counted.to_numpy()], metrics.consensus,
                                   sample, verdict_labels(verdicts), audit.seed)
    risk_sample = categorize(risk_sample.assign(truth=risk_sample["verdict"]), verdicts,
                             str(path), frame).drop(columns="truth")
    judged = categorize(judged_labels(frame, sample, gold, risk_sample), verdicts, str(path),
                        frame)
    # Errors of labels that do not count are the annotator's feedback, not evidence that a
    # guideline rule is unclear, so proposals are drafted from the counted labels only.
    outcome = review(judged, spec.review.proposals, spec.guidelines.headings,
                     spec.review.rules, _counted_keys(frame, counted))
    calibration = calibrate(verdicts, sample["item"], calibration_items(
        sample["item"], spec.calibration.share, calibration_seed(audit.seed)), gold,
        spec.calibration)
    versions = frame["guidelines_version"].astype(str).value_counts().sort_index()
    return BatchResult(frame, metrics, sample, audit, {str(k): int(v) for k, v in
                                                       versions.items()}, outcome,
                       risk_sample, risk, calibration, status,
                       None if status is None else retraining(
                           metrics.annotators, status, spec.guidelines.version))


def _counted_keys(frame: pd.DataFrame, counted: pd.Series) -> set[tuple[str, str]] | None:
    if bool(counted.all()):
        return None
    rows = frame.loc[counted.to_numpy(), ["item", "annotator"]].astype(str)
    return set(zip(rows["item"], rows["annotator"], strict=True))


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
        _audit_check(spec, result, audit_ok, accuracy_target, audit_text),
        LabelingCheck(
            CHECK_GUIDELINES, not stale, CHECK_GUIDELINES in spec.blocking,
            None, None, sum(stale.values()),
            f"all labels under guidelines {spec.guidelines.version}" if not stale else
            f"{sum(stale.values())} label(s) under other guideline versions: "
            + ", ".join(sorted(stale))),
        _qualification_check(spec, result),
    ]
    return checks


def _audit_check(spec: LabelingSpec, result: BatchResult, audit_ok: bool,
                 accuracy_target: float | None, text: str) -> LabelingCheck:
    """The audit check; inconclusive (not passed) when a reviewer is below calibration."""
    audit, calibration = result.audit, result.calibration
    details: dict[str, Any] = {}
    reason = calibration.inconclusive_reason() if calibration is not None else None
    if calibration is not None and audit.audited:
        details["calibration_items"] = len(calibration.items)
        details["double_reviewed"] = calibration.double_reviewed
        details["reviewers_below_target"] = calibration.below_target
    if reason is not None and audit.audited:
        # Dagster has no "inconclusive" outcome: it is recorded as not passed (so it never
        # counts as a pass, and holds delivery only where the contract makes it blocking)
        # with inconclusive: true and the reason, whatever the measured accuracy says.
        details["inconclusive"] = True
        details["reason"] = reason
        return LabelingCheck(CHECK_AUDIT_ACCURACY, False, CHECK_AUDIT_ACCURACY in spec.blocking,
                             audit.accuracy, accuracy_target, audit.audited - audit.correct,
                             f"inconclusive: {text}, but the verdicts cannot be trusted: "
                             f"{reason}", details)
    return LabelingCheck(CHECK_AUDIT_ACCURACY, audit_ok, CHECK_AUDIT_ACCURACY in spec.blocking,
                         audit.accuracy, accuracy_target, audit.audited - audit.correct, text,
                         details)


def _qualification_check(spec: LabelingSpec, result: BatchResult) -> LabelingCheck:
    """annotators_qualified: every annotator whose labels are in the batch qualified first."""
    blocking = CHECK_QUALIFIED in spec.blocking
    status = result.qualification
    if spec.qualification is None or status is None:
        return LabelingCheck(CHECK_QUALIFIED, True, blocking, None, None, 0,
                             "the contract requires no qualification: every annotator's "
                             "labels count")
    rule = spec.qualification
    out = status[status["status"] != QUALIFIED]
    late = status[(status["status"] == QUALIFIED) & (status["excluded_labels"] > 0)]
    excluded = int(status["excluded_labels"].sum())
    retrain = [] if result.retraining is None else list(result.retraining["annotator"])
    details: dict[str, Any] = {"unqualified_annotators": list(out["annotator"]),
                               "excluded_labels": excluded, "retraining": retrain}
    if out.empty and late.empty:
        text = (f"all {len(status)} annotators passed qualification ({rule.items} gold "
                f"items, threshold {rule.threshold:.0%})")
    else:
        text = "; ".join([*(f"{r.annotator}: {r.reason}" for r in out.itertuples()),
                          *(f"{r.annotator}: {r.reason}" for r in late.itertuples())])
        text = f"{excluded} label(s) left out of consensus: {text}"
    if retrain:
        text += f"; retraining triggered for {', '.join(retrain)}"
    return LabelingCheck(CHECK_QUALIFIED, out.empty, blocking, None, rule.threshold,
                         len(out), text, details)
