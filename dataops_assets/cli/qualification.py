"""`dataops qualification`: store annotators' qualification answers (the labeling lead's verb)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops_assets.cli._common import add_verb
from governance.contracts import find_contract
from governance.errors import UnknownDatasetError
from governance.labeling.files import save_qualification
from governance.labeling.spec import labeling_spec
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env


def cmd_qualification(args: argparse.Namespace) -> int:
    """Store the qualification answers of a labeling program (scored against its gold)."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    spec = labeling_spec(contract)
    if spec is None:
        raise UnknownDatasetError(f"{contract.name} declares no labeling stage, so it has no "
                                  "annotators to qualify; see the `labeling` custom property")
    stored = save_qualification(Layout(data_dir_from_env()), contract, spec, Path(args.path))
    rule = spec.qualification
    when = (f"an annotator's first {rule.items} answers must reach {rule.threshold:.0%} "
            "(not surely below it)" if rule is not None else
            "the contract sets no `qualification` rule, so every annotator's labels count")
    print(f"stored qualification answers for {contract.name} at {stored}; {when}; they apply "
          "to every batch materialized from now on")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops qualification`."""
    parser = add_verb(
        subparsers, "qualification", help="store annotators' qualification answers",
        description="Stores a CSV of every annotator's qualification answers (the "
        "contract's annotator, item and label columns plus `at`, an ISO 8601 time) for a "
        "dataset with a labeling stage; it replaces the previous file, so keep all answers "
        "in it. Every item must be a gold item (store gold answers first with `dataops "
        "gold`). With the contract's `qualification: {items, threshold}`, an annotator's "
        "labels count toward consensus only after their first `items` answers pass. A "
        "stray item, unknown label or bad time is refused (exit 2) and nothing is stored.",
        examples=["dataops qualification qualification.csv --dataset support_ticket_labels"])
    parser.add_argument("path")
    parser.add_argument("--dataset", required=True)
    parser.set_defaults(func=cmd_qualification)
