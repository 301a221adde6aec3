"""`dataops gold` and `dataops refresh-requests`: the labeling lead's and the manager's views."""

from __future__ import annotations

import argparse
from pathlib import Path

from governance.contracts import find_contract
from governance.drift.refresh import RefreshLedger
from governance.errors import UnknownDatasetError
from governance.labeling.files import save_gold
from governance.labeling.spec import labeling_spec
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env


def cmd_gold(args: argparse.Namespace) -> int:
    """Store a labeling program's gold answers (item and label columns)."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    spec = labeling_spec(contract)
    if spec is None:
        raise UnknownDatasetError(f"{contract.name} declares no labeling stage, so it has no "
                                  "gold answers; see the `labeling` custom property")
    stored = save_gold(Layout(data_dir_from_env()), contract, spec, Path(args.path))
    print(f"stored gold answers for {contract.name} at {stored}; they apply to every batch "
          "materialized from now on")
    return 0


def cmd_refresh_requests(args: argparse.Namespace) -> int:
    """List the refresh requests drift has raised, one line per drifted version."""
    requests = RefreshLedger(Layout(data_dir_from_env()).refresh_requests_file).list(
        args.dataset)
    if not requests:
        print("no refresh requests")
    for r in requests:
        label = {True: "label drift", False: "no label drift", None: "no label column"}
        print(f"{r.dataset} {r.version}: {r.share_drifted:.0%} of columns drifted from "
              f"{r.reference_version} ({', '.join(r.drifted_columns)}; "
              f"{label[r.label_drift]}); job {r.job}, {r.status}"
              + (f" (run {r.run_id})" if r.run_id else "") + f", requested {r.requested_at}")
    return 0


def add_labeling_commands(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the gold and refresh-requests subcommands."""
    gold = subparsers.add_parser("gold", help="store a labeling program's gold answers")
    gold.add_argument("path")
    gold.add_argument("--dataset", required=True)
    gold.set_defaults(func=cmd_gold)
    requests = subparsers.add_parser("refresh-requests",
                                     help="list the refresh requests raised by drift")
    requests.add_argument("--dataset")
    requests.set_defaults(func=cmd_refresh_requests)
