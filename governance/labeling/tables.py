"""Where a labeling batch's results live in DuckDB: one small table per kind of result."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from governance.contracts import DatasetContract
from governance.labeling.batch import BatchResult, LabelingCheck
from governance.labeling.confusion import errors_of
from governance.labeling.spec import LabelingSpec
from governance.quality.metrics import Metric, replace_dimension
from governance.quality.outcomes import CheckOutcome, write_outcomes
from governance.storage import replace_rows
from governance.tables import (
    ADJUDICATION_COLUMNS,
    ADJUDICATION_QUEUE,
    ANNOTATOR_COLUMNS,
    ANNOTATOR_QUALIFICATION,
    ANNOTATOR_RETRAINING,
    AUDIT_SAMPLE,
    BATCH_COLUMNS,
    CONFUSION_COLUMNS,
    CONSENSUS_COLUMNS,
    CONSENSUS_LABELS,
    DISTRIBUTION_COLUMNS,
    ERROR_CATEGORY_COLUMNS,
    GUIDELINE_PROPOSALS,
    LABEL_DISTRIBUTION,
    LABELING_ANNOTATORS,
    LABELING_BATCHES,
    LABELING_CONFUSIONS,
    LABELING_ERROR_CATEGORIES,
    LABELING_ERROR_COLUMNS,
    LABELING_ERRORS,
    LABELING_PAIRS,
    LABELING_REVIEWERS,
    LABELING_VENDORS,
    PAIR_COLUMNS,
    PROPOSAL_COLUMNS,
    QUALIFICATION_COLUMNS,
    RETRAINING_COLUMNS,
    REVIEWER_COLUMNS,
    RISK_AUDIT_SAMPLE,
    RISK_SAMPLE_COLUMNS,
    SAMPLE_COLUMNS,
    VENDOR_COLUMNS,
    VENDOR_SCORECARD,
    VERSION_COL,
)

# Names and columns are declared in the registry; these aliases keep the old spelling.
BATCHES, ANNOTATORS, VENDORS = LABELING_BATCHES, LABELING_ANNOTATORS, LABELING_VENDORS
PAIRS, DISTRIBUTION, SCORECARD = LABELING_PAIRS, LABEL_DISTRIBUTION, VENDOR_SCORECARD
CONSENSUS, ADJUDICATION = CONSENSUS_LABELS, ADJUDICATION_QUEUE


def clean(value: Any) -> Any:
    """A value DuckDB takes: NaN and pandas' missing markers become NULL, numpy → Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _rows(frame: pd.DataFrame, columns: Sequence[str], prefix: Sequence[Any]) -> list[tuple]:
    return [tuple(prefix) + tuple(clean(v) for v in row)
            for row in frame.reindex(columns=list(columns)).itertuples(index=False)]


def batch_row(contract: DatasetContract, spec: LabelingSpec, version: str, result: BatchResult,
              measured_at: datetime) -> dict[str, Any]:
    """The one-row summary of a batch, as stored in labeling_batches."""
    m, ops, audit = result.metrics, result.metrics.operations, result.audit
    kappas = [p.kappa for p in m.pairs if not math.isnan(p.kappa)]
    return {
        "dataset": contract.name, "version": version, "labels_dataset": spec.labels_dataset,
        "guidelines_version": spec.guidelines.version,
        "guidelines_sha256": spec.guidelines.sha256,
        "items": ops["items"], "labels": ops["labels"], "annotators": ops["annotators"],
        "vendors": ops["vendors"], "krippendorff_alpha": m.krippendorff_alpha,
        "fleiss_kappa": m.fleiss.kappa, "fleiss_items": m.fleiss.items,
        "mean_pair_kappa": sum(kappas) / len(kappas) if kappas else None,
        "min_pair_kappa": min(kappas) if kappas else None,
        "gold_ratings": m.gold_ratings, "gold_accuracy": m.gold_accuracy,
        "consensus_items": int(m.consensus["label"].notna().sum()),
        "adjudication_items": len(m.adjudication),
        "imbalance_ratio": m.imbalance["imbalance_ratio"],
        "normalized_entropy": m.imbalance["normalized_entropy"],
        "median_seconds": ops["median_seconds"], "p90_seconds": ops["p90_seconds"],
        "labels_per_hour": ops["labels_per_hour"], "total_cost": ops["total_cost"],
        "cost_per_item": ops["cost_per_item"], "audit_method": audit.method,
        "audit_plan": audit.plan, "audit_population": audit.population,
        "audit_size": audit.size, "audit_seed": audit.seed, "audited": audit.audited,
        "audit_accuracy": audit.accuracy,
        "flagged_annotators": ",".join(m.annotators.loc[m.annotators["flagged"], "annotator"]),
        "measured_at": measured_at,
    }


def vendor_audit(result: BatchResult) -> pd.DataFrame:
    """Per-vendor audit results from the batch's audit sample."""
    scored = result.sample[result.sample["verdict"].notna()]
    grouped = scored.groupby("vendor")["correct"].agg(["count", "sum"])
    return pd.DataFrame({"vendor": grouped.index, "audited": grouped["count"].astype(int).values,
                         "audit_accuracy": (grouped["sum"] / grouped["count"]).values})


