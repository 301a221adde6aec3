"""`dataops portal build|serve`: the governance portal, a static site of every document."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from dataops_assets.cli._common import add_verb, dagster_instance
from dataops_assets.portal.build import rebuild_portal
from dataops_assets.portal.resources import portal_base_url
from governance.contracts import load_contracts
from governance.errors import GovernanceError
from governance.portal.site import built_site
from governance.settings import (
    Layout,
    contracts_dir_from_env,
    data_dir_from_env,
    datasheets_dir_for,
)


def cmd_portal_build(args: argparse.Namespace) -> int:
    """Build the portal from the data directory's documents and records."""
    data_dir = data_dir_from_env()
    # The Dagster instance witnesses the audit trail; without one the page says so.
    instance = dagster_instance() if os.environ.get("DAGSTER_HOME") else None
    build = rebuild_portal(data_dir, datasheets_dir_for(data_dir),
                           load_contracts(contracts_dir_from_env()), portal_base_url(),
                           instance)
    print(f"governance portal built: {build.pages} pages in {build.site_dir} "
          f"({build.seconds:.1f} s); `dataops portal serve` serves it at {portal_base_url()}")
    return 0


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request (the terminal belongs to dagster dev)."""

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing per request."""


def cmd_portal_serve(args: argparse.Namespace) -> int:
    """Serve the built portal with the standard library's HTTP server until interrupted."""
    site = built_site(Layout(data_dir_from_env()).portal_dir)
    # The path goes through the `site` link at every request, so rebuilds show at once.
    handler = functools.partial(_QuietHandler, directory=str(site))
    try:
        server = ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as exc:
        raise GovernanceError(f"cannot serve the portal on {args.host}:{args.port}: "
                              f"{exc.strerror}") from None
    print(f"governance portal: http://{args.host}:{args.port} (serving {site}; Ctrl-C stops)",
          file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops portal build` and `dataops portal serve`."""
    portal = add_verb(
        subparsers, "portal", help="build or serve the governance portal",
        description="The governance portal is a static site (MkDocs, Material theme, offline "
        "search) of every datasheet version and its changes, vendor scorecards, weekly "
        "reports, incidents and post-mortems, the retention plan and the audit-trail "
        "verification. Every datasheet run rebuilds it; `build` rebuilds it now; `serve` "
        "serves the built site (make run starts it beside the Dagster UI).",
        examples=["dataops portal build", "dataops portal serve --port 3001"])
    sub = portal.add_subparsers(dest="portal_command", required=True)
    build = add_verb(
        sub, "build", help="rebuild the portal now",
        description="Builds the portal from the documents folder and the data directory's "
        "records into <data_dir>/portal/site, replacing the previous build in one step. "
        "Links in it use $DATAOPS_PORTAL_URL (default http://127.0.0.1:3001).",
        examples=["dataops portal build"],
        exit_codes=["0  built", "2  refused (the build failed; the previous site stays)"])
    build.set_defaults(func=cmd_portal_build)
    serve = add_verb(
        sub, "serve", help="serve the built portal over HTTP",
        description="Serves <data_dir>/portal/site with Python's built-in HTTP server until "
        "interrupted; later builds are served as soon as they finish.",
        examples=["dataops portal serve", "dataops portal serve --host 0.0.0.0 --port 8080"],
        exit_codes=["0  stopped", "2  refused (never built, or the port is taken)"])
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3001)
    serve.set_defaults(func=cmd_portal_serve)
