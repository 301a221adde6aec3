"""The retention job and its daily schedule."""


import dagster as dg

from dataops_assets.auditing import audit
from dataops_assets.keys import DUCKDB_POOL, RETENTION_JOB, RETENTION_SCHEDULE, partitions_name
from dataops_assets.resources import DataStore, WarehouseResource
from governance.contracts import DatasetContract
from governance.holds import HoldBook
from governance.retention import VERSION_SCOPE, enforce_item, retention_plan
from governance.storage import as_of_utc, now_utc, transaction


class RetentionConfig(dg.Config):
    """Run configuration: `as_of` replaces the clock (ISO timestamp), for tests and replays."""

    as_of: str = ""


def build_retention_defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """The retention job over every contract, and its daily schedule."""

    @dg.op(pool=DUCKDB_POOL, description="Purge or anonymize every version and column whose "
           "retention has ended, except versions under legal hold.")
    def enforce_retention(context: dg.OpExecutionContext, config: RetentionConfig,
                          warehouse: WarehouseResource, store: DataStore) -> dg.Output[int]:
        now = as_of_utc(config.as_of) if config.as_of else now_utc()
        holds = HoldBook(store.layout.holds_file)
        enforced = 0
        for contract in contracts:
            versions = store.raw_store().versions(contract.name)
            with warehouse.reader() as conn:
                plan = retention_plan(contract, versions, holds, conn)
            for item in plan:
                if item.held and item.due_at <= now:
                    context.log.info(f"{item.dataset} {item.version}: retention due but "
                                     "under legal hold; left untouched")
                if not item.due(now):
                    continue
                with warehouse.session(contract.name, item.version) as conn, \
                        transaction(conn):
                    result = enforce_item(conn, store.layout, contract, item, now)
                enforced += 1
                audit(store.data_dir, "purge", contract.name, item.version,
                      scope="version" if item.scope == VERSION_SCOPE else item.scope,
                      effect=item.action, rows=sum(result.rows.values()),
                      raw_deleted=result.raw_deleted, raw_redacted=result.raw_redacted)
                if item.scope == VERSION_SCOPE and item.action == "delete":
                    context.instance.delete_dynamic_partition(
                        partitions_name(contract.name), item.version)
                context.log.info(
                    f"{item.dataset} {item.version} {item.scope}: {item.action} "
                    f"(due {item.due_at:%Y-%m-%d}, {item.legal_basis}); rows "
                    f"{sum(result.rows.values())}, raw deleted {result.raw_deleted}")
        metadata: dict[str, object] = {"items_enforced": enforced,
                                       "as_of": now.isoformat(timespec="seconds")}
        # Connections are closed: rewrite the DuckDB file so purged rows leave no bytes
        # (the Parquet backend already wrote whole new files).
        compacted = warehouse.open().compact() if enforced else None
        if compacted is not None:
            metadata["warehouse_bytes"] = compacted.bytes_after
            metadata["rewrite_seconds"] = round(compacted.seconds, 3)
        return dg.Output(enforced, metadata=metadata)

    @dg.job(name=RETENTION_JOB, description="Enforces the contracts' retention rules.")
    def retention_job() -> None:
        enforce_retention()

    schedule = dg.ScheduleDefinition(
        job=retention_job, cron_schedule="0 3 * * *", name=RETENTION_SCHEDULE,
        default_status=dg.DefaultScheduleStatus.RUNNING)
    return dg.Definitions(jobs=[retention_job], schedules=[schedule])
