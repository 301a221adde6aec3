"""`dataops retention plan`: every retention deadline, what happens then, whether it is due."""

from __future__ import annotations

import argparse
import json
import sys

from dataops_assets.cli._common import add_verb, dagster_instance
from dataops_assets.definitions import build_definitions
from dataops_assets.keys import RETENTION_JOB
from governance.contracts import load_contracts
from governance.errors import GovernanceError
from governance.holds import HoldBook
from governance.rawstore import RawStore
from governance.retention import retention_plan
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.storage import as_of_utc, now_utc
from governance.warehouse import open_warehouse


def cmd_retention_plan(args: argparse.Namespace) -> int:
    """Print every retention deadline, what happens then, and whether it is due."""
    layout = Layout(data_dir_from_env())
    now = as_of_utc(args.as_of) if args.as_of else now_utc()
    holds = HoldBook(layout.holds_file)
    print(f"{'dataset':<20} {'version':<8} {'scope':<15} {'action':<10} {'due':<11} "
          f"status   legal basis")
    with open_warehouse(layout).reader() as conn:
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
    return 0


def cmd_retention_run(args: argparse.Namespace) -> int:
    """Run the retention_enforcement job now, as the daily schedule would."""
    try:
        as_of = as_of_utc(args.as_of).isoformat() if args.as_of else ""
    except ValueError:
        raise GovernanceError(f"--as-of {args.as_of!r} is not a date; write it like "
                              "2030-01-01 or 2030-01-01T03:00") from None
    defs = build_definitions(contracts_dir_from_env(), data_dir_from_env())
    result = defs.resolve_job_def(RETENTION_JOB).execute_in_process(
        instance=dagster_instance(), raise_on_error=False,
        run_config={"ops": {"enforce_retention": {"config": {"as_of": as_of}}}})
    enforced = result.output_for_node("enforce_retention") if result.success else None
    summary = {"run_id": result.run_id, "success": result.success,
               "items_enforced": enforced, "as_of": as_of or "now"}
    if args.json:
        print(json.dumps(summary))
    elif result.success:
        print(f"retention run {result.run_id}: {enforced} item(s) enforced (as of "
              f"{summary['as_of']}); see `dataops audit show --action purge`")
    else:
        print(f"retention run {result.run_id} failed; see the run in the Dagster UI",
              file=sys.stderr)
    return 0 if result.success else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops retention plan`."""
    retention = add_verb(
        subparsers, "retention", help="retention deadlines",
        description="Retention deadlines come from each contract's retention policy; "
        "`plan` lists them; `run` carries out what is due (the retention_enforcement job "
        "that also runs daily in Dagster).",
        examples=["dataops retention plan", "dataops retention run"])
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
    run = add_verb(
        rsub, "run", help="carry out what is due now",
        description="Runs the retention_enforcement job in this process, on the Dagster "
        "instance under DAGSTER_HOME: the same job, audit entries and run record as the "
        "daily schedule. Purged versions lose their rows in every table, their raw copy "
        "and exports; kept versions whose columns expired are rewritten without them; the "
        "warehouse file is then rewritten so no freed block keeps the values. Versions "
        "under legal hold are left alone.",
        examples=["dataops retention run", "dataops retention run --as-of 2030-01-01 --json"],
        exit_codes=["0  the job ran", "1  the job failed", "2  refused (bad date, no "
                    "DAGSTER_HOME)"])
    run.add_argument("--as-of", help="ISO date or timestamp to act as if it were now")
    run.add_argument("--json", action="store_true", help="print the outcome as JSON")
    run.set_defaults(func=cmd_retention_run)
