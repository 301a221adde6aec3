"""Labeling stage: agreement, gold accuracy, consensus, audit sample and vendor scorecard."""


import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import LABELING, VENDOR_SCORECARD, stage_key
from dataops_assets.resources import DataStore, WarehouseResource
from governance.contracts import DatasetContract
from governance.datasheet.render import template, write_text
from governance.errors import GovernanceError
from governance.labeling.batch import BatchResult, LabelingCheck, judge, measure_batch
from governance.labeling.feedback import (
    guideline_proposals,
    people_context,
    render_people,
    render_review,
    review_context,
    write_feedback_packs,
)
from governance.labeling.risk_audit import errors_per_audited, ratio
from governance.labeling.scorecard import build_scorecard, scorecard_context
from governance.labeling.spec import (
    CHECK_AGREEMENT,
    CHECK_AUDIT_ACCURACY,
    CHECK_GOLD_ACCURACY,
    CHECK_GUIDELINES,
    CHECK_QUALIFIED,
    LABELING_CHECKS,
    LabelingSpec,
    labeling_spec,
)
from governance.labeling.tables import (
    ADJUDICATION,
    AUDIT_SAMPLE,
    CONSENSUS,
    LABELING_ERRORS,
    SCORECARD,
    write_batch,
)
from governance.quality.rules import quality_spec
from governance.stages import VALIDATED
from governance.storage import now_utc, transaction
from governance.tables import RISK_AUDIT_SAMPLE

_CHECK_TEXT = {
    CHECK_AGREEMENT: "Krippendorff's alpha across annotators meets the contract target.",
    CHECK_GOLD_ACCURACY: "Every vendor's accuracy on gold items meets the contract target; "
    "annotators below it are named.",
    CHECK_AUDIT_ACCURACY: "The seeded audit sample, scored by reviewers, meets the "
    "accuracy target (or the Z1.4 acceptance number); inconclusive (not passed, metadata "
    "inconclusive: true) when a reviewer is below the calibration targets.",
    CHECK_QUALIFIED: "Every annotator whose labels are in the batch passed a qualification "
    "batch on gold items first; the others' labels are left out of consensus and they are "
    "named.",
    CHECK_GUIDELINES: "Every label was made under the guidelines version the contract names.",
}


def _check_result(check: LabelingCheck) -> dg.AssetCheckResult:
    metadata: dict[str, object] = {"failures": check.failures}
    if check.value is not None:
        metadata["value"] = dg.MetadataValue.float(round(float(check.value), 6))
    if check.target is not None:
        metadata["target"] = dg.MetadataValue.float(float(check.target))
    for key, value in check.details.items():
        # Lists and mappings as JSON; a flag (inconclusive), count or reason as itself.
        metadata[key] = dg.MetadataValue.json(value) if isinstance(value, list | dict) \
            else value
    return dg.AssetCheckResult(
        check_name=check.name, passed=check.passed, description=check.description,
        severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata)


def _risk_metadata(result: BatchResult) -> dict[str, object]:
    """The risk sample in the materialization: its size and errors found per audited label
    beside the random sample's (ids and counts only, never item text)."""
    risk = result.risk
    if risk is None or not risk.drawn:
        return {"risk_audit/status": "off: " + (risk.reason if risk else "not measured")}
    audited, errors = errors_per_audited(result.sample)
    random_rate = errors / audited if audited else None
    out: dict[str, object] = {
        "risk_audit/status": "drawn", "risk_audit/plan": risk.plan,
        "risk_audit/sample_size": risk.size, "risk_audit/scored": risk.audited,
        "risk_audit/errors": risk.errors,
        "risk_audit/items_with_text": f"{risk.items_with_text} of {risk.items}"}
    for key, value in (("risk_audit/errors_per_audited", risk.error_rate),
                       ("audit/errors_per_audited", random_rate),
                       ("risk_audit/ratio_to_random", ratio(risk.error_rate, random_rate))):
        if value is not None:
            out[key] = dg.MetadataValue.float(round(float(value), 6))
    return out


