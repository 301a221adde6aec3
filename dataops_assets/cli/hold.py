"""`dataops hold add|remove|list`: legal holds that keep retention off a version."""

from __future__ import annotations

import argparse
import hashlib

from dataops_assets.auditing import audit
from dataops_assets.cli._common import add_verb
from governance.holds import HoldBook
from governance.identifiers import check_dataset_name, check_version
from governance.settings import Layout, data_dir_from_env


def cmd_hold(args: argparse.Namespace) -> int:
    """Add, remove or list legal holds."""
    layout = Layout(data_dir_from_env())
    book = HoldBook(layout.holds_file)
    if args.hold_command == "list":
        for hold in book.list(args.dataset):
            print(f"{hold.dataset} {hold.version} since {hold.placed_at}: {hold.reason}")
        return 0
    dataset, version = check_dataset_name(args.dataset), check_version(args.version)
    reason_hash = hashlib.sha256(str(getattr(args, "reason", "")).encode()).hexdigest()
    if args.hold_command == "add":
        hold = book.add(dataset, version, args.reason)
        audit(layout.data_dir, "hold_add", dataset, version, reason_sha256=reason_hash)
        print(f"hold on {dataset} {version} ({hold.reason}); retention will not touch it")
        return 0
    removed = book.remove(dataset, version)
    audit(layout.data_dir, "hold_remove", dataset, version, removed=removed)
    print(f"hold on {dataset} {version} lifted" if removed else
          f"no hold on {dataset} {version}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops hold add`, `dataops hold remove` and `dataops hold list`."""
    hold = add_verb(
        subparsers, "hold", help="legal holds on dataset versions",
        description="A legal hold keeps retention from deleting or anonymising a version "
        "until it is lifted. Placing and lifting a hold are recorded in the audit trail "
        "(the reason as a hash).",
        examples=["dataops hold add --dataset loan_applications --version v1 "
                  "--reason 'case 2026-17'",
                  "dataops hold list"])
    hsub = hold.add_subparsers(dest="hold_command", required=True)
    add = add_verb(
        hsub, "add", help="place a hold on a version",
        description="Places a legal hold on one version; retention will not touch it.",
        examples=["dataops hold add --dataset loan_applications --version v1 "
                  "--reason 'case 2026-17'"])
    remove = add_verb(
        hsub, "remove", help="lift the hold on a version",
        description="Lifts the legal hold on one version, if there is one.",
        examples=["dataops hold remove --dataset loan_applications --version v1"])
    for parser in (add, remove):
        parser.add_argument("--dataset", required=True)
        parser.add_argument("--version", required=True)
        parser.set_defaults(func=cmd_hold)
    add.add_argument("--reason", required=True)
    listing = add_verb(
        hsub, "list", help="list the holds",
        description="Lists the legal holds, of one dataset or of all.",
        examples=["dataops hold list", "dataops hold list --dataset support_tickets"])
    listing.add_argument("--dataset")
    listing.set_defaults(func=cmd_hold)
