"""The `dataops` command: one module per verb, each with `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from dataops_assets.cli import (
    audit,
    backup,
    consent,
    contracts,
    demo,
    erase,
    export,
    gold,
    hold,
    incident,
    ingest,
    pilot,
    plan,
    portal,
    qualification,
    redact_text,
    reference,
    refresh_requests,
    report,
    restore,
    retention,
    scan_pii,
    sql,
    status,
)
from governance.errors import GovernanceError

# The verbs in the order `dataops --help` lists them.
VERBS: tuple[ModuleType, ...] = (
    ingest, reference, scan_pii, retention, hold, audit, export, erase, consent, gold,
    qualification, pilot, plan, refresh_requests, incident, redact_text, status, report, sql,
    backup, restore, demo, contracts, portal,
)

DESCRIPTION = """\
The dataops command: ingest files, run the demo, check contracts, and govern the data
(retention, legal holds, erasure, export by role, audit trail, personal-data scans,
incidents).

Every verb has --help with examples. A refused command (bad arguments, unknown dataset,
unsafe name, missing file) prints one line on standard error and exits 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the dataops command, every verb registered."""
    parser = argparse.ArgumentParser(
        prog="dataops", description=DESCRIPTION,
        epilog="examples:\n  dataops demo\n  dataops ingest --help\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for verb in VERBS:
        verb.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a subcommand; governance errors print one line and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GovernanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

