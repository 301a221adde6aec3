"""Delivered: the version handed to model teams, treated per contract and re-scanned.

A graph of three ops, so the slow part (free-text redaction) spreads over workers:
plan (gate, split into row chunks) -> treat, one step per chunk, any worker -> combine
(one transaction: all chunks in, re-scan, leak check, export, or nothing at all).
"""

from typing import Any

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import (
    CHECK_PII_RESCAN,
    DELIVERY_COMBINE,
    DELIVERY_PLAN,
    DELIVERY_TREAT,
    DUCKDB_POOL,
    LABELING,
    META_BLOCKED,
    PII_SCAN,
    STORE_RESOURCE,
    delivery_chunk_key,
    delivery_cleanup_hook_name,
    delivery_op_name,
    stage_key,
)
from dataops_assets.recording import record_stage
from dataops_assets.resources import DataStore, PrivacySettings, WarehouseResource
from governance.chunking import (
    Chunk,
    ChunkMismatchError,
    ChunkSettingError,
    chunk_rows_setting,
    combine_chunks,
    plan_chunks,
    read_staged_input,
    remove_staging,
    stage_inputs,
    staging_dir,
    staging_root,
    treat_chunk,
)
from governance.consent.records import GIVEN
from governance.consent.scope import ConsentScope, deliver_purposes
from governance.contracts import DatasetContract
from governance.errors import DeliveryBlockedError
from governance.identifiers import qualified
from governance.labeling.spec import labeling_spec
from governance.pii.scan import scan_table
from governance.pii.treatment import TreatmentReport, delivered_columns
from governance.settings import Layout
from governance.stages import (
    DELIVERED,
    VALIDATED,
    delivery_blockers,
    export_delivered,
    known_value_leaks,
)
from governance.storage import transaction


def _refuse_if_blocked(conn: Any, store: DataStore, contract: DatasetContract,
                       version: str) -> None:
    """Raise the gate's refusal (marked META_BLOCKED for `dataops status`) if blocked."""
    reasons = delivery_blockers(conn, contract, version)
    if reasons:
        audit(store.data_dir, "refuse", contract.name, version, stage=DELIVERED,
              reasons=len(reasons))
        blocked = DeliveryBlockedError(contract.name, version, reasons)
        raise dg.Failure(description=str(blocked), metadata={META_BLOCKED: True})


def _consent_metadata(layout: Layout, contract: DatasetContract, version: str,
                      scopes: list[ConsentScope]) -> dict[str, Any]:
    """Per consent-based purpose: rows excluded and the coverage (counts, never who)."""
    if not scopes:
        return {}
    return {
        "consent_excluded": dg.MetadataValue.json(
            {s.purpose.name: s.excluded for s in scopes}),
        "consent_coverage": dg.MetadataValue.json(
            {s.purpose.name: {"rows": s.rows, "subjects": s.subjects} for s in scopes}),
        "purpose_exports": dg.MetadataValue.json(
            {s.purpose.name: str(layout.purpose_file(contract.name, s.purpose.name, version))
             for s in scopes}),
    }


def _plan_op(contract: DatasetContract, upstream: list[str]) -> dg.OpDefinition:
    """Gate the version, split it into chunks and stage each chunk's rows for the workers."""

    @dg.op(name=delivery_op_name(contract.name, DELIVERY_PLAN), pool=DUCKDB_POOL,
           ins={name: dg.In(dg.Nothing) for name in upstream},
           out={"chunks": dg.DynamicOut(dict), "plan": dg.Out(list)})
    def plan(context: dg.OpExecutionContext, warehouse: WarehouseResource,
             store: DataStore) -> Any:
        version = context.partition_key
        folder = staging_dir(store.data_dir, contract.name, version, context.run_id)
        try:
            with warehouse.session(contract.name, version) as conn:
                # Before any chunk is treated: a blocked version costs no redaction.
                _refuse_if_blocked(conn, store, contract, version)
                chunks = plan_chunks(conn, contract, version, chunk_rows_setting())
                # Workers read these files, not the warehouse: an embedded DuckDB file
                # admits one writing process, and treating takes minutes per chunk.
                stage_inputs(conn, contract, version, chunks, folder)
        except ChunkSettingError as exc:
            remove_staging(folder)
            raise dg.Failure(description=str(exc)) from None
        except BaseException:
            remove_staging(folder)
            raise
        context.log.info(f"{contract.name} {version}: {len(chunks)} chunk(s) to treat")
        yield dg.Output([c.to_dict() for c in chunks], output_name="plan")
        for chunk in chunks:
            yield dg.DynamicOutput(chunk.to_dict(), output_name="chunks",
                                   mapping_key=delivery_chunk_key(chunk.index))

    return plan


