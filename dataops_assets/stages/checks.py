"""Asset checks on the validated stage: one per rule family, plus intake and targets."""

import warnings
from datetime import timedelta

import dagster as dg

from dataops_assets.constants import CHECK_INTAKE_COMPLETE
from governance.contracts import DatasetContract
from governance.quality.evaluate import TARGETS_CHECK, VersionQuality
from governance.quality.results import RuleResult
from governance.quality.rules import FAMILY_DESCRIPTIONS, QualitySpec


def check_specs(contract: DatasetContract, spec: QualitySpec,
                key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """Check specs for the validated asset; error-severity families block delivery."""
    specs = [dg.AssetCheckSpec(
        CHECK_INTAKE_COMPLETE, asset=key, blocking=True,
        description="Every record of the raw batch was read: nothing quarantined at intake.")]
    for family in spec.families:
        rules = ", ".join(r.id for r in spec.family_rules(family))
        specs.append(dg.AssetCheckSpec(
            family, asset=key, blocking=spec.blocking(family),
            description=f"{FAMILY_DESCRIPTIONS[family]} Rules: {rules}. "
            f"Severity: {spec.severity[family]}."))
    specs.append(dg.AssetCheckSpec(
        TARGETS_CHECK, asset=key, blocking=False,
        description="Each quality dimension meets the contract's target "
        "(completeness, validity, uniqueness, consistency, freshness, accuracy)."))
    return specs


def _rules_table(contract: DatasetContract, results: list[RuleResult]) -> str:
    lines = ["| rule | failures | first failing row ids | samples (masked if personal) |",
             "| --- | ---: | --- | --- |"]
    for r in results:
        ids = ", ".join(map(str, r.row_ids)) or "-"
        samples = "; ".join(r.samples(contract)).replace("|", "\\|") or "-"
        lines.append(f"| {r.rule.id} | {r.failures} | {ids} | {samples} |")
    return "\n".join(lines)


def intake_result(quarantined: int, dataset: str) -> dg.AssetCheckResult:
    """Result of the intake-completeness check."""
    return dg.AssetCheckResult(
        check_name=CHECK_INTAKE_COMPLETE, passed=quarantined == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"quarantined": quarantined, "quarantine_table": f"{dataset}.quarantine"},
        description=None if quarantined == 0 else
        f"{quarantined} record(s) or file problem(s) quarantined at intake")


def quality_results(contract: DatasetContract, spec: QualitySpec,
                    quality: VersionQuality) -> list[dg.AssetCheckResult]:
    """One result per rule family, and one for the dimension targets."""
    out = []
    for family in spec.families:
        results = quality.family_results(spec, family)
        failures = sum(r.failures for r in results)
        failing = [r for r in results if r.failures]
        out.append(dg.AssetCheckResult(
            check_name=family,
            passed=failures == 0,
            severity=dg.AssetCheckSeverity.ERROR if spec.blocking(family)
            else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_checked": quality.report.rows,
                "failures": failures,
                "engine": quality.report.engine,
                "failures_by_rule": dg.MetadataValue.json(
                    {r.rule.id: r.failures for r in results}),
                "failing_row_ids": dg.MetadataValue.json(
                    {r.rule.id: r.row_ids for r in failing}),
                "details": dg.MetadataValue.md(_rules_table(contract, results)),
            },
            description=None if not failing else "; ".join(
                f"{r.rule.id}: {r.failures} row(s)" for r in failing),
        ))
    metadata: dict[str, object] = {}
    for m in quality.metrics:
        if m.column == "*":
            metadata[f"{m.dimension}"] = dg.MetadataValue.float(
                float("nan") if m.value is None else round(m.value, 6))
            if m.target is not None:
                metadata[f"{m.dimension}_target"] = m.target
    missed = quality.missed_targets
    out.append(dg.AssetCheckResult(
        check_name=TARGETS_CHECK, passed=not missed, severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=None if not missed else "missed: " + ", ".join(
            f"{m.dimension} {m.value:.4f} vs target {m.target}" for m in missed)))
    return out


def freshness_checks(contract: DatasetContract,
                     key: dg.AssetKey) -> list[dg.AssetChecksDefinition]:
    """Dagster freshness check from the contract's freshness SLA, on the newest record."""
    sla = contract.sla("freshness")
    if sla is None:
        return []
    # Dagster suggests FreshnessPolicy instead, but that judges materialization time; these
    # checks read dagster/last_updated_timestamp, i.e. the age of the newest record.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return list(dg.build_last_update_freshness_checks(
            assets=[key], lower_bound_delta=timedelta(seconds=sla.duration.total_seconds())))
