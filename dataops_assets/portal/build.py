"""Rebuild the portal from a data directory, with the Dagster instance as audit witness."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_assets.auditing import witnessed_checkpoints
from governance.contracts import DatasetContract
from governance.portal.site import PortalBuild, build_portal
from governance.settings import Layout


def rebuild_portal(data_dir: Path, documents_dir: Path, contracts: list[DatasetContract],
                   base_url: str, instance: dg.DagsterInstance | None) -> PortalBuild:
    """Build the portal of a data directory; the instance witnesses the audit trail."""
    layout = Layout(Path(data_dir))
    witnessed = witnessed_checkpoints(instance) if instance is not None else None
    return build_portal(layout.portal_dir, Path(documents_dir), layout,
                        {c.name: c for c in contracts}, base_url=base_url,
                        witnessed=witnessed)


def build_metadata(build: PortalBuild, base_url: str) -> dict[str, dg.RawMetadataValue]:
    """What a build records on its asset: where it is served, its size and duration."""
    return {"portal_url": dg.MetadataValue.url(base_url.rstrip("/") + "/"),
            "portal_site": dg.MetadataValue.path(str(build.site_dir)),
            "portal_pages": build.pages,
            "portal_build_seconds": round(build.seconds, 2),
            "audit_trail_verified": build.audit.ok}
