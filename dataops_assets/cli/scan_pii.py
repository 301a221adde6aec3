"""`dataops scan-pii`: find personal data in the columns of a CSV or Parquet file."""

from __future__ import annotations

import argparse
import json

from dataops_assets.cli._common import add_verb
from governance.pii.engine import DEFAULT_MODEL
from governance.pii.sampling import DEFAULT_CONFIDENCE, DEFAULT_MIN_PREVALENCE
from governance.pii.scan import scan_file


def cmd_scan_pii(args: argparse.Namespace) -> int:
    """Classify the columns of a CSV or Parquet file and print JSON to stdout."""
    result = scan_file(args.path, confidence=args.confidence,
                       min_prevalence=args.min_prevalence, model=args.model,
                       use_name_hints=not args.ignore_names)
    print(json.dumps(result.as_json(), indent=2))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops scan-pii`."""
    parser = add_verb(
        subparsers, "scan-pii", help="find personal data in a CSV or Parquet file",
        description="Classifies each column of a CSV or Parquet file from a sized sample of "
        "its values (and its name, unless --ignore-names) and prints JSON on standard "
        "output: rows, rows scanned, seconds, and each column's detected entity types.",
        examples=[
            "dataops scan-pii landing/tickets.csv",
            "dataops scan-pii export.parquet --ignore-names --confidence 0.99",
        ])
    parser.add_argument("path")
    parser.add_argument("--confidence", type=float, default=DEFAULT_CONFIDENCE)
    parser.add_argument("--min-prevalence", type=float, default=DEFAULT_MIN_PREVALENCE)
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="an installed spaCy model package (default %(default)s)")
    parser.add_argument("--ignore-names", action="store_true",
                        help="judge by content only, not by column names")
    parser.set_defaults(func=cmd_scan_pii)
