"""Definitions of the governance portal: its asset, job and resource."""

from __future__ import annotations

import dagster as dg

from dataops_assets.keys import PORTAL_JOB, PORTAL_KEY, PORTAL_RESOURCE
from dataops_assets.portal.assets import build_portal_asset
from dataops_assets.portal.resources import portal_resource
from governance.contracts import DatasetContract


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """The portal asset and its job; the resource whose URL datasheets link to."""
    return dg.Definitions(assets=[build_portal_asset(contracts)],
                          jobs=[dg.define_asset_job(PORTAL_JOB, selection=[PORTAL_KEY])],
                          resources={PORTAL_RESOURCE: portal_resource()})
