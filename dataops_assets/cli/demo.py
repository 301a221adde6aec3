"""`dataops demo`: generate the demo batches, ingest them and run every version."""

from __future__ import annotations

import argparse

from dataops_assets.cli._common import add_output_flags, add_verb, dagster_instance
from dataops_assets.runner import configure_run_log, run_log_file
from governance.settings import contracts_dir_from_env, data_dir_from_env


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate the demo batches, ingest them and run every version end to end."""
    # The demo runner pulls in the generator and every stage: imported only when it runs.
    from dataops_assets.demo.run import run_demo

    data_dir = data_dir_from_env()
    configure_run_log(run_log_file(data_dir), verbose=args.verbose)
    return run_demo(data_dir, contracts_dir_from_env(), dagster_instance(), as_json=args.json)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops demo`."""
    parser = add_verb(
        subparsers, "demo", help="generate, ingest and materialize the demo datasets",
        description="Generates the demo batches (some designed to be blocked by checks or "
        "to drift), ingests them, runs every version end to end and prints a summary of "
        "what was delivered, blocked or failed, and why.",
        examples=["dataops demo", "dataops demo --json > outcomes.json"],
        exit_codes=[
            "0  the demo ended as designed (its blocked versions included)",
            "1  a version failed",
            "2  refused (DAGSTER_HOME unset, a malformed contract)",
        ])
    add_output_flags(parser)
    parser.set_defaults(func=cmd_demo)
