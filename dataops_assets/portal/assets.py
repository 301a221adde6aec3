"""The governance portal asset: an on-demand build of the whole site."""

import dagster as dg

from dataops_assets.keys import (
    DATASHEET,
    PORTAL_KEY,
    REPORTS_GROUP,
    WEEKLY_REPORT_KEY,
    stage_key,
)
from dataops_assets.portal.build import build_metadata, rebuild_portal
from dataops_assets.portal.resources import PortalResource
from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract


def build_portal_asset(contracts: list[DatasetContract]) -> dg.AssetsDefinition:
    """The portal, built from every datasheet, scorecard, report and record."""
    deps = [*(stage_key(c.name, DATASHEET) for c in contracts), WEEKLY_REPORT_KEY]

    @dg.asset(key=PORTAL_KEY, group_name=REPORTS_GROUP, deps=deps, kinds={"mkdocs", "html"},
              description="The governance portal: a static MkDocs (Material) site of every "
              "datasheet version with its changes, vendor scorecards, weekly reports, "
              "incidents, post-mortems, the retention plan and the audit-trail "
              "verification, with offline search. Also rebuilt after every datasheet.")
    # `portal` is the PORTAL_RESOURCE key: Dagster matches resources by parameter name.
    def governance_portal(context: dg.AssetExecutionContext,
                          store: DataStore, portal: PortalResource) -> dg.MaterializeResult:
        build = rebuild_portal(store.layout.data_dir, store.documents_dir, contracts,
                               portal.base_url, context.instance)
        context.log.info(f"portal built: {build.pages} pages in {build.seconds:.1f} s")
        return dg.MaterializeResult(metadata=build_metadata(build, portal.base_url))

    return governance_portal
