"""`dataops retention plan`: every retention deadline, what happens then, whether it is due."""

from __future__ import annotations

import argparse
from datetime import datetime

import duckdb

from dataops_assets.cli._common import add_verb
from governance.contracts import load_contracts
from governance.holds import HoldBook
from governance.rawstore import RawStore
from governance.retention import retention_plan
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.storage import now_utc


def cmd_retention_plan(args: argparse.Namespace) -> int:
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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops retention plan`."""
    retention = add_verb(
        subparsers, "retention", help="retention deadlines",
        description="Retention deadlines come from each contract's retention policy; "
        "`plan` lists them. The retention jobs in Dagster carry them out.",
        examples=["dataops retention plan"])
    rsub = retention.add_subparsers(dest="retention_command", required=True)
    plan = add_verb(
        rsub, "plan", help="list what is due and when",
        description="Prints every retention deadline of every version: scope, action, due "
        "date, status (done, held, DUE or pending) and legal basis. The warehouse is "
        "opened read-only.",
        examples=["dataops retention plan",
                  "dataops retention plan --dataset support_tickets --as-of 2027-01-01"])
    plan.add_argument("--dataset")
    plan.add_argument("--as-of", help="ISO date or timestamp to plan for (default: now)")
    plan.set_defaults(func=cmd_retention_plan)
