"""`dataops pilot`: take in a vendor pilot on gold items and compare the vendors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dataops_assets.cli._common import add_verb
from governance.contracts import find_contract
from governance.errors import UnknownDatasetError
from governance.labeling.spec import labeling_spec
from governance.planning.pilot import PilotVendor, check_pilot_id, pilot_id_for, take_in_pilot
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.storage import now_utc
from governance.warehouse import open_warehouse


def _money(value: float | None, currency: str) -> str:
    return "-" if value is None else f"{value:.4f} {currency}"


def _table(vendors: list[PilotVendor], currency: str) -> str:
    lines = [f"{'vendor':<16} {'labels':>6} {'accuracy':>9} {'95% interval':>16} "
             f"{'labels/h':>9} {'per label':>14} {'per correct':>14}  below target"]
    for v in vendors:
        low, high = v.accuracy.interval or (float("nan"), float("nan"))
        per_hour = "-" if v.labels_per_hour is None else f"{v.labels_per_hour:.1f}"
        lines.append(
            f"{v.vendor:<16} {v.labels:>6} {v.accuracy.estimate or 0:>9.1%} "
            f"{f'{low:.1%}-{high:.1%}':>16} {per_hour:>9} "
            f"{_money(v.cost_per_label, currency):>14} "
            f"{_money(v.cost_per_correct_label, currency):>14}  "
            f"{'yes' if v.below_target else 'no'}")
    lines += [f"  {v.vendor}: {v.below_target}" for v in vendors if v.below_target]
    return "\n".join(lines)


def cmd_pilot(args: argparse.Namespace) -> int:
    """Judge a pilot file on gold items, store it, and print the vendors side by side."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    spec = labeling_spec(contract)
    if spec is None:
        raise UnknownDatasetError(f"{contract.name} declares no labeling stage, so it has no "
                                  "vendors to pilot; see the `labeling` custom property")
    path = Path(args.path)
    pilot = check_pilot_id(args.pilot) if args.pilot else pilot_id_for(path)
    layout = Layout(data_dir_from_env())
    target = spec.targets.get("goldAccuracy")
    vendors = take_in_pilot(open_warehouse(layout), layout, contract.name, spec, path, pilot,
                            target, now_utc())
    if args.json:
        print(json.dumps({"dataset": contract.name, "pilot": pilot, "currency": spec.currency,
                          "target": target, "vendors": [v.to_json() for v in vendors]},
                         indent=2))
        return 0
    print(f"pilot {pilot} of {contract.name}: {len(vendors)} vendors on the same gold items, "
          f"stored in main.labeling_pilots")
    print(_table(vendors, spec.currency or ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops pilot`."""
    parser = add_verb(
        subparsers, "pilot", help="compare labeling vendors on the same gold items",
        description="Takes in a vendor pilot: a CSV with the labeling contract's columns "
        "where every item is a gold item (store the answers first with `dataops gold`). "
        "Per vendor and annotator it stores labels, gold answers right, active time and "
        "cost in main.labeling_pilots (a pilot id's earlier rows are replaced), then prints "
        "each vendor's accuracy with its 95% Wilson interval, labels per hour, cost per "
        "label and per correct label, and whether the vendor is surely below the "
        "goldAccuracy target. The vendor_comparison asset shows the pilot beside the "
        "vendors' batch history.\n\nAn item without a gold answer is refused with its file "
        "and line (exit 2).",
        examples=["dataops pilot pilot.csv --dataset support_ticket_labels",
                  "dataops pilot pilot.csv --dataset support_ticket_labels --pilot "
                  "pilot-2026-11 --json"])
    parser.add_argument("path")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--pilot", help="the pilot's id (default: the file's name)")
    parser.add_argument("--json", action="store_true",
                        help="print the comparison as JSON on standard output")
    parser.set_defaults(func=cmd_pilot)
