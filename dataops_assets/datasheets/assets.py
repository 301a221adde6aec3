"""The datasheet asset: a Gebru datasheet of each version, regenerated after every run."""


import dagster as dg

from dataops_assets import metadata as md
from dataops_assets.keys import DATASHEET, META_PORTAL_PAGE, PII_SCAN, stage_key
from dataops_assets.portal.build import build_metadata, rebuild_portal
from dataops_assets.portal.resources import PortalResource
from dataops_assets.resources import DataStore, WarehouseResource
from governance.contracts import DatasetContract
from governance.datasheet.facts import gather, previous_version
from governance.datasheet.render import write_datasheet, write_index
from governance.errors import GovernanceError
from governance.stages import DELIVERED, VALIDATED


def lineage_table(facts_lineage: list[dict[str, str]]) -> str:
    """Column lineage as a Markdown table (open-source Dagster does not draw it)."""
    rows = ["| stage | column | from | transform |", "| --- | --- | --- | --- |"]
    rows += [f"| {e['stage']} | {e['column']} | {e['from']} | {e['transform']} |"
             for e in facts_lineage]
    return "\n".join(rows)


def build_datasheet_asset(contract: DatasetContract,
                          contracts: list[DatasetContract] | None = None) -> dg.AssetsDefinition:
    """Datasheet of a version: Markdown and HTML files, shown in the UI as metadata; the
    governance portal (built from every contract's documents) is rebuilt after it."""
    everyone = contracts if contracts is not None else [contract]
    deps = [stage_key(contract.name, s) for s in (VALIDATED, PII_SCAN, DELIVERED)]

    @dg.asset(deps=deps, **md.asset_args(
        contract, DATASHEET, "Datasheet for Datasets (Gebru et al.) of the version, from "
        "measured facts and the contract; regenerated after every pipeline run.",
        kinds={"markdown", "html"}, metadata={}))
    def datasheet(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  store: DataStore, portal: PortalResource) -> dg.MaterializeResult:
        version = context.partition_key
        out_dir = store.documents_dir
        with warehouse.session(contract.name, version) as conn:
            facts = gather(conn, store.layout, contract, version)
            before = previous_version(contract, store.layout, version)
            previous = gather(conn, store.layout, contract, before) if before else None
        md_path, html_path = write_datasheet(out_dir, facts, previous)
        index = write_index(out_dir)
        rebuilt: dict[str, dg.RawMetadataValue] = {}
        if portal.rebuild_with_datasheets:
            # The datasheet sensors' run leaves the portal current: no second job to order.
            try:
                build = rebuild_portal(store.layout.data_dir, out_dir, everyone,
                                       portal.base_url, context.instance)
                rebuilt = build_metadata(build, portal.base_url)
            except GovernanceError as exc:
                # The datasheet is written and stays valid; the portal keeps its last build.
                context.log.warning(str(exc))
                rebuilt = {"portal_built": False}
        return dg.MaterializeResult(metadata={
            META_PORTAL_PAGE: dg.MetadataValue.url(portal.page_url(contract.name, version)),
            "datasheet": dg.MetadataValue.md(md_path.read_text(encoding="utf-8")),
            "datasheet_path": dg.MetadataValue.path(str(md_path)),
            "datasheet_html": dg.MetadataValue.path(str(html_path)),
            "index": dg.MetadataValue.path(str(index)),
            "column_lineage_table": dg.MetadataValue.md(lineage_table(facts.lineage)),
            **rebuilt,
        })

    return datasheet