def _treat_op(contract: DatasetContract) -> dg.OpDefinition:
    """Treat one chunk into its staging file; any worker may take it."""

    # No pool: this step never opens the warehouse, so chunks run side by side.
    @dg.op(name=delivery_op_name(contract.name, DELIVERY_TREAT), out=dg.Out(dict))
    def treat(context: dg.OpExecutionContext, store: DataStore, privacy: PrivacySettings,
              chunk: dict) -> dict:
        folder = staging_dir(store.data_dir, contract.name, context.partition_key,
                             context.run_id)
        part = Chunk.from_dict(chunk)
        return treat_chunk(read_staged_input(folder, part), contract, part, privacy.hash_key,
                           folder)

    return treat


def _combine_op(contract: DatasetContract, check_output: str) -> dg.OpDefinition:
    """All chunks into the delivered table in one transaction, re-scanned, then exported."""
    upstream = stage_key(contract.name, VALIDATED)
    treatments = {c.name: c.treatment for c in contract.columns if c.personal}

    @dg.op(name=delivery_op_name(contract.name, DELIVERY_COMBINE), pool=DUCKDB_POOL,
           out={"result": dg.Out(dg.Nothing), check_output: dg.Out(dg.Nothing)})
    def combine(context: dg.OpExecutionContext, warehouse: WarehouseResource,
                store: DataStore, privacy: PrivacySettings, plan: list, results: list) -> Any:
        version = context.partition_key
        export = store.layout.delivered_file(contract.name, version)
        folder = staging_dir(store.data_dir, contract.name, version, context.run_id)
        chunks = [Chunk.from_dict(c) for c in plan]
        report = TreatmentReport()
        try:
            with warehouse.session(contract.name, version) as conn:
                # Checked again: the version may have been blocked while chunks were treated.
                _refuse_if_blocked(conn, store, contract, version)
                with transaction(conn):
                    rows = combine_chunks(conn, contract, version, chunks, results, folder,
                                          report)
                    names = tuple(c for c, _ in delivered_columns(contract))
                    scan = scan_table(conn, qualified(contract.name, DELIVERED), version,
                                      names, model=privacy.spacy_model)
                    offending = {c.name: c.main_entity for c in scan.columns
                                 if c.pii and treatments.get(c.name, "none") != "keep"}
                    leaks = {k: v for k, v in
                             known_value_leaks(conn, contract, version).items() if v}
                    if offending or leaks:
                        # Raising inside the transaction rolls the delivered rows back.
                        raise dg.Failure(
                            description=f"Delivery of {contract.name} {version} stopped: "
                            f"personal data survived treatment in "
                            f"{sorted(offending) or sorted(leaks)}",
                            metadata={"columns": dg.MetadataValue.json(offending),
                                      "rows_quoting_personal_values":
                                          dg.MetadataValue.json(leaks)})
                    export_delivered(conn, contract, version, export)
                    # Each consent-based purpose: only subjects whose consent is given now.
                    scopes = deliver_purposes(conn, store.layout, contract, version,
                                              privacy.hash_key or "")
        except ChunkMismatchError as exc:
            raise dg.Failure(description=str(exc)) from None
        finally:
            remove_staging(folder)
        lineage_cols = [c for c, _ in delivered_columns(contract)]
        record_stage(context, store, contract, DELIVERED, delivered_columns(contract),
                     rows=rows, values_treated=sum(report.changed.values()),
                     spans_redacted=sum(report.spans.values()))
        audit(store.data_dir, "export", contract.name, version, stage=DELIVERED,
              rows=rows, format="parquet", role="delivery")
        for scope in scopes:
            audit(store.data_dir, "export", contract.name, version, stage=DELIVERED,
                  rows=scope.rows[GIVEN], format="parquet", role="delivery",
                  purpose=scope.purpose.name, consent_excluded=scope.excluded)
        yield dg.Output(None, output_name="result", metadata={
            **md.table_metadata(contract, DELIVERED, rows),
            "dagster/column_schema": md.delivered_schema(contract),
            "dagster/column_lineage": md.identity_lineage(contract, upstream, lineage_cols),
            "export_path": dg.MetadataValue.path(str(export)),
            "table": qualified(contract.name, DELIVERED),
            "values_treated": dg.MetadataValue.json(dict(report.changed)),
            "spans_redacted": dg.MetadataValue.json(dict(report.spans)),
            "dropped_columns": dg.MetadataValue.json(
                [c for c, t in treatments.items() if t == "drop"]),
            "chunks": len(chunks),
            **_consent_metadata(store.layout, contract, version, scopes),
        })
        yield dg.AssetCheckResult(
            check_name=CHECK_PII_RESCAN, passed=True,
            metadata={"rows_scanned": scan.rows_scanned, "guarantee": scan.guarantee,
                      "columns_with_personal_data": 0})

    return combine


