"""The representation asset: subgroup shares and disparity of each version, and its check."""

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import CHECK_REPRESENTATION, REPRESENTATION, stage_key
from dataops_assets.resources import DataStore, WarehouseResource
from governance.contracts import DatasetContract
from governance.representation.figures import GroupFigures
from governance.representation.spec import RepresentationSpec
from governance.representation.store import Measured, measure, write
from governance.stages import CLEANED
from governance.storage import now_utc, transaction
from governance.tables import REPRESENTATION as TABLE


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def group_table(g: GroupFigures) -> str:
    """Markdown table of one watched group's shown members (withheld ones never appear)."""
    lines = ["| member | rows | share (95% CI) | outcome rate (95% CI) | disparate impact | "
             "parity difference |", "| --- | ---: | --- | --- | ---: | ---: |"]
    for m in g.members:
        rate = "-" if m.outcome_rate is None else \
            f"{_pct(m.outcome_rate)} ({_pct(m.rate_low)}-{_pct(m.rate_high)})"
        name = f"{m.member} (reference)" if m.is_reference else m.member
        lines.append(f"| {name} | {m.rows} | {_pct(m.share)} ({_pct(m.share_low)}-"
                     f"{_pct(m.share_high)}) | {rate} | {_ratio(m.disparate_impact)} | "
                     f"{_ratio(m.parity_difference)} |")
    if g.withheld:
        lines.append(f"\n{g.withheld} group(s) withheld: {g.small} below the minimum count, "
                     "the others so that no small count follows from the total.")
    if g.drift is not None:
        lines.append(f"\nShares against {g.drift.reference_version}: chi-square "
                     f"{g.drift.statistic:.3f}, p = {g.drift.p_value:.4g}, PSI "
                     f"{g.drift.psi:.4f}.")
    if g.note:
        lines.append(f"\n{g.note}")
    return "\n".join(lines)


def check_result(measured: Measured) -> dg.AssetCheckResult:
    """The warning check: passes when every figure is within the contract's bounds."""
    found = measured.breaches
    description = ("every group within the contract's bounds" if not found else
                   f"{len(found)} bound(s) breached: "
                   + "; ".join(b.describe() for b in found))
    return dg.AssetCheckResult(
        check_name=CHECK_REPRESENTATION, passed=not found,
        severity=dg.AssetCheckSeverity.WARN, description=description,
        metadata={"breaches": dg.MetadataValue.json([b.as_dict() for b in found]),
                  "reference_version": measured.reference_version or "none"})


def build_representation_asset(contract: DatasetContract,
                               spec: RepresentationSpec) -> dg.AssetsDefinition:
    """Representation of the declared subgroups in each version of one dataset."""
    key = stage_key(contract.name, REPRESENTATION)
    names = ", ".join(g.name for g in spec.groups)
    args = md.asset_args(
        contract, REPRESENTATION, f"shares of the watched groups ({names}) in each version's "
        "rows (cleaned and validated: the same rows), with 95% Wilson intervals"
        + (f"; the rate of the favorable outcome ({spec.outcome.column} = "
           f"{spec.outcome.favorable}) per group, disparate impact and statistical parity "
           "difference against the reference group" if spec.outcome else "")
        + f"; drift of the shares against the reference version ({spec.reference}). Groups "
        f"of fewer than {spec.min_count} rows are never shown.",
        metadata=md.contract_link(contract))
    check = dg.AssetCheckSpec(
        CHECK_REPRESENTATION, asset=key, blocking=False,
        description="Group shares, disparate impact, parity difference and share drift "
        "within the contract's representation bounds.")

    # After cleaned, like drift: a version that a validation check blocks is measured too
    # (validated holds the same rows; its failed blocking check stops the run there).
    @dg.asset(deps=[stage_key(contract.name, CLEANED)], check_specs=[check], **args)
    def representation(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                       store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        with warehouse.session(contract.name, version) as conn:
            measured = measure(conn, contract, spec, version)
            with transaction(conn):
                write(conn, contract, spec, measured, now_utc())
        audit(store.data_dir, "check", contract.name, version, stage=REPRESENTATION,
              groups=len(measured.groups), breaches=len(measured.breaches),
              withheld=sum(g.withheld for g in measured.groups))
        metadata: dict[str, object] = {
            "dagster/table_name": f"main.{TABLE}",
            "representation/rows": measured.rows,
            "representation/reference_version": measured.reference_version or "none",
            "representation/withheld_groups": sum(g.withheld for g in measured.groups),
        }
        for g in measured.groups:
            metadata[f"representation/{g.group}"] = dg.MetadataValue.md(group_table(g))
        return dg.MaterializeResult(metadata=metadata, check_results=[check_result(measured)])

    return representation