def write_batch(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, spec: LabelingSpec,
                version: str, result: BatchResult, checks: list[LabelingCheck],
                accuracy_target: float | None, measured_at: datetime) -> dict[str, Any]:
    """Store a batch's results, check outcomes and audited accuracy (inside a transaction)."""
    name, m = contract.name, result.metrics
    key = {"dataset": name, "version": version}
    summary = batch_row(contract, spec, version, result, measured_at)
    replace_rows(conn, "main", BATCHES, BATCH_COLUMNS, key,
                 [[clean(summary[c]) for c, _ in BATCH_COLUMNS]])
    replace_rows(conn, "main", ANNOTATORS, ANNOTATOR_COLUMNS, key, _rows(
        m.annotators, [c for c, _ in ANNOTATOR_COLUMNS[2:]], (name, version)))
    flagged = m.annotators.groupby("vendor")["flagged"].sum().rename("flagged_annotators")
    vendors = (m.vendors.merge(vendor_audit(result), on="vendor", how="left")
               .merge(flagged, left_on="vendor", right_index=True, how="left"))
    replace_rows(conn, "main", VENDORS, VENDOR_COLUMNS, key, _rows(
        vendors, [c for c, _ in VENDOR_COLUMNS[2:]], (name, version)))
    replace_rows(conn, "main", PAIRS, PAIR_COLUMNS, key, [
        (name, version, p.annotator_a, p.annotator_b, p.items, clean(p.kappa))
        for p in m.pairs])
    replace_rows(conn, "main", DISTRIBUTION, DISTRIBUTION_COLUMNS, key, _rows(
        m.distribution, ["label", "count", "share"], (name, version)))
    where = {VERSION_COL: version}
    replace_rows(conn, name, CONSENSUS, CONSENSUS_COLUMNS, where, _rows(
        m.consensus, [c for c, _ in CONSENSUS_COLUMNS[1:]], (version,)))
    replace_rows(conn, name, ADJUDICATION, ADJUDICATION_COLUMNS, where, _rows(
        m.adjudication, [c for c, _ in ADJUDICATION_COLUMNS[1:]], (version,)))
    replace_rows(conn, name, AUDIT_SAMPLE, SAMPLE_COLUMNS, where, _rows(
        result.sample, [c for c, _ in SAMPLE_COLUMNS[1:]], (version,)))
    if result.risk_sample is not None:
        replace_rows(conn, name, RISK_AUDIT_SAMPLE, RISK_SAMPLE_COLUMNS, where, _rows(
            result.risk_sample, [c for c, _ in RISK_SAMPLE_COLUMNS[1:]], (version,)))
    write_review(conn, name, version, spec, result)
    write_people(conn, name, version, result, measured_at)
    write_outcomes(conn, name, version, [
        CheckOutcome(c.name, "error" if c.blocking else "warning", c.blocking, c.passed,
                     int(m.operations["labels"]), c.failures) for c in checks], measured_at)
    # The audited sample is the accuracy dimension's evidence for a labeling batch.
    accuracy = result.audit.accuracy
    replace_dimension(conn, name, version, "accuracy", [
        Metric("accuracy", "*", accuracy, accuracy_target),
        Metric("accuracy", spec.column("label"), accuracy, accuracy_target)], measured_at)
    return summary


def write_review(conn: duckdb.DuckDBPyConnection, name: str, version: str,
                 spec: LabelingSpec, result: BatchResult) -> None:
    """Store a batch's wrong labels, confusion cells, error categories and proposals."""
    review = result.review
    if review is None:  # a batch measured without verdict handling has nothing to store
        return
    key = {"dataset": name, "version": version}
    errors = errors_of(review.judged)
    replace_rows(conn, name, LABELING_ERRORS, LABELING_ERROR_COLUMNS, {VERSION_COL: version},
                 _rows(errors, [c for c, _ in LABELING_ERROR_COLUMNS[1:]], (version,)))
    replace_rows(conn, "main", LABELING_CONFUSIONS, CONFUSION_COLUMNS, key, _rows(
        review.confusions, [c for c, _ in CONFUSION_COLUMNS[2:]], (name, version)))
    replace_rows(conn, "main", LABELING_ERROR_CATEGORIES, ERROR_CATEGORY_COLUMNS, key, _rows(
        review.categories, [c for c, _ in ERROR_CATEGORY_COLUMNS[2:]], (name, version)))
    gv = spec.guidelines.version
    replace_rows(conn, "main", GUIDELINE_PROPOSALS, PROPOSAL_COLUMNS, key, [
        (name, version, p.label_a, p.label_b, " | ".join(p.rule), p.errors, p.a_as_b,
         p.b_as_a, p.considered, p.share, ",".join(p.annotators), ",".join(p.items), gv,
         p.text(gv)) for p in review.proposals])


def write_people(conn: duckdb.DuckDBPyConnection, name: str, version: str,
                 result: BatchResult, measured_at: datetime) -> None:
    """Store the batch's reviewer calibration, qualification statuses and retraining."""
    key = {"dataset": name, "version": version}
    reviewers = result.calibration.reviewers if result.calibration is not None else None
    replace_rows(conn, "main", LABELING_REVIEWERS, REVIEWER_COLUMNS, key, [] if reviewers is None
                 else _rows(reviewers, [c for c, _ in REVIEWER_COLUMNS[2:]], (name, version)))
    status = result.qualification
    replace_rows(conn, "main", ANNOTATOR_QUALIFICATION, QUALIFICATION_COLUMNS, key,
                 [] if status is None else _rows(
                     status, [c for c, _ in QUALIFICATION_COLUMNS[2:]], (name, version)))
    due = result.retraining
    replace_rows(conn, "main", ANNOTATOR_RETRAINING, RETRAINING_COLUMNS, key,
                 [] if due is None else [
                     (name, version, r.annotator, r.vendor, r.reason, r.guidelines_version,
                      measured_at) for r in due.itertuples()])
