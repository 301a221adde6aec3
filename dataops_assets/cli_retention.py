"""`dataops retention plan` and `dataops hold add|remove|list`."""

from __future__ import annotations

import argparse
import hashlib
from datetime import datetime

import duckdb

from dataops_assets.auditing import audit
from governance.contracts import load_contracts
from governance.holds import HoldBook
from governance.identifiers import check_dataset_name, check_version
from governance.rawstore import RawStore
from governance.retention import retention_plan
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.storage import now_utc


def cmd_plan(args: argparse.Namespace) -> int:
    """Print every retention deadline, what happens then, and whether it is due."""
    layout = Layout(data_dir_from_env())
    now = datetime.fromisoformat(args.as_of) if args.as_of else now_utc()
    holds = HoldBook(layout.holds_file)
    conn = duckdb.connect(str(layout.warehouse), read_only=True) \
        if layout.warehouse.exists() else None
    print(f"{'dataset':<20} {'version':<8} {'scope':<15} {'action':<10} {'due':<11} "
          f"status   legal basis")
    try:
        for contract in load_contracts(contracts_dir_from_env()):
            if args.dataset and contract.name != args.dataset:
                continue
            versions = RawStore(layout.raw_dir).versions(contract.name)
            for item in retention_plan(contract, versions, holds, conn):
                status = ("done" if item.done else "held" if item.held
                          else "DUE" if item.due_at <= now else "pending")
                print(f"{item.dataset:<20} {item.version:<8} {item.scope:<15} "
                      f"{item.action:<10} {item.due_at:%Y-%m-%d}  {status:<8} "
                      f"{item.legal_basis}")
    finally:
        if conn is not None:
            conn.close()
    return 0


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


def add_retention_commands(sub: argparse._SubParsersAction) -> None:
    """Register the retention and hold subcommands."""
    retention = sub.add_parser("retention", help="retention deadlines")
    rsub = retention.add_subparsers(dest="retention_command", required=True)
    plan = rsub.add_parser("plan", help="list what is due and when")
    plan.add_argument("--dataset")
    plan.add_argument("--as-of", help="ISO date or timestamp to plan for (default: now)")
    plan.set_defaults(func=cmd_plan)
    hold = sub.add_parser("hold", help="legal holds on dataset versions")
    hsub = hold.add_subparsers(dest="hold_command", required=True)
    for name in ("add", "remove"):
        p = hsub.add_parser(name)
        p.add_argument("--dataset", required=True)
        p.add_argument("--version", required=True)
        if name == "add":
            p.add_argument("--reason", required=True)
        p.set_defaults(func=cmd_hold)
    listing = hsub.add_parser("list")
    listing.add_argument("--dataset")
    listing.set_defaults(func=cmd_hold)
