"""Planning assets of an annotation dataset: vendor comparison, and budget vs actual.

Not partitioned: each reads every batch of the dataset (labeling_vendors, labeling_batches,
labeling_pilots) and follows the labeling runs through a sensor (sensors.py). The budget
asset also writes the planning document with its plots beside the datasheets.
"""

from __future__ import annotations

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.keys import (
    CHECK_BUDGET,
    LABELING,
    LABELING_BUDGET,
    VENDOR_COMPARISON,
    stage_key,
)
from dataops_assets.resources import DataStore, WarehouseResource
from governance.contracts import DatasetContract
from governance.labeling.spec import LabelingSpec, labeling_spec
from governance.planning.budget import BudgetStatus, contract_budget_status
from governance.planning.report import pilot_table, vendor_table, write_planning
from governance.planning.spec import PlanningSpec, planning_spec
from governance.planning.vendors import VendorComparison, compare_vendors
from governance.quality.rules import quality_spec

_CHECK_TEXT = ("Warning, never blocking: the forecast at completion (P50: spend to date plus "
               "the remaining planned items at the bootstrapped cost per item) is within the "
               "contract's labeling budget.")


def _float(value: float | None) -> dg.MetadataValue | str:
    return "not measured" if value is None else dg.MetadataValue.float(round(value, 4))


def _comparison(warehouse: WarehouseResource, contract: DatasetContract, spec: LabelingSpec,
                plan: PlanningSpec | None) -> tuple[VendorComparison, BudgetStatus | None]:
    """Both computations from one read-only connection."""
    accuracy_target = quality_spec(contract).targets.get("accuracy")
    with warehouse.reader() as conn:
        comparison = compare_vendors(conn, contract.name, spec.targets.get("goldAccuracy"),
                                     accuracy_target, plan.vendors if plan else ())
        status = contract_budget_status(conn, contract)
    return comparison, status


def _currency(spec: LabelingSpec, plan: PlanningSpec | None) -> str:
    return plan.currency if plan is not None else (spec.currency or "")


def _budget_check(status: BudgetStatus | None) -> dg.AssetCheckResult:
    if status is None:
        return dg.AssetCheckResult(
            check_name=CHECK_BUDGET, passed=True, severity=dg.AssetCheckSeverity.WARN,
            description="Nothing to judge: the contract declares no labeling budget.",
            metadata={"budget/declared": False})
    b = status.budget
    verdict = "within" if status.on_track else "exceeds"
    return dg.AssetCheckResult(
        check_name=CHECK_BUDGET, passed=status.on_track, severity=dg.AssetCheckSeverity.WARN,
        description=f"Forecast at completion P50 {status.eac_p50:,.2f} {b.currency} {verdict} "
        f"the budget of {b.amount:,.2f} {b.currency} (P90 {status.eac_p90:,.2f}).",
        metadata={"budget/declared": True, "budget/currency": b.currency,
                  "budget/amount": dg.MetadataValue.float(b.amount),
                  "budget/spent": dg.MetadataValue.float(round(status.spent, 4)),
                  "budget/eac_p50": dg.MetadataValue.float(round(status.eac_p50, 4)),
                  "budget/eac_p90": dg.MetadataValue.float(round(status.eac_p90, 4)),
                  "budget/remaining_items": status.remaining_items})


def build_vendor_comparison_asset(contract: DatasetContract, spec: LabelingSpec,
                                  plan: PlanningSpec | None) -> dg.AssetsDefinition:
    """Every vendor over all batches, with the latest pilot beside."""
    args = md.asset_args(
        contract, VENDOR_COMPARISON, "every vendor over all labeling batches: pooled gold "
        "and audited accuracy with 95% Wilson intervals, agreement with consensus, "
        "turnaround p90, cost per label, per item and per correct label, the trend across "
        "batches, and the latest vendor pilot (`dataops pilot`) beside; vendors surely "
        "below a target are marked with the reason.", partitions_def=None,
        metadata=md.contract_link(contract))

    @dg.asset(deps=[stage_key(contract.name, LABELING)], **args)
    def vendor_comparison(warehouse: WarehouseResource) -> dg.MaterializeResult:
        comparison, _ = _comparison(warehouse, contract, spec, plan)
        currency = _currency(spec, plan)
        return dg.MaterializeResult(metadata={
            "vendors": dg.MetadataValue.md(vendor_table(comparison, currency)),
            "vendors_compared": len(comparison.vendors),
            "pilot": comparison.pilot or "none",
            "pilot_vendors": dg.MetadataValue.md(pilot_table(comparison, currency)
                                                 or "No vendor pilot yet."),
            "surely_below_target": dg.MetadataValue.json(comparison.marked),
            "comparison": dg.MetadataValue.json([v.to_json() for v in comparison.vendors])})

    return vendor_comparison


def build_budget_asset(contract: DatasetContract, spec: LabelingSpec,
                       plan: PlanningSpec | None) -> dg.AssetsDefinition:
    """Spend to date against the budget and the forecast at completion, with its check."""
    key = stage_key(contract.name, LABELING_BUDGET)
    args = md.asset_args(
        contract, LABELING_BUDGET, "the labeling budget against the spend to date in its "
        "period, per vendor against its allotment, and the forecast at completion (P50/P90 "
        "from a seeded bootstrap over the batches' cost per item); writes the planning "
        "document with its plots beside the datasheets.", partitions_def=None,
        metadata=md.contract_link(contract))
    check = dg.AssetCheckSpec(CHECK_BUDGET, asset=key, blocking=False, description=_CHECK_TEXT)

    @dg.asset(deps=[stage_key(contract.name, LABELING),
                    stage_key(contract.name, VENDOR_COMPARISON)],
              check_specs=[check], **args)
    def labeling_budget(warehouse: WarehouseResource, store: DataStore) -> dg.MaterializeResult:
        comparison, status = _comparison(warehouse, contract, spec, plan)
        doc = write_planning(store.documents_dir, comparison, status, _currency(spec, plan))
        metadata: dict[str, object] = {
            "path": dg.MetadataValue.path(str(doc.markdown_path)),
            "plots": dg.MetadataValue.path(str(doc.html_path)),
            "vendors": dg.MetadataValue.md(doc.budget_table or "No budget declared."),
        }
        if status is not None:
            metadata.update({
                "budget/currency": status.budget.currency,
                "budget/amount": dg.MetadataValue.float(status.budget.amount),
                "budget/spent": dg.MetadataValue.float(round(status.spent, 4)),
                "budget/remaining": dg.MetadataValue.float(round(status.remaining, 4)),
                "budget/eac_p50": dg.MetadataValue.float(round(status.eac_p50, 4)),
                "budget/eac_p90": dg.MetadataValue.float(round(status.eac_p90, 4)),
                "budget/cost_per_item": _float(status.cost_per_item),
                "budget/period": f"{status.budget.start} to {status.budget.end}",
                "budget/items_done": status.items_done,
                "budget/remaining_items": status.remaining_items})
        return dg.MaterializeResult(metadata=metadata, check_results=[_budget_check(status)])

    return labeling_budget


def build_planning_assets(contract: DatasetContract) -> list[dg.AssetsDefinition]:
    """The vendor comparison and budget assets of an annotation dataset (none otherwise)."""
    spec = labeling_spec(contract)
    if spec is None:
        return []
    plan = planning_spec(contract)
    return [build_vendor_comparison_asset(contract, spec, plan),
            build_budget_asset(contract, spec, plan)]
