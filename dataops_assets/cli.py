"""The `dataops` command: ingest files, run the demo, check contracts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import dagster as dg

from dataops_assets.cli_audit import add_audit_commands
from dataops_assets.cli_erase import add_erase_command
from dataops_assets.cli_export import add_export_command
from dataops_assets.cli_labeling import add_labeling_commands
from dataops_assets.cli_output import (
    EXIT_CODES_HELP,
    exit_code,
    print_json,
    print_log_location,
    print_summary,
    progress,
)
from dataops_assets.cli_redact import add_redact_command
from dataops_assets.cli_retention import add_retention_commands
from dataops_assets.cli_status import add_status_command
from dataops_assets.definitions import build_definitions
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.runner import configure_run_log, run_log_file, run_version
from governance.contracts import find_contract, load_contracts
from governance.errors import GovernanceError
from governance.identifiers import check_version
from governance.labeling.files import save_verdicts
from governance.labeling.spec import labeling_spec
from governance.pii.engine import DEFAULT_MODEL
from governance.pii.sampling import DEFAULT_CONFIDENCE, DEFAULT_MIN_PREVALENCE
from governance.pii.scan import scan_file
from governance.rawstore import RawStore
from governance.reference import save_reference
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env


def _instance() -> dg.DagsterInstance:
    try:
        return dg.DagsterInstance.get()
    except dg.DagsterInvariantViolationError:
        raise GovernanceError("DAGSTER_HOME is not set; run through make, or export "
                              "DAGSTER_HOME=$PWD/.dataops/dagster_home") from None


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store a file as a new version of a dataset and optionally run its stage chain."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    data_dir = data_dir_from_env()
    instance = _instance()
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


def cmd_reference(args: argparse.Namespace) -> int:
    """Store an audited reference sample for a version (feeds the accuracy dimension)."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    layout, version = Layout(data_dir_from_env()), check_version(args.version)
    spec = labeling_spec(contract)
    # A labeling batch's reference is its reviewers' verdicts, scored on the audit sample.
    stored = (save_reference(layout, contract, version, Path(args.path)) if spec is None
              else save_verdicts(layout, contract, spec, version, Path(args.path)))
    print(f"stored reference sample for {contract.name} {args.version} at {stored}; "
          "re-materialize the validated (or labeling) stage to measure accuracy")
    return 0


def cmd_scan_pii(args: argparse.Namespace) -> int:
    """Classify the columns of a CSV or Parquet file and print JSON to stdout."""
    result = scan_file(args.path, confidence=args.confidence,
                       min_prevalence=args.min_prevalence, model=args.model,
                       use_name_hints=not args.ignore_names)
    print(json.dumps(result.as_json(), indent=2))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate the demo batches, ingest them and run every version end to end."""
    from dataops_assets.demo.run import run_demo

    data_dir = data_dir_from_env()
    configure_run_log(run_log_file(data_dir), verbose=args.verbose)
    return run_demo(data_dir, contracts_dir_from_env(), _instance(), as_json=args.json)


def cmd_contracts(args: argparse.Namespace) -> int:
    """Validate every contract and list the datasets."""
    for contract in load_contracts(contracts_dir_from_env()):
        print(f"{contract.name}: {len(contract.columns)} columns, owner {contract.owner_team}, "
              f"classification {contract.classification} ({contract.path})")
    return 0


def _add_output_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print each version's outcome as JSON on standard output")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show Dagster's per-event log lines on standard error too")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the dataops command."""
    parser = argparse.ArgumentParser(prog="dataops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="store a file as a new dataset version",
                            epilog=EXIT_CODES_HELP)
    ingest.add_argument("path")
    ingest.add_argument("--dataset", required=True)
    ingest.add_argument("--materialize", action="store_true",
                        help="also run intake to delivery for the new version")
    _add_output_flags(ingest)
    ingest.set_defaults(func=cmd_ingest)
    reference = sub.add_parser("reference", help="store an audited reference sample")
    reference.add_argument("path")
    reference.add_argument("--dataset", required=True)
    reference.add_argument("--version", required=True)
    reference.set_defaults(func=cmd_reference)
    scan = sub.add_parser("scan-pii", help="find personal data in a CSV or Parquet file")
    scan.add_argument("path")
    scan.add_argument("--confidence", type=float, default=DEFAULT_CONFIDENCE)
    scan.add_argument("--min-prevalence", type=float, default=DEFAULT_MIN_PREVALENCE)
    scan.add_argument("--model", default=DEFAULT_MODEL,
                      help="an installed spaCy model package (default %(default)s)")
    scan.add_argument("--ignore-names", action="store_true",
                      help="judge by content only, not by column names")
    scan.set_defaults(func=cmd_scan_pii)
    add_retention_commands(sub)
    add_audit_commands(sub)
    add_export_command(sub)
    add_erase_command(sub)
    add_labeling_commands(sub)
    add_redact_command(sub)
    add_status_command(sub)
    demo = sub.add_parser("demo", help="generate, ingest and materialize the demo datasets",
                          epilog="exit codes: 0 when the demo ends as designed (its blocked "
                          "versions included), 1 when a version failed")
    _add_output_flags(demo)
    demo.set_defaults(func=cmd_demo)
    contracts = sub.add_parser("contracts", help="validate the contracts and list datasets")
    contracts.set_defaults(func=cmd_contracts)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a subcommand; governance errors print one line and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GovernanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
