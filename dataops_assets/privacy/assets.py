"""PII scan per dataset version: findings table, column tags, and the policy check."""

from datetime import UTC

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import CHECK_PII_DECLARED, PII_SCAN, stage_key
from dataops_assets.resources import DataStore, PrivacySettings, WarehouseResource
from governance.contracts import DatasetContract
from governance.errors import GovernanceError
from governance.identifiers import qualified
from governance.pii.policy import compare, write_findings
from governance.pii.scan import ScanResult, scan_file, scan_table
from governance.quality.outcomes import CheckOutcome, write_outcomes
from governance.stages import INTAKE
from governance.storage import now_utc, transaction


def _scan(contract: DatasetContract, store: DataStore, warehouse: WarehouseResource, version: str,
          model: str, context: dg.AssetExecutionContext) -> ScanResult:
    raw = store.raw_store().get(contract.name, version)
    try:
        # The raw batch holds every column that arrived, declared or not.
        scan = scan_file(raw.stored_path, model=model)
        if set(contract.column_names) <= {c.name for c in scan.columns}:
            return scan
        context.log.warning("raw batch columns do not line up with the contract (malformed "
                            "file); scanning the intake table instead")
    except GovernanceError as exc:
        context.log.warning(f"raw batch not scannable ({exc}); scanning the intake table")
    with warehouse.session(contract.name, version) as conn:
        return scan_table(conn, qualified(contract.name, INTAKE), version,
                          contract.column_names, model=model)


def findings_schema(contract: DatasetContract, scan: ScanResult) -> dg.TableSchema:
    """Column schema whose tags say what was detected (pii=EMAIL_ADDRESS) per column."""
    declared = {c.name: c for c in contract.columns}
    columns = []
    for finding in scan.columns:
        tags = {"pii": finding.main_entity or "detected"} if finding.pii else {"pii": "none"}
        spec = declared.get(finding.name)
        tags["classification"] = spec.classification if spec else "undeclared"
        columns.append(dg.TableColumn(
            name=finding.name, type=spec.logical_type if spec else "unknown", tags=tags,
            description=", ".join(f"{e.type} {e.prevalence:.1%}" for e in finding.entities)
            or None))
    return dg.TableSchema(columns=columns)


def build_pii_scan(contract: DatasetContract) -> dg.AssetsDefinition:
    """Scan a version for personal data and compare it with the contract's declarations."""
    key = stage_key(contract.name, PII_SCAN)
    check = dg.AssetCheckSpec(
        CHECK_PII_DECLARED, asset=key, blocking=True,
        description="Every column where personal data was detected is declared personal in "
        "the contract; undeclared personal data blocks delivery.")

    @dg.asset(deps=[stage_key(contract.name, INTAKE)], check_specs=[check], **md.asset_args(
        contract, PII_SCAN, "Presidio scan of the version's raw batch: entity types and "
        "prevalence per column, compared with what the contract declares.",
        kinds={"presidio", "duckdb"},
        metadata={"dagster/column_schema": md.column_schema(contract)}))
    def pii_scan(context: dg.AssetExecutionContext, warehouse: WarehouseResource, store: DataStore,
                 privacy: PrivacySettings) -> dg.MaterializeResult:
        version = context.partition_key
        scan = _scan(contract, store, warehouse, version, privacy.spacy_model, context)
        report = compare(contract, scan)
        now = now_utc()
        with warehouse.session(contract.name, version) as conn, transaction(conn):
            write_findings(conn, contract, version, scan, now)
            write_outcomes(conn, contract.name, version, [CheckOutcome(
                CHECK_PII_DECLARED, "error", True, report.passed, scan.rows,
                len(report.undeclared))], now)
        detected = dict(report.detected)
        audit(store.data_dir, "check", contract.name, version, stage=PII_SCAN,
              check=CHECK_PII_DECLARED, passed=report.passed,
              undeclared=len(report.undeclared), personal_columns=len(detected))
        return dg.MaterializeResult(
            metadata={
                "dagster/column_schema": findings_schema(contract, scan),
                "rows": scan.rows, "rows_scanned": scan.rows_scanned,
                "scan_seconds": round(scan.seconds, 2), "guarantee": scan.guarantee,
                "personal_columns_detected": len(detected),
                "findings_table": f"{contract.name}.pii_findings",
                "detected": dg.MetadataValue.json(detected),
                "scanned_at": dg.MetadataValue.timestamp(now.replace(tzinfo=UTC)),
            },
            check_results=[dg.AssetCheckResult(
                check_name=CHECK_PII_DECLARED, passed=report.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"undeclared": dg.MetadataValue.json(list(report.undeclared)),
                          "declared_not_detected": dg.MetadataValue.json(
                              list(report.not_detected)),
                          "detected": dg.MetadataValue.json(detected)},
                description=None if report.passed else "undeclared personal data in: "
                + ", ".join(f"{c} ({report.detected[c]})" for c in report.undeclared))],
        )

    return pii_scan
