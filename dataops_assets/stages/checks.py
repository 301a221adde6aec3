"""Asset checks on the validated stage: one per rule family, plus intake, targets and
freshness, and the validated asset's freshness policy."""

import dagster as dg

from dataops_assets.keys import CHECK_FRESHNESS, CHECK_INTAKE_COMPLETE
from governance.contracts import DatasetContract
from governance.quality.evaluate import TARGETS_CHECK, VersionQuality
from governance.quality.metrics import OVERALL
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


def freshness_policy(contract: DatasetContract) -> dg.FreshnessPolicy | None:
    """The validated asset's freshness policy: a version validated within the freshness SLA.

    Dagster judges a freshness policy by the newest materialization of any partition, so it
    answers "has new data arrived in time?". It cannot see a version's own records: that is
    `freshness_spec`'s per-version check.
    """
    sla = contract.sla("freshness")
    return None if sla is None else dg.FreshnessPolicy.time_window(fail_window=sla.duration)


def _checks_freshness(contract: DatasetContract) -> bool:
    # Only a freshness SLA that names a timestamp column says how old a version's records are.
    sla = contract.sla("freshness")
    return sla is not None and bool(sla.element)


def freshness_spec(contract: DatasetContract, key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """Per-version freshness check spec, when the contract has a freshness SLA."""
    sla = contract.sla("freshness")
    if not _checks_freshness(contract):
        return []
    return [dg.AssetCheckSpec(
        CHECK_FRESHNESS, asset=key, blocking=False,
        description=f"The newest {sla.element.split('.')[-1]} of the version is at most "
        f"{sla.duration} old when it is validated (the contract's freshness SLA).")]


def freshness_result(contract: DatasetContract,
                     quality: VersionQuality) -> list[dg.AssetCheckResult]:
    """Result of the per-version freshness check, from the quality freshness dimension."""
    if not _checks_freshness(contract):
        return []
    metric = next(m for m in quality.metrics if m.dimension == "freshness" and m.column == OVERALL)
    age, target = metric.value, metric.target
    passed = age is not None and target is not None and age <= target
    return [dg.AssetCheckResult(
        check_name=CHECK_FRESHNESS, passed=passed, severity=dg.AssetCheckSeverity.WARN,
        metadata={"newest_record_age_hours": dg.MetadataValue.float(
            float("nan") if age is None else round(age, 3)),
            "sla_hours": dg.MetadataValue.float(float(target or 0))},
        description=None if passed else "no timestamped record in the version" if age is None
        else f"the newest record is {age:.1f} h old; the SLA allows {target:g} h")]
