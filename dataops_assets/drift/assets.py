"""Drift asset: each version compared with its reference, per column and as a whole."""

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
)
from dataops_assets.resources import DataStore
from dataops_assets.stages.assets import common_asset_args, stage_key
from governance.contracts import DatasetContract
from governance.drift.measure import (
    RESULTS,
    measure,
    raw_schema,
    reference_version,
    write_report,
)
from governance.drift.report import DriftReport
from governance.drift.spec import CHECK_DRIFT, drift_spec
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


def build_drift_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Drift of each version of a dataset against the last delivered (or a pinned) version."""
    spec = drift_spec(contract)
    key = stage_key(contract.name, DRIFT)
    args = common_asset_args(
        contract, DRIFT, "each version's cleaned rows compared with the reference version "
        f"({spec.reference}): Kolmogorov-Smirnov / chi-square on small references, normed "
        "Wasserstein / Jensen-Shannon on large ones, PSI beside them, text by length and "
        "vocabulary, label and schema drift. A drifted version raises one refresh request.")
    args["metadata"] = {"contract": args["metadata"]["contract"],
                        "drift/compared_columns": dg.MetadataValue.json(spec.kinds)}
    check = dg.AssetCheckSpec(
        CHECK_DRIFT, asset=key, blocking=False,
        description=f"Fewer than {spec.thresholds.share:.0%} of the compared columns drift "
        "from the reference version.")

    # Drift reads the cleaned stage, so a version blocked at validation is still compared.
    @dg.asset(deps=[stage_key(contract.name, CLEANED)], check_specs=[check], **args)
    def drift(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
              store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        raws = store.raw_store()
        with duckdb.get_connection() as conn:
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
        metadata: dict[str, object] = {
            META_REFERENCE: reference or "none",
            META_DATASET_DRIFT: drifted,
            META_SHARE_DRIFTED: dg.MetadataValue.float(float(summary["share_drifted"])),
            META_DRIFTED_COLUMNS: dg.MetadataValue.json(summary["drifted_columns"]),
            META_LABEL_DRIFT: str(summary["label_drift"]),
            "drift/columns_tested": summary["columns_tested"],
            "drift/schema_changes": summary["schema_changes"],
            "dagster/table_name": f"main.{RESULTS}",
        }
        if report is not None:
            metadata["drift/results"] = dg.MetadataValue.md(drift_table(report))
            metadata[META_EVIDENCE] = dg.MetadataValue.json(evidence(report))
            for c in report.columns:
                if c.psi is not None:
                    metadata[f"drift/psi/{c.column}"] = dg.MetadataValue.float(round(c.psi, 6))
        description = ("no reference version yet (nothing delivered before this one)"
                       if report is None else
                       f"{summary['columns_drifted']} of {summary['columns_tested']} columns "
                       f"drift from {reference}"
                       + (f": {', '.join(summary['drifted_columns'])}" if drifted else ""))
        return dg.MaterializeResult(metadata=metadata, check_results=[dg.AssetCheckResult(
            check_name=CHECK_DRIFT, passed=not drifted, severity=dg.AssetCheckSeverity.WARN,
            description=description,
            metadata={"share_drifted": float(summary["share_drifted"]),
                      "reference_version": reference or "none"})])

    return drift
