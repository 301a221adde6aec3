"""Asset factory: one contract becomes its dataset's intake, cleaned and validated assets."""

from datetime import UTC, datetime

import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.auditing import audit
from dataops_assets.keys import META_QUARANTINE_BY_REASON, META_RECORDS_QUARANTINED, stage_key
from dataops_assets.recording import record_stage
from dataops_assets.resources import DataStore, PrivacySettings, WarehouseResource
from dataops_assets.stages import checks
from governance.contracts import DatasetContract
from governance.erasure import drop_erased, tombstones
from governance.errors import IntakeError
from governance.identifiers import qualified
from governance.intake import (
    IntakeReport,
    QuarantinedRecord,
    quarantine_summary,
    read_batches,
)
from governance.quality.evaluate import evaluate_version
from governance.quality.rules import quality_spec
from governance.stages import (
    CLEANED,
    INTAKE,
    VALIDATED,
    build_cleaned,
    build_validated,
)
from governance.storage import (
    delete_version,
    ensure_stage_table,
    insert_batches,
    now_utc,
    quarantine_count,
    transaction,
    write_quarantine,
)


def build_intake(contract: DatasetContract) -> dg.AssetsDefinition:
    """Intake: parse the raw batch into a typed table; bad records go to quarantine."""

    @dg.asset(**md.asset_args(
        contract, INTAKE, "the raw batch parsed and typed by the contract; unreadable records "
        "are quarantined with their line and reason."))
    def intake(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               store: DataStore, privacy: PrivacySettings) -> dg.MaterializeResult:
        version = context.partition_key
        raw = store.raw_store().get(contract.name, version)
        if raw.purged:
            raise dg.Failure(description=f"{contract.name} {version}: the raw bytes were "
                             f"deleted ({raw.purged}); this version cannot be re-read")
        shown = f"{raw.file_name} ({contract.name} {version}, raw copy {raw.stored_path})"
        report = IntakeReport(path=shown)
        raw_meta = {
            "sha256": raw.sha256,
            "size_bytes": raw.size,
            "arrived_at": raw.arrived_at,
            "source_path": dg.MetadataValue.path(raw.source_path),
            "raw_path": dg.MetadataValue.path(raw.stored_path),
        }
        with warehouse.session(contract.name, version) as conn:
            table = ensure_stage_table(conn, contract, INTAKE)
            try:
                # Subjects who asked for erasure stay out, whichever file they come from.
                erased, dropped = tombstones(conn, contract), [0]
                with transaction(conn):
                    delete_version(conn, table, version)
                    batches = drop_erased(read_batches(raw.stored_path, contract, report,
                                                       display_name=shown),
                                          contract, erased, privacy.hash_key, dropped)
                    loaded = insert_batches(conn, table, version, batches)
                    write_quarantine(conn, contract.name, version, INTAKE, report.quarantined)
            except IntakeError as exc:
                # The file as a whole is unreadable: record why, keep the raw bytes, stop.
                with transaction(conn):
                    write_quarantine(conn, contract.name, version, INTAKE, [
                        QuarantinedRecord(exc.line, exc.column, exc.reason, None)])
                raise dg.Failure(description=str(exc), metadata=raw_meta) from None
        record_stage(context, store, contract, INTAKE, rows=loaded,
                     quarantined=len(report.quarantined), sha256=raw.sha256)
        quarantined = len(report.quarantined)
        if quarantined:
            context.log.warning(
                f"{shown}: {quarantined} record(s) or problem(s) quarantined; this version "
                f"will not be delivered. See table {contract.name}.quarantine.")
        return dg.MaterializeResult(
            metadata={
                **raw_meta,
                **md.table_metadata(contract, INTAKE, loaded),
                "read_as": report.read_as,
                "records_read": report.records,
                META_RECORDS_QUARANTINED: quarantined,
                # Per reason and column, never values: `dataops status` reads this.
                META_QUARANTINE_BY_REASON: dg.MetadataValue.json(quarantine_summary(report)),
                "erased_subject_rows_dropped": dropped[0],
                "problems": dg.MetadataValue.md(
                    "\n".join(f"- {w}" for w in report.warnings) or "none"),
            },
            data_version=dg.DataVersion(raw.sha256),
        )

    return intake


def build_cleaned_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Cleaned: the contract's cleaning steps applied, exact duplicates removed."""
    upstream = stage_key(contract.name, INTAKE)

    @dg.asset(deps=[upstream], **md.asset_args(
        contract, CLEANED, "contract cleaning steps (trim, case, empty to null) applied and "
        "exact duplicate records removed."))
    def cleaned(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        with warehouse.session(contract.name, version) as conn, transaction(conn):
            result = build_cleaned(conn, contract, version)
        record_stage(context, store, contract, CLEANED, rows=result.rows_out,
                     duplicates_removed=result.removed)
        return dg.MaterializeResult(metadata={
            **md.table_metadata(contract, CLEANED, result.rows_out),
            "duplicates_removed": result.removed,
            "dagster/column_lineage": md.identity_lineage(contract, upstream),
        })

    return cleaned


def build_validated_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Validated: cleaned rows conformed to the contract, judged by blocking checks."""
    upstream = stage_key(contract.name, CLEANED)
    key = stage_key(contract.name, VALIDATED)
    spec = quality_spec(contract)

    specs = checks.check_specs(contract, spec, key) + checks.freshness_spec(contract, key)

    @dg.asset(deps=[upstream], check_specs=specs, **md.asset_args(
        contract, VALIDATED, "cleaned rows conformed to the contract; the quality checks on "
        "this asset decide whether the version may be delivered.",
        freshness_policy=checks.freshness_policy(contract)))
    def validated(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        raw = store.raw_store().get(contract.name, version)
        reference = store.layout.reference_file(contract.name, version)
        now = now_utc()
        with warehouse.session(contract.name, version) as conn, transaction(conn):
            result = build_validated(conn, contract, version)
            problems = quarantine_count(conn, contract.name, version)
            quality = evaluate_version(
                conn, qualified(contract.name, VALIDATED), version, contract, spec,
                datetime.fromisoformat(raw.arrived_at).replace(tzinfo=None), reference, now)
        record_stage(context, store, contract, VALIDATED, rows=result.rows_out)
        failed = [o.name for o in quality.outcomes if not o.passed]
        audit(store.data_dir, "check", contract.name, version, stage=VALIDATED,
              checks=len(quality.outcomes) + 1, failed=len(failed) + (problems > 0),
              failed_checks=",".join(failed)[:80])
        metadata: dict[str, object] = {
            **md.table_metadata(contract, VALIDATED, result.rows_out),
            "dagster/column_lineage": md.identity_lineage(contract, upstream),
            "quality_engine": quality.report.engine,
        }
        for m in quality.metrics:
            if m.column == "*" and m.value is not None:
                # Numeric metadata: the UI plots each dimension across versions.
                metadata[f"quality/{m.dimension}"] = dg.MetadataValue.float(round(m.value, 6))
        if quality.newest_record is not None:
            # The UI then says how old the data is (its newest record), not when it ran.
            metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(
                quality.newest_record.replace(tzinfo=UTC))
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[checks.intake_result(problems, contract.name),
                           *checks.quality_results(contract, spec, quality),
                           *checks.freshness_result(contract, quality)],
        )

    return validated


def build_stage_assets(contract: DatasetContract) -> list[dg.AssetsDefinition]:
    """Intake, cleaned and validated assets of one dataset."""
    return [build_intake(contract), build_cleaned_asset(contract),
            build_validated_asset(contract)]
