"""`dataops reference`: store an audited reference sample for a version."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops_assets.cli._common import add_verb
from governance.contracts import find_contract
from governance.identifiers import check_version
from governance.labeling.files import save_verdicts
from governance.labeling.spec import labeling_spec
from governance.reference import save_reference
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env


def cmd_reference(args: argparse.Namespace) -> int:
    """Store an audited reference sample for a version (feeds the accuracy dimension)."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    layout, version = Layout(data_dir_from_env()), check_version(args.version)
    spec = labeling_spec(contract)
    # A labeling batch's reference is its reviewers' verdicts, scored on the audit sample.
    stored = (save_reference(layout, contract, version, Path(args.path)) if spec is None
              else save_verdicts(layout, contract, spec, version, Path(args.path)))
    print(f"stored reference sample for {contract.name} {args.version} at {stored}; "
          "re-materialize the validated (or labeling) stage to measure accuracy")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops reference`."""
    parser = add_verb(
        subparsers, "reference", help="store an audited reference sample",
        description="Stores a CSV of audited rows for one version; the accuracy quality "
        "dimension compares the version with it. For a dataset with a labeling stage the "
        "file holds the reviewers' verdicts, scored on the audit sample: the item and "
        "its true label, and optionally error_category (why the label was wrong, from "
        "the contract's errorCategories), the annotator column (the verdict judges that "
        "annotator's label only) and reviewer. Re-materialize the validated (or "
        "labeling) stage afterwards to measure accuracy.",
        examples=[
            "dataops reference audited.csv --dataset loan_applications --version v1",
        ])
    parser.add_argument("path")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--version", required=True)
    parser.set_defaults(func=cmd_reference)
