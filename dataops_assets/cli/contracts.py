"""`dataops contracts`: validate every contract and list the datasets."""

from __future__ import annotations

import argparse

from dataops_assets.cli._common import add_verb
from governance.contracts import load_contracts
from governance.settings import contracts_dir_from_env


def cmd_contracts(args: argparse.Namespace) -> int:
    """Validate every contract and list the datasets."""
    for contract in load_contracts(contracts_dir_from_env()):
        print(f"{contract.name}: {len(contract.columns)} columns, owner {contract.owner_team}, "
              f"classification {contract.classification} ({contract.path})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops contracts`."""
    parser = add_verb(
        subparsers, "contracts", help="validate the contracts and list datasets",
        description="Loads and validates every data contract in the contracts folder "
        "($DATAOPS_CONTRACTS_DIR, else the demo contracts shipped in "
        "governance/defaults/contracts/) and prints one line per dataset: "
        "columns, owner team, classification and file. A malformed contract is an error "
        "(exit 2) naming the file and the problem.",
        examples=["dataops contracts"])
    parser.set_defaults(func=cmd_contracts)
