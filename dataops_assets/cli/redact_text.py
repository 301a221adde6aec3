"""`dataops redact-text`: redact free text in JSON Lines from standard input."""

from __future__ import annotations

import argparse
import sys

from dataops_assets.cli._common import add_verb
from governance.pii.stream import redact_jsonl


def cmd_redact_text(args: argparse.Namespace) -> int:
    """Read JSON Lines on stdin, write them to stdout with `text` redacted; 1 if lines refused."""
    report = redact_jsonl(sys.stdin, sys.stdout)
    for reason in report.refused:
        print(f"refused {reason}", file=sys.stderr)
    print(f"redact-text: {report.lines} lines read, {report.redacted} changed, "
          f"{len(report.refused)} refused", file=sys.stderr)
    return 1 if report.refused else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops redact-text`."""
    parser = add_verb(
        subparsers, "redact-text",
        help="redact personal data in JSON Lines read from standard input",
        description="Reads JSON Lines with a 'text' field on standard input and writes the "
        "same lines to standard output with each personal-data span in 'text' "
        "replaced by <ENTITY_TYPE>. Other fields pass unchanged. A line that is "
        "not a JSON object with a string 'text' is refused (named on standard "
        "error, never written) and the command exits 1.",
        examples=["dataops redact-text < tickets.jsonl > redacted.jsonl"],
        exit_codes=["0  every line was written", "1  some lines were refused (named on "
                    "standard error)"])
    parser.set_defaults(func=cmd_redact_text)
