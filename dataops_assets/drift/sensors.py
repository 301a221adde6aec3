"""Acting on drift: a sensor records one refresh request per drifted version and runs a job."""

import dagster as dg

from dataops_assets.auditing import audit
from dataops_assets.keys import (
    DRIFT,
    META_REFRESH_REQUEST,
    TAG_REASON,
    drift_sensor_name,
    stage_key,
)
from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshLedger, RefreshRequest
from governance.drift.spec import drift_spec

# Drift events are read in pages; a busy instance catches up over a few ticks.
_PAGE = 200


def request_from_event(event: dg.AssetMaterialization) -> RefreshRequest | None:
    """The refresh request a drift materialization raised, or None when it did not drift."""
    entry = event.metadata.get(META_REFRESH_REQUEST)
    value = None if entry is None else entry.value
    return None if value is None else RefreshRequest.from_json(value)


def build_drift_sensor(contract: DatasetContract) -> dg.SensorDefinition:
    """Sensor on drift materializations: one recorded request and one run per drifted version."""
    spec = drift_spec(contract)
    drift_key = stage_key(contract.name, DRIFT)

    @dg.sensor(
        name=drift_sensor_name(contract.name),
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
            request = request_from_event(record.asset_materialization)
            # The ledger refuses a second request for a version: re-materializing the drift
            # of a version, or a replayed cursor, never asks twice.
            if request is None or not ledger.record(request):
                continue
            audit(store.data_dir, "request", contract.name, request.version, stage=DRIFT,
                  reference=request.reference_version,
                  columns_drifted=len(request.drifted_columns), job=request.job)
            runs.append(dg.RunRequest(
                run_key=request.run_key, partition_key=request.version, job_name=request.job,
                tags={TAG_REASON: "drift",
                      "dataops/reference_version": request.reference_version,
                      "dataops/share_drifted": f"{request.share_drifted:.3f}"}))
        return dg.SensorResult(run_requests=runs,
                               cursor=None if cursor is None else str(cursor))

    return drift_refresh
