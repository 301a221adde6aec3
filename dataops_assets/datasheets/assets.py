"""The datasheet asset, its job, and the sensors that refresh it after each pipeline run."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from dataops_assets.constants import DUCKDB_POOL, job_name
from dataops_assets.resources import DataStore
from dataops_assets.stages import metadata as md
from dataops_assets.stages.assets import dataset_partitions, stage_key
from governance.contracts import DatasetContract
from governance.datasheet.facts import gather, previous_version
from governance.datasheet.render import write_datasheet, write_index

DATASHEET = "datasheet"


def datasheet_job_name(dataset: str) -> str:
    """Job that regenerates one dataset's datasheet for a version."""
    return f"{dataset}_datasheet"


def lineage_table(facts_lineage: list[dict[str, str]]) -> str:
    """Column lineage as a Markdown table (open-source Dagster does not draw it)."""
    rows = ["| stage | column | from | transform |", "| --- | --- | --- | --- |"]
    rows += [f"| {e['stage']} | {e['column']} | {e['from']} | {e['transform']} |"
             for e in facts_lineage]
    return "\n".join(rows)


def build_datasheet_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    """Datasheet of a version: Markdown and HTML files, shown in the UI as metadata."""
    deps = [stage_key(contract.name, s) for s in ("validated", "pii_scan", "delivered")]

    @dg.asset(
        name=DATASHEET, key_prefix=[contract.name], group_name=contract.name, deps=deps,
        partitions_def=dataset_partitions(contract), owners=md.owners(contract),
        tags=md.tags(contract, DATASHEET), kinds={"markdown", "html"}, pool=DUCKDB_POOL,
        description=md.description(contract, DATASHEET, "Datasheet for Datasets (Gebru et "
                                   "al.) of the version, from measured facts and the "
                                   "contract; regenerated after every pipeline run."),
    )
    def datasheet(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                  store: DataStore) -> dg.MaterializeResult:
        version = context.partition_key
        out_dir = store.documents_dir
        with duckdb.get_connection() as conn:
            facts = gather(conn, store.layout, contract, version)
            before = previous_version(contract, store.layout, version)
            previous = gather(conn, store.layout, contract, before) if before else None
        md_path, html_path = write_datasheet(out_dir, facts, previous)
        index = write_index(out_dir)
        return dg.MaterializeResult(metadata={
            "datasheet": dg.MetadataValue.md(md_path.read_text(encoding="utf-8")),
            "datasheet_path": dg.MetadataValue.path(str(md_path)),
            "datasheet_html": dg.MetadataValue.path(str(html_path)),
            "index": dg.MetadataValue.path(str(index)),
            "column_lineage_table": dg.MetadataValue.md(lineage_table(facts.lineage)),
        })

    return datasheet


def build_datasheet_defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """Datasheet assets and jobs, and sensors that run them after pipeline runs end."""
    assets = [build_datasheet_asset(c) for c in contracts]
    jobs = [dg.define_asset_job(datasheet_job_name(c.name),
                                selection=[stage_key(c.name, DATASHEET)],
                                partitions_def=dataset_partitions(c)) for c in contracts]
    by_pipeline = {job_name(c.name): datasheet_job_name(c.name) for c in contracts}

    def _request(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        run = context.dagster_run
        partition = run.tags.get("dagster/partition")
        if run.job_name not in by_pipeline or not partition:
            return dg.SkipReason("not a pipeline run of a version")
        return dg.RunRequest(run_key=f"datasheet:{run.run_id}", partition_key=partition,
                             job_name=by_pipeline[run.job_name])

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, request_jobs=jobs,
                          name="datasheet_after_success",
                          default_status=dg.DefaultSensorStatus.RUNNING)
    def after_success(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        return _request(context)

    @dg.run_failure_sensor(request_jobs=jobs, name="datasheet_after_failure",
                           default_status=dg.DefaultSensorStatus.RUNNING)
    def after_failure(context: dg.RunFailureSensorContext) -> dg.RunRequest | dg.SkipReason:
        # Blocked versions get a datasheet too: it says what blocked them.
        return _request(context)

    return dg.Definitions(assets=assets, jobs=jobs, sensors=[after_success, after_failure])
