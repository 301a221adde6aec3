"""`dataops refresh-requests`: the refresh requests drift has raised (the manager's view)."""

from __future__ import annotations

import argparse

from dataops_assets.cli._common import add_verb
from governance.drift.refresh import RefreshLedger
from governance.settings import Layout, data_dir_from_env


def cmd_refresh_requests(args: argparse.Namespace) -> int:
    """List the refresh requests drift has raised, one line per drifted version."""
    requests = RefreshLedger(Layout(data_dir_from_env()).refresh_requests_file).list(
        args.dataset)
    if not requests:
        print("no refresh requests")
    for r in requests:
        label = {True: "label drift", False: "no label drift", None: "no label column"}
        print(f"{r.dataset} {r.version}: {r.share_drifted:.0%} of columns drifted from "
              f"{r.reference_version} ({', '.join(r.drifted_columns)}; "
              f"{label[r.label_drift]}); job {r.job}, {r.status}"
              + (f" (run {r.run_id})" if r.run_id else "") + f", requested {r.requested_at}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops refresh-requests`."""
    parser = add_verb(
        subparsers, "refresh-requests", help="list the refresh requests raised by drift",
        description="Lists the refresh requests the drift sensor raised, one line per "
        "drifted version: the share of columns drifted and from which reference version, "
        "label drift, the refresh job and its status.",
        examples=["dataops refresh-requests",
                  "dataops refresh-requests --dataset loan_applications"])
    parser.add_argument("--dataset")
    parser.set_defaults(func=cmd_refresh_requests)
