"""Acting on drift: a sensor records one refresh request per drifted version and runs a job."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dataops_assets.auditing import audit
from dataops_assets.constants import (
    DRIFT,
    META_DATASET_DRIFT,
    META_DRIFTED_COLUMNS,
    META_EVIDENCE,
    META_LABEL_DRIFT,
    META_REFERENCE,
    META_SHARE_DRIFTED,
    REFRESH_REQUEST,
)
from dataops_assets.resources import DataStore
from dataops_assets.stages.assets import common_asset_args, dataset_partitions, stage_key
from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshLedger, RefreshRequest, now_iso
from governance.drift.spec import drift_spec, refresh_job_name
from governance.storage import replace_rows, transaction
from governance.tables import REFRESH_REQUEST_COLUMNS, REFRESH_REQUESTS

REQUESTS_TABLE, _REQUEST_COLUMNS = REFRESH_REQUESTS, REFRESH_REQUEST_COLUMNS
# Drift events are read in pages; a busy instance catches up over a few ticks.
_PAGE = 200


def _value(metadata: dict, key: str, default: object = None) -> object:
    entry = metadata.get(key)
    return default if entry is None else entry.value


def request_from_event(contract: DatasetContract, job: str,
                       event: dg.AssetMaterialization) -> RefreshRequest | None:
    """The refresh request a drift materialization calls for, or None when it did not drift."""
    meta = event.metadata
    if not _value(meta, META_DATASET_DRIFT, False) or event.partition is None:
        return None
    label = str(_value(meta, META_LABEL_DRIFT, "None"))
    return RefreshRequest(
        dataset=contract.name, version=event.partition,
        reference_version=str(_value(meta, META_REFERENCE, "none")),
        share_drifted=float(_value(meta, META_SHARE_DRIFTED, 0.0)),
        drifted_columns=tuple(_value(meta, META_DRIFTED_COLUMNS, []) or []),
        label_drift={"True": True, "False": False}.get(label), job=job,
        requested_at=now_iso(), evidence=dict(_value(meta, META_EVIDENCE, {}) or {}))


def build_drift_sensor(contract: DatasetContract) -> dg.SensorDefinition:
    """Sensor on drift materializations: one recorded request and one run per drifted version."""
    spec = drift_spec(contract)
    drift_key = stage_key(contract.name, DRIFT)

    @dg.sensor(
        name=f"{contract.name}_drift_refresh",
        job_name=spec.refresh_job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"When a version of {contract.name} drifts past the contract's threshold, "
        f"records a refresh request with the evidence and runs {spec.refresh_job}, once per "
        "version.",
    )
    def drift_refresh(context: dg.SensorEvaluationContext, store: DataStore) -> dg.SensorResult:
        after = int(context.cursor) if context.cursor else None
        page = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=drift_key, after_storage_id=after),
            limit=_PAGE, ascending=True)
        ledger = RefreshLedger(store.layout.refresh_requests_file)
        runs, cursor = [], after
        for record in page.records:
            cursor = record.storage_id
            request = request_from_event(contract, spec.refresh_job,
                                         record.asset_materialization)
            # The ledger refuses a second request for a version: re-materializing the drift
            # of a version, or a replayed cursor, never asks twice.
            if request is None or not ledger.record(request):
                continue
            audit(store.data_dir, "request", contract.name, request.version, stage=DRIFT,
                  reference=request.reference_version,
                  columns_drifted=len(request.drifted_columns), job=spec.refresh_job)
            runs.append(dg.RunRequest(
                run_key=request.run_key, partition_key=request.version,
                tags={"dataops/reason": "drift",
                      "dataops/reference_version": request.reference_version,
                      "dataops/share_drifted": f"{request.share_drifted:.3f}"}))
        return dg.SensorResult(run_requests=runs,
                               cursor=None if cursor is None else str(cursor))

    return drift_refresh


def build_refresh_request_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """The default refresh job's asset: hands a recorded request on, with its evidence."""
    args = common_asset_args(
        contract, REFRESH_REQUEST, "the refresh / retraining requests raised because a version "
        "drifted from its reference: one row per drifted version in main.refresh_requests, "
        "with the share of drifted columns and which ones.")
    args["metadata"] = {"contract": args["metadata"]["contract"],
                        "dagster/table_name": f"main.{REQUESTS_TABLE}"}

    @dg.asset(deps=[stage_key(contract.name, DRIFT)], **args)
    def refresh_request(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                        store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        ledger = RefreshLedger(store.layout.refresh_requests_file)
        request = ledger.mark_dispatched(contract.name, version, context.run_id)
        if request is None:
            # Materializing the whole group by hand lands here: nothing to hand on.
            context.log.info(f"{contract.name} {version} has no refresh request; only the "
                             "drift sensor raises one, when the version drifts")
            return dg.MaterializeResult(metadata={"status": "none"})
        with duckdb.get_connection() as conn, transaction(conn):
            replace_rows(conn, "main", REQUESTS_TABLE, _REQUEST_COLUMNS,
                         {"dataset": contract.name, "version": version}, [[
                             request.dataset, request.version, request.reference_version,
                             request.share_drifted, ",".join(request.drifted_columns),
                             request.label_drift, request.job, request.requested_at,
                             request.status, request.run_id]])
        audit(store.data_dir, "request", contract.name, version, stage=REFRESH_REQUEST,
              status=request.status, reference=request.reference_version)
        return dg.MaterializeResult(metadata={
            "reference_version": request.reference_version,
            "share_drifted": dg.MetadataValue.float(request.share_drifted),
            "drifted_columns": dg.MetadataValue.json(list(request.drifted_columns)),
            "evidence": dg.MetadataValue.json(request.evidence),
            "label_drift": str(request.label_drift),
            "requested_at": request.requested_at,
            "status": request.status,
        })

    return refresh_request


def drift_defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Drift sensors, refresh-request assets and the default refresh job of each dataset."""
    assets, jobs, sensors = [], [], []
    for contract in contracts:
        asset = build_refresh_request_asset(contract)
        assets.append(asset)
        jobs.append(dg.define_asset_job(
            refresh_job_name(contract.name), selection=[asset.key],
            partitions_def=dataset_partitions(contract),
            description=f"Hands a drift refresh request for {contract.name} on to the model "
            "team: records it as dispatched in main.refresh_requests."))
        sensors.append(build_drift_sensor(contract))
    return dg.Definitions(assets=assets, jobs=jobs, sensors=sensors)