def _cleanup_hook(contract: DatasetContract) -> dg.HookDefinition:
    """On a failed plan, treat or combine step, remove the run's staged chunk files."""

    @dg.failure_hook(name=delivery_cleanup_hook_name(contract.name),
                     required_resource_keys={STORE_RESOURCE})
    def cleanup(context: dg.HookContext) -> None:
        store: DataStore = getattr(context.resources, STORE_RESOURCE)
        root = staging_root(store.data_dir, contract.name)
        for folder in root.glob(f"*/{DELIVERED}/{context.run_id}"):
            remove_staging(folder)

    return cleanup


def build_delivered_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Delivered asset: refuses blocked versions, treats personal columns, proves it by re-scan."""
    args = md.asset_args(
        contract, DELIVERED, "the version handed to model teams, with each personal column "
        "dropped, masked, hashed or redacted as the contract says; never materialized while a "
        "blocking check fails.",
        metadata={**md.contract_link(contract),
                  "dagster/column_schema": md.delivered_schema(contract)})
    args.pop("pool", None)  # set per op: the treat steps take no warehouse slot
    rescan = dg.AssetCheckSpec(
        CHECK_PII_RESCAN, asset=stage_key(contract.name, DELIVERED), blocking=True,
        description="A fresh Presidio scan of the delivered table finds personal data only in "
        "columns the contract keeps, and no free text quotes its row's declared personal values.")
    upstream = [VALIDATED, PII_SCAN]
    if labeling_spec(contract) is not None:
        # A failed blocking labeling check then skips delivery within the same run.
        upstream.append(LABELING)
    plan_op, treat_op = _plan_op(contract, upstream), _treat_op(contract)
    combine_op = _combine_op(contract, rescan.get_python_identifier())

    def wire(**after: Any) -> dict[str, Any]:
        chunks, plan = plan_op(**after)
        result, check = combine_op(plan=plan, results=chunks.map(treat_op).collect())
        return {"result": result, rescan.get_python_identifier(): check}

    # Upstream assets pass no data (dagster_type Nothing): they only order the steps.
    ins = {name: dg.AssetIn(key=stage_key(contract.name, name), dagster_type=dg.Nothing)
           for name in upstream}
    if LABELING in ins:
        def delivered(validated: Any, pii_scan: Any, labeling: Any) -> dict[str, Any]:
            return wire(validated=validated, pii_scan=pii_scan, labeling=labeling)
    else:
        def delivered(validated: Any, pii_scan: Any) -> dict[str, Any]:
            return wire(validated=validated, pii_scan=pii_scan)

    return dg.graph_asset(delivered, ins=ins, check_specs=[rescan],
                          hooks={_cleanup_hook(contract)}, **args)
