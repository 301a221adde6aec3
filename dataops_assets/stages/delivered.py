"""Delivered: the version handed to model teams, treated per contract and re-scanned."""

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import CHECK_PII_RESCAN, LABELING, META_BLOCKED, PII_SCAN, stage_key
from dataops_assets.recording import record_stage
from dataops_assets.resources import DataStore, PrivacySettings, WarehouseResource
from governance.contracts import DatasetContract
from governance.errors import DeliveryBlockedError
from governance.identifiers import qualified
from governance.labeling.spec import labeling_spec
from governance.pii.scan import scan_table
from governance.pii.treatment import TreatmentReport, delivered_columns
from governance.stages import (
    DELIVERED,
    VALIDATED,
    build_delivered,
    delivery_blockers,
    export_delivered,
    known_value_leaks,
)
from governance.storage import transaction


def build_delivered_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Delivered asset: refuses blocked versions, treats personal columns, proves it by re-scan."""
    upstream = stage_key(contract.name, VALIDATED)
    key = stage_key(contract.name, DELIVERED)
    treatments = {c.name: c.treatment for c in contract.columns if c.personal}
    args = md.asset_args(
        contract, DELIVERED, "the version handed to model teams, with each personal column "
        "dropped, masked, hashed or redacted as the contract says; never materialized while a "
        "blocking check fails.",
        metadata={**md.contract_link(contract),
                  "dagster/column_schema": md.delivered_schema(contract)})
    rescan = dg.AssetCheckSpec(
        CHECK_PII_RESCAN, asset=key, blocking=True,
        description="A fresh Presidio scan of the delivered table finds personal data only in "
        "columns the contract keeps, and no free text quotes its row's declared personal values.")

    deps = [upstream, stage_key(contract.name, PII_SCAN)]
    if labeling_spec(contract) is not None:
        # A failed blocking labeling check then skips delivery within the same run.
        deps.append(stage_key(contract.name, LABELING))

    @dg.asset(deps=deps, check_specs=[rescan], **args)
    def delivered(context: dg.AssetExecutionContext, warehouse: WarehouseResource, store: DataStore,
                  privacy: PrivacySettings) -> dg.MaterializeResult:
        version = context.partition_key
        export = store.layout.delivered_file(contract.name, version)
        report = TreatmentReport()
        with warehouse.session(contract.name, version) as conn:
            # Re-checked here so a delivery requested on its own is blocked too.
            reasons = delivery_blockers(conn, contract, version)
            if reasons:
                audit(store.data_dir, "refuse", contract.name, version, stage=DELIVERED,
                      reasons=len(reasons))
                blocked = DeliveryBlockedError(contract.name, version, reasons)
                raise dg.Failure(description=str(blocked), metadata={META_BLOCKED: True})
            with transaction(conn):
                result = build_delivered(conn, contract, version, privacy.hash_key, report)
                names = tuple(c for c, _ in delivered_columns(contract))
                scan = scan_table(conn, qualified(contract.name, DELIVERED), version, names,
                                  model=privacy.spacy_model)
                offending = {c.name: c.main_entity for c in scan.columns
                             if c.pii and treatments.get(c.name, "none") != "keep"}
                leaks = {k: v for k, v in known_value_leaks(conn, contract, version).items() if v}
                if offending or leaks:
                    # Raising inside the transaction rolls the delivered rows back.
                    raise dg.Failure(
                        description=f"Delivery of {contract.name} {version} stopped: personal "
                        f"data survived treatment in {sorted(offending) or sorted(leaks)}",
                        metadata={"columns": dg.MetadataValue.json(offending),
                                  "rows_quoting_personal_values": dg.MetadataValue.json(leaks)})
                export_delivered(conn, contract, version, export)
        lineage_cols = [c for c, _ in delivered_columns(contract)]
        record_stage(context, store, contract, DELIVERED, delivered_columns(contract),
                     rows=result.rows_out, values_treated=sum(report.changed.values()),
                     spans_redacted=sum(report.spans.values()))
        audit(store.data_dir, "export", contract.name, version, stage=DELIVERED,
              rows=result.rows_out, format="parquet", role="delivery")
        return dg.MaterializeResult(
            metadata={
                **md.table_metadata(contract, DELIVERED, result.rows_out),
                "dagster/column_schema": md.delivered_schema(contract),
                "dagster/column_lineage": md.identity_lineage(contract, upstream, lineage_cols),
                "export_path": dg.MetadataValue.path(str(export)),
                "table": qualified(contract.name, DELIVERED),
                "values_treated": dg.MetadataValue.json(dict(report.changed)),
                "spans_redacted": dg.MetadataValue.json(dict(report.spans)),
                "dropped_columns": dg.MetadataValue.json(
                    [c for c, t in treatments.items() if t == "drop"]),
            },
            check_results=[dg.AssetCheckResult(
                check_name=CHECK_PII_RESCAN, passed=True,
                metadata={"rows_scanned": scan.rows_scanned, "guarantee": scan.guarantee,
                          "columns_with_personal_data": 0})],
        )

    return delivered
