"""The `dataops audit` subcommands: verify the hash chain and show entries."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dataops_assets.cli._common import add_verb
from governance.audit import ACTIONS, AuditLog, audit_path
from governance.identifiers import check_dataset_name, check_version
from governance.settings import data_dir_from_env


def _log() -> AuditLog:
    return AuditLog(audit_path(data_dir_from_env()))


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the whole audit trail; exit 1 and name the first bad entry if it was tampered."""
    result = _log().verify()
    if result.ok:
        print(f"audit trail OK: {result.entries} entries")
        return 0
    where = f" at entry {result.first_bad}" if result.first_bad is not None else ""
    print(f"audit trail BROKEN{where}: {result.reason}", file=sys.stderr)
    return 1


def _details(details: dict[str, Any]) -> str:
    if not isinstance(details, dict):  # a tampered line can hold anything; show it as is
        return str(details)
    return " ".join(f"{key}={value}" for key, value in sorted(details.items()))


def cmd_audit_show(args: argparse.Namespace) -> int:
    """Print audit entries, optionally filtered, as a table or as JSON lines."""
    # Validate filters so a typo is an error rather than an empty listing.
    dataset = check_dataset_name(args.dataset) if args.dataset else None
    version = check_version(args.version) if args.version else None
    entries = _log().entries(dataset=dataset, version=version, action=args.action)
    if args.json:
        for entry in entries:
            print(json.dumps(entry.as_dict(), sort_keys=True))
        return 0
    header = ("seq", "at", "action", "dataset", "version", "actor", "details")
    rows = [tuple(str(v) for v in (e.seq, e.at, e.action, e.dataset, e.version or "-", e.actor,
                                   _details(e.details))) for e in entries]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops audit verify` and `dataops audit show`."""
    audit = add_verb(
        subparsers, "audit", help="verify or show the audit trail",
        description="The audit trail is a hash-chained log of every governance action "
        "(ingest, delivery, export, refusal, erasure, holds, retention). `verify` checks the "
        "chain and its head anchor; `show` lists entries.",
        examples=["dataops audit verify", "dataops audit show --dataset loan_applications"])
    sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = add_verb(
        sub, "verify", help="check the hash chain and the head anchor",
        description="Checks the whole audit trail and names the first edited, removed, "
        "inserted or reordered entry, or a truncated tail.",
        examples=["dataops audit verify"],
        exit_codes=["0  the trail is intact", "1  the trail was tampered with (named on "
                    "standard error)", "2  refused"])
    verify.set_defaults(func=cmd_audit_verify)
    show = add_verb(
        sub, "show", help="list audit entries",
        description="Prints audit entries as a table, or one JSON object per line, "
        "optionally filtered by dataset, version and action. Entries hold counts and "
        "hashes, never personal values.",
        examples=["dataops audit show --dataset support_tickets --action erase",
                  "dataops audit show --version v2 --json"])
    show.add_argument("--dataset")
    show.add_argument("--version")
    show.add_argument("--action", choices=sorted(ACTIONS))
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=cmd_audit_show)
