"""The portal resource: where the governance portal is served, for the URLs in metadata."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from governance.portal.site import DEFAULT_BASE_URL, page_url

PORTAL_URL_ENV = "DATAOPS_PORTAL_URL"


class PortalResource(dg.ConfigurableResource):
    """The governance portal's address (`make run` serves it beside the Dagster UI)."""

    base_url: str = Field(default=DEFAULT_BASE_URL,
                          description="Where the portal is served; datasheet pages link here")
    rebuild_with_datasheets: bool = Field(
        default=True, description="Rebuild the portal each time a datasheet is written")

    def page_url(self, dataset: str, version: str) -> str:
        """The portal URL of a datasheet."""
        return page_url(self.base_url, dataset, version)


def portal_base_url() -> str:
    """The portal's address now: $DATAOPS_PORTAL_URL, else the default beside `make run`."""
    return os.environ.get(PORTAL_URL_ENV) or DEFAULT_BASE_URL


def portal_resource() -> PortalResource:
    """The resource, its URL from $DATAOPS_PORTAL_URL when set (read when a run starts)."""
    if os.environ.get(PORTAL_URL_ENV):
        return PortalResource(base_url=dg.EnvVar(PORTAL_URL_ENV))
    return PortalResource()
