"""`dataops gold`: store a labeling program's gold answers (the labeling lead's verb)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops_assets.cli._common import add_verb
from governance.contracts import find_contract
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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops gold`."""
    parser = add_verb(
        subparsers, "gold", help="store a labeling program's gold answers",
        description="Stores a CSV of gold answers (item and label columns) for a dataset "
        "with a labeling stage; every batch materialized from then on is scored against "
        "them. A dataset without a labeling stage is refused (exit 2).",
        examples=["dataops gold gold.csv --dataset support_ticket_labels"])
    parser.add_argument("path")
    parser.add_argument("--dataset", required=True)
    parser.set_defaults(func=cmd_gold)
