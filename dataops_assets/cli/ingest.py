"""`dataops ingest`: store a file as a new dataset version, optionally run its stages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataops_assets.cli._common import add_output_flags, add_verb, dagster_instance, exit_code
from dataops_assets.console import print_json, print_log_location, print_summary, progress
from dataops_assets.definitions import build_definitions
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.runner import configure_run_log, run_log_file, run_version
from governance.contracts import find_contract
from governance.rawstore import RawStore
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store a file as a new version of a dataset and optionally run its stage chain."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    data_dir = data_dir_from_env()
    instance = dagster_instance()
    configure_run_log(run_log_file(data_dir), verbose=args.verbose)
    result = ingest_file(instance, RawStore(Layout(data_dir).raw_dir), contract, Path(args.path))
    raw = result.raw
    say = sys.stderr if args.json else sys.stdout  # --json keeps standard output for JSON
    if result.duplicate:
        print(f"duplicate: {args.path} has the same bytes as {raw.dataset} {raw.version} "
              f"(sha256 {raw.sha256}); no new version", file=say)
        if args.json:
            print("[]")
        return 0
    print(f"ingested {args.path} as {raw.dataset} {raw.version} "
          f"(sha256 {raw.sha256}, {raw.size} bytes)", file=say)
    if not args.materialize:
        return 0
    defs = build_definitions(contracts_dir_from_env(), data_dir)
    with progress(1) as start:
        start(raw.dataset, raw.version)
        outcome = run_version(defs, instance, raw.dataset, raw.version)
    if args.json:
        print_json([outcome])
    else:
        print(f"{raw.dataset} {raw.version}: {outcome.status}")
        print_summary([outcome])
    print_log_location(data_dir)
    return exit_code(outcome)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops ingest`."""
    parser = add_verb(
        subparsers, "ingest", help="store a file as a new dataset version",
        description="Copies a CSV or Parquet file into the raw store as the next version of "
        "a dataset (a file with the same bytes as a stored version is reported as a "
        "duplicate, and no version is added), then registers the version with Dagster. "
        "With --materialize it also runs the version from intake to delivery.",
        examples=[
            "dataops ingest landing/loans.csv --dataset loan_applications",
            "dataops ingest tickets.parquet --dataset support_tickets --materialize --json",
        ],
        exit_codes=[
            "0  delivered (or stored without --materialize, or a duplicate)",
            "3  blocked by checks",
            "1  failed",
            "2  refused (bad arguments, unknown dataset)",
        ])
    parser.add_argument("path")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--materialize", action="store_true",
                        help="also run intake to delivery for the new version")
    add_output_flags(parser)
    parser.set_defaults(func=cmd_ingest)
