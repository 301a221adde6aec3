"""Drift assets: each version compared with its reference, and the refresh request it raises
handed on to the model team."""

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import (
    CHECK_DRIFT_WITHIN,
    DRIFT,
    META_DATASET_DRIFT,
    META_DRIFTED_COLUMNS,
    META_REFERENCE,
    META_REFRESH_REQUEST,
    META_SHARE_DRIFTED,
    REFRESH_REQUEST,
    stage_key,
)
from dataops_assets.resources import DataStore, WarehouseResource
from governance.contracts import DatasetContract
from governance.drift.measure import (
    RESULTS,
    measure,
    raw_schema,
    reference_version,
    write_report,
)
from governance.drift.refresh import RefreshLedger, RefreshRequest, now_iso
from governance.drift.report import DriftReport
from governance.drift.spec import DriftSpec, drift_spec
from governance.stages import CLEANED
from governance.storage import now_utc, transaction


def drift_table(report: DriftReport) -> str:
    """Markdown table of the per-column results (statistics only, never values)."""
    lines = ["| column | kind | test | statistic | p-value | threshold | drifted | PSI (band) |",
             "| --- | --- | --- | ---: | ---: | ---: | --- | --- |"]
    for c in report.columns:
        p = "-" if c.p_value is None else f"{c.p_value:.4g}"
        psi = "-" if c.psi is None else f"{c.psi:.3f} ({c.psi_band})"
        lines.append(f"| {c.column} | {c.kind} | {c.test} | {c.statistic:.4g} | {p} | "
                     f"{c.threshold:g} | {'YES' if c.drifted else 'no'} | {psi} |")
    for s in report.schema:
        lines.append(f"| {s.column} | schema | {s.change} | - | - | - | YES | "
                     f"{s.reference_type or '-'} -> {s.current_type or '-'} |")
    return "\n".join(lines)


def evidence(report: DriftReport) -> dict[str, dict[str, object]]:
    """The numbers behind each drifted column, carried into the refresh request."""
    rows = {r["column"]: r for r in report.as_rows()}
    return {name: {k: rows[name].get(k) for k in ("kind", "test", "statistic", "p_value",
                                                    "threshold", "psi", "psi_band")}
            for name in report.drifted_columns}


def raised_request(contract: DatasetContract, spec: DriftSpec, version: str,
                    summary: dict[str, object], report: DriftReport | None
                    ) -> RefreshRequest | None:
    """The refresh request a drifted version raises; None when it did not drift."""
    if not summary["dataset_drift"] or report is None:
        return None
    return RefreshRequest(
        dataset=contract.name, version=version,
        reference_version=str(summary["reference_version"]),
        share_drifted=float(summary["share_drifted"]),
        drifted_columns=tuple(summary["drifted_columns"]),
        label_drift=summary["label_drift"], job=spec.refresh_job,
        requested_at=now_iso(), evidence=evidence(report))


def build_drift_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Drift of each version of a dataset against the last delivered (or a pinned) version."""
    spec = drift_spec(contract)
    key = stage_key(contract.name, DRIFT)
    args = md.asset_args(
        contract, DRIFT, "each version's cleaned rows compared with the reference version "
        f"({spec.reference}): Kolmogorov-Smirnov / chi-square on small references, normed "
        "Wasserstein / Jensen-Shannon on large ones, PSI beside them, text by length and "
        "vocabulary, label and schema drift. A drifted version raises one refresh request.",
        metadata={**md.contract_link(contract),
                  "drift/compared_columns": dg.MetadataValue.json(spec.kinds)})
    check = dg.AssetCheckSpec(
        CHECK_DRIFT_WITHIN, asset=key, blocking=False,
        description=f"Fewer than {spec.thresholds.share:.0%} of the compared columns drift "
        "from the reference version.")

    # Drift reads the cleaned stage, so a version blocked at validation is still compared.
    @dg.asset(deps=[stage_key(contract.name, CLEANED)], check_specs=[check], **args)
    def drift(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
              store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        raws = store.raw_store()
        with warehouse.session(contract.name, version) as conn:
            reference = reference_version(conn, contract, spec, version)
            schemas = ({}, {}) if reference is None else tuple(
                raw_schema(conn, raws.get(contract.name, v).stored_path, contract.file_format)
                for v in (reference, version))
            report = measure(conn, contract, spec, version, reference, schemas)
            with transaction(conn):
                summary = write_report(conn, contract, version, report, now_utc())
        drifted = bool(summary["dataset_drift"])
        audit(store.data_dir, "check", contract.name, version, stage=DRIFT,
              reference=reference or "none", columns_drifted=summary["columns_drifted"],
              dataset_drift=drifted)
        request = raised_request(contract, spec, version, summary, report)
        metadata: dict[str, object] = {
            # The one value the drift sensor reads: parsed by the class that wrote it.
            META_REFRESH_REQUEST: dg.MetadataValue.json(
                request.to_json() if request else None),
            META_REFERENCE: reference or "none",
            META_DATASET_DRIFT: drifted,
            META_SHARE_DRIFTED: dg.MetadataValue.float(float(summary["share_drifted"])),
            META_DRIFTED_COLUMNS: dg.MetadataValue.json(summary["drifted_columns"]),
            "drift/label_drift": str(summary["label_drift"]),  # None: no label column
            "drift/columns_tested": summary["columns_tested"],
            "drift/schema_changes": summary["schema_changes"],
            "dagster/table_name": f"main.{RESULTS}",
        }
        if report is not None:
            metadata["drift/results"] = dg.MetadataValue.md(drift_table(report))
            for c in report.columns:
                if c.psi is not None:
                    metadata[f"drift/psi/{c.column}"] = dg.MetadataValue.float(round(c.psi, 6))
        description = ("no reference version yet (nothing delivered before this one)"
                       if report is None else
                       f"{summary['columns_drifted']} of {summary['columns_tested']} columns "
                       f"drift from {reference}"
                       + (f": {', '.join(summary['drifted_columns'])}" if drifted else ""))
        return dg.MaterializeResult(metadata=metadata, check_results=[dg.AssetCheckResult(
            check_name=CHECK_DRIFT_WITHIN, passed=not drifted, severity=dg.AssetCheckSeverity.WARN,
            description=description,
            metadata={"share_drifted": float(summary["share_drifted"]),
                      "reference_version": reference or "none"})])

    return drift


def build_refresh_request_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """The default refresh job's asset: hands a recorded request on, with its evidence."""
    args = md.asset_args(
        contract, REFRESH_REQUEST, "the refresh / retraining request raised because a version "
        "drifted from its reference, marked dispatched in the refresh-request ledger "
        "(`dataops refresh-requests` lists them) with the share of drifted columns, which "
        "ones and the statistics behind each.", metadata=md.contract_link(contract),
        pool=None)  # writes the ledger only, so it never waits for the DuckDB writer

    @dg.asset(deps=[stage_key(contract.name, DRIFT)], **args)
    def refresh_request(context: dg.AssetExecutionContext,
                        store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        ledger = RefreshLedger(store.layout.refresh_requests_file)
        request = ledger.mark_dispatched(contract.name, version, context.run_id)
        if request is None:
            # Materializing the whole group by hand lands here: nothing to hand on.
            context.log.info(f"{contract.name} {version} has no refresh request; only the "
                             "drift sensor raises one, when the version drifts")
            return dg.MaterializeResult(metadata={"status": "none"})
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
