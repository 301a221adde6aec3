"""Helpers shared by the verbs: the Dagster instance, verb parsers and exit codes."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence

import dagster as dg

from dataops_assets.outcomes import VersionOutcome
from governance.errors import GovernanceError

EXIT_DELIVERED = 0
EXIT_FAILED = 1
EXIT_BLOCKED = 3
EXIT_REFUSED = 2  # a GovernanceError (unknown dataset, unsafe name, missing file), or argparse


def add_verb(subparsers: argparse._SubParsersAction, name: str, *, help: str,
             description: str, examples: Sequence[str],
             exit_codes: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Add a verb's parser with its one-line help, description, examples and exit codes."""
    # Raw formatting keeps the examples' lines; the description's paragraphs are wrapped here.
    text = "\n\n".join(textwrap.fill(para, 79) for para in description.split("\n\n"))
    epilog = "examples:\n" + "".join(f"  {example}\n" for example in examples)
    if exit_codes:
        epilog += "\nexit codes:\n" + "".join(f"  {line}\n" for line in exit_codes)
    return subparsers.add_parser(name, help=help, description=text, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """The --json and -v flags of the verbs that run versions (ingest, demo)."""
    parser.add_argument("--json", action="store_true",
                        help="print each version's outcome as JSON on standard output")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show Dagster's per-event log lines on standard error too")


def dagster_instance() -> dg.DagsterInstance:
    """The Dagster instance under DAGSTER_HOME; a GovernanceError (exit 2) when it is unset."""
    try:
        return dg.DagsterInstance.get()
    except dg.DagsterInvariantViolationError:
        raise GovernanceError("DAGSTER_HOME is not set; run through make, or export "
                              "DAGSTER_HOME=$PWD/.dagster_home") from None


def exit_code(outcome: VersionOutcome) -> int:
    """0 when delivered, 3 when blocked by checks, 1 when the run failed."""
    return {"delivered": EXIT_DELIVERED, "blocked": EXIT_BLOCKED}.get(outcome.status,
                                                                        EXIT_FAILED)