def build_labeling_asset(contract: DatasetContract, spec: LabelingSpec) -> dg.AssetsDefinition:
    """The labeling asset of an annotation dataset, with its checks."""
    key = stage_key(contract.name, LABELING)
    accuracy_target = quality_spec(contract).targets.get("accuracy")
    args = md.asset_args(
        contract, LABELING, f"agreement (Cohen, Fleiss, Krippendorff), gold accuracy per "
        f"annotator and vendor, turnaround, throughput, cost, consensus labels with an "
        f"adjudication queue, and a seeded audit sample for each batch labeling "
        f"{spec.labels_dataset} under guidelines {spec.guidelines.version}.",
        metadata={**md.contract_link(contract),
                  "guidelines": dg.MetadataValue.path(str(spec.guidelines.path)),
                  "guidelines_version": spec.guidelines.version})
    # Not Dagster-blocking: the scorecard of a failed batch is what the manager needs most,
    # so it must still run. Delivery is refused from the recorded outcome instead.
    specs = [dg.AssetCheckSpec(
        name, asset=key, blocking=False,
        description=_CHECK_TEXT[name] + (" Blocks delivery." if name in spec.blocking else ""))
        for name in LABELING_CHECKS]

    @dg.asset(deps=[stage_key(contract.name, VALIDATED)], check_specs=specs, **args)
    def labeling(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                 store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        with warehouse.session(contract.name, version) as conn:
            try:
                result = measure_batch(conn, store.layout, contract, spec, version)
            except GovernanceError as exc:
                raise dg.Failure(description=str(exc)) from None
            checks = judge(spec, result, accuracy_target)
            with transaction(conn):
                summary = write_batch(conn, contract, spec, version, result, checks,
                                      accuracy_target, now_utc())
        m = result.metrics
        audit(store.data_dir, "check", contract.name, version, stage=LABELING,
              checks=len(checks), failed=sum(not c.passed for c in checks),
              audit_sample=result.audit.size, seed=result.audit.seed,
              risk_sample=result.risk.size if result.risk is not None else 0)
        metadata: dict[str, object] = {
            "labeling/krippendorff_alpha": dg.MetadataValue.float(
                round(float(summary["krippendorff_alpha"]), 6)),
            "labeling/fleiss_kappa": dg.MetadataValue.float(round(float(m.fleiss.kappa), 6)),
            "labeling/gold_accuracy": dg.MetadataValue.float(round(float(m.gold_accuracy), 6)),
            "labeling/cost_per_item": dg.MetadataValue.float(
                round(float(summary["cost_per_item"]), 4)),
            "labeling/labels_per_hour": dg.MetadataValue.float(
                round(float(summary["labels_per_hour"]), 2)),
            "labeling/median_seconds": dg.MetadataValue.float(
                float(summary["median_seconds"])),
            "labeling/adjudication_items": len(m.adjudication),
            "labeling/flagged_annotators": dg.MetadataValue.json(
                list(m.annotators.loc[m.annotators["flagged"], "annotator"])),
            "audit/plan": summary["audit_plan"],
            "audit/sample_size": result.audit.size,
            "audit/seed": str(result.audit.seed),
            "audit/scored": result.audit.audited,
            "label_distribution": dg.MetadataValue.json(
                {r.label: int(r.count) for r in m.distribution.itertuples()}),
            "tables": dg.MetadataValue.json([f"{contract.name}.{t}" for t in (
                CONSENSUS, ADJUDICATION, AUDIT_SAMPLE, RISK_AUDIT_SAMPLE, LABELING_ERRORS)]),
            "labeling/errors_by_category": dg.MetadataValue.json({
                r.error_category: int(r.errors) for r in result.review.categories.itertuples()
                if r.scope == "batch"} if result.review is not None else {}),
        }
        metadata.update(_risk_metadata(result))
        if result.calibration is not None:
            metadata["labeling/reviewers_below_target"] = dg.MetadataValue.json(
                result.calibration.below_target)
        if result.qualification is not None:
            status = result.qualification
            metadata["labeling/unqualified_annotators"] = dg.MetadataValue.json(
                list(status.loc[status["status"] != "qualified", "annotator"]))
            metadata["labeling/retraining"] = dg.MetadataValue.json(
                [] if result.retraining is None else list(result.retraining["annotator"]))
        if result.audit.accuracy is not None:
            metadata["quality/accuracy"] = dg.MetadataValue.float(
                round(result.audit.accuracy, 6))
        return dg.MaterializeResult(metadata=metadata,
                                    check_results=[_check_result(c) for c in checks])

    return labeling


def build_scorecard_asset(contract: DatasetContract, spec: LabelingSpec) -> dg.AssetsDefinition:
    """The vendor scorecard of each batch: a table and a Markdown page."""
    accuracy_target = quality_spec(contract).targets.get("accuracy")
    args = md.asset_args(
        contract, VENDOR_SCORECARD, "one row per vendor and batch: gold and audited accuracy, "
        "agreement with consensus, turnaround, throughput and cost, scored against the "
        "contract's targets; also written as Markdown beside the datasheets, with the "
        "batch's confusion matrix, errors per category, guideline-change proposals and a "
        "feedback pack per annotator and vendor.",
        metadata={**md.contract_link(contract), "dagster/table_name": f"main.{SCORECARD}"})

    @dg.asset(deps=[stage_key(contract.name, LABELING)], **args)
    def vendor_scorecard(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                         store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        with warehouse.session(contract.name, version) as conn:
            with transaction(conn):
                card = build_scorecard(conn, contract.name, version, spec, accuracy_target)
            lab = scorecard_context(conn, contract.name, version)
            folder = store.documents_dir / contract.name / "feedback"
            packs = write_feedback_packs(conn, folder, spec, contract.name, version,
                                         accuracy_target)
            review = render_review(review_context(
                conn, spec, contract.name, version,
                [p.relative_to(folder.parent).as_posix() for p in packs]))
            proposals = guideline_proposals(conn, contract.name, version)
            people = people_context(conn, spec, contract.name, version)
        text = (template("scorecard.md.j2").render(lab=lab).rstrip("\n") + "\n" + review
                + render_people(people))
        path = store.documents_dir / contract.name / "scorecards" / f"{version}.md"
        write_text(path, text)
        return dg.MaterializeResult(metadata={
            "dagster/row_count": len(card),
            "vendors_meeting_targets": sum(bool(r["meets_targets"]) for r in card),
            "scorecard": dg.MetadataValue.md(text),
            "path": dg.MetadataValue.path(str(path)),
            "feedback_packs": dg.MetadataValue.json([str(p) for p in packs]),
            "reviewers_below_target": dg.MetadataValue.json(people["below"]),
            "unqualified_annotators": dg.MetadataValue.json(
                [q["annotator"] for q in people["unqualified"]]),
            "retraining": dg.MetadataValue.json(
                [r["annotator"] for r in people["retraining"]]),
            "guideline_proposals": dg.MetadataValue.json(
                [f"{p['label_a']}/{p['label_b']}: {p['rule']}" for p in proposals]),
        })

    return vendor_scorecard


def build_labeling_assets(contract: DatasetContract) -> list[dg.AssetsDefinition]:
    """Labeling and scorecard assets when the contract declares a labeling stage."""
    spec = labeling_spec(contract)
    if spec is None:
        return []
    return [build_labeling_asset(contract, spec), build_scorecard_asset(contract, spec)]
