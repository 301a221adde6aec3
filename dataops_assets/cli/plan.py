"""`dataops plan`: forecast the time, cost and vendor mix of labeling N items.

It reads the warehouse read-only (batch history, vendor pilots, drift summaries), the raw
store's arrival times and the drift refresh ledger; it writes nothing.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import date
from typing import Any

from dataops_assets.cli._common import add_verb
from governance.contracts import find_contract
from governance.labeling.spec import labeling_spec
from governance.planning.forecast import DEFAULT_DRAWS, DEFAULT_SEED, Bootstrap, PlanningError
from governance.planning.inputs import plan_inputs
from governance.planning.plan import Plan, PlanRequest, make_plan
from governance.planning.spec import planning_spec
from governance.planning.vendors import compare_vendors
from governance.quality.rules import quality_spec
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.warehouse import open_warehouse


def _date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlanningError(f"{flag} {text!r} is not a date; write YYYY-MM-DD") from None


def _vendors(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    if not names:
        raise PlanningError("--vendors names no vendor; write e.g. --vendors in_house,acme")
    return names


def build_plan(args: argparse.Namespace) -> Plan:
    """The plan `dataops plan` prints, from its arguments and the data directory."""
    contracts_dir = contracts_dir_from_env()
    contract = find_contract(contracts_dir, args.dataset)
    spec = planning_spec(contract)
    labeling = labeling_spec(contract)
    if spec is None or labeling is None:
        raise PlanningError(f"{contract.name} declares no labeling vendors; add "
                            "labeling.vendors and labeling.plan to its contract to plan it")
    start = _date(args.start, "--start") if args.start else date.today()
    deadline = _date(args.deadline, "--deadline") if args.deadline else None
    if deadline is not None and deadline < start:
        raise PlanningError(f"the deadline {deadline} is already past (the plan starts "
                            f"{start}); give a later --deadline")
    if args.budget is not None and args.budget < 0:
        raise PlanningError("--budget must be an amount of 0 or more")
    request = PlanRequest(args.items, start, deadline, args.budget, _vendors(args.vendors),
                          Bootstrap(draws=args.draws, seed=args.seed))
    layout = Layout(data_dir_from_env())
    warehouse = open_warehouse(layout)
    if not warehouse.exists():
        raise PlanningError(f"no warehouse in {layout.data_dir}: label a batch (or run "
                            "`dataops demo`) before planning")
    with warehouse.reader() as conn:
        history, refresh = plan_inputs(conn, layout, contracts_dir, contract.name,
                                       labeling.labels_dataset, labeling.column("finishedAt"))
        comparison = compare_vendors(conn, contract.name, labeling.targets.get("goldAccuracy"),
                                     quality_spec(contract).targets.get("accuracy"))
    plan = make_plan(request, spec, labeling, history, refresh)
    # What the vendor comparison marks beyond gold accuracy, for the vendors the plan keeps.
    kept = set(plan.vendor_items) - {e.vendor for e in plan.excluded}
    return replace(plan, cautions=tuple(
        (v.vendor, reason) for v in comparison.vendors if v.vendor in kept
        for reason in v.below_target if not reason.startswith("gold accuracy")))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def render(data: dict[str, Any]) -> str:
    """The plan as a short readable table."""
    cur, work = data["currency"], data["work"]
    days = data["working_days"]
    lines = [
        f"Plan for {data['items']:,} items of {data['dataset']} (from {data['start']}; "
        f"{data['draws']:,} bootstrap draws, seed {data['seed']}; history: "
        f"{_count(data['history']['batches'], 'batch', 'batches')}, "
        f"{_count(data['history']['pilots'], 'pilot', 'pilots')})",
        f"  work      {data['ratings']:,} ratings = {work['batch_items']:,} items incl. "
        f"{work['gold_items']:,} gold x {work['redundancy']} + {work['audit_reviews']:,} "
        f"audit reviews + {work['adjudications']:,.0f} adjudications, in "
        f"{_count(work['batches'], 'batch', 'batches')} (each audited on its own)",
        f"  done      P50 {data['completion_p50']}, P90 {data['completion_p90']} "
        f"({days['p50']:g} / {days['p90']:g} working days)",
        f"  cost      P50 {_money(data['cost_p50'], cur)}, P90 {_money(data['cost_p90'], cur)}"
        f" ({data['cost_per_item_p50']:.4f} {cur} per item at P50)"]
    if data["deadline"]:
        verdict = "met at P90" if data["meets_deadline"] else "NOT met (fastest mix shown)"
        lines.append(f"  deadline  {data['deadline']}: {verdict}")
    if data["budget"]:
        b = data["budget"]
        lines.append(f"  budget    {_money(b['remaining'], cur)} left of "
                     f"{_money(b['amount'], cur)} ({b['source']}): "
                     + ("P90 cost fits" if b["within"] else "P90 cost does NOT fit"))
    lines.append(f"  {'vendor':<16}{'share':>6}{'items':>8}{'ratings':>9}{'hours':>8}"
                 f"{'cost P50':>14}")
    for name, v in data["vendors"].items():
        lines.append(f"  {name:<16}{v['share']:>6.0%}{v['items']:>8,}{v['ratings']:>9,}"
                     f"{v['hours']:>8,.0f}{_money(v['cost'], cur):>14}")
    lines.append(f"  (reviews by {data['reviewer']})")
    for e in data["excluded"]:
        lines.append(f"  excluded  {e['vendor']}: {e['reason']}")
    for c in data["cautions"]:
        lines.append(f"  caution   {c['vendor']}: {c['reason']} (plans exclude on gold "
                     "accuracy only)")
    lines.append("  sensitivity (change of completion P90 in working days, of cost P50):")
    for s in data["sensitivity"]:
        lines.append(f"    {s['factor']:<18}{s['change']:>+5.0%}  {s['completion_p90_days']:>+7.2f}"
                     f" d  {s['cost_p50']:>+12,.2f} {cur}")
    r = data["refresh"]
    if r:
        n, c = r["batches_per_quarter"], r["cost_per_quarter"]
        lines.append(
            f"  refresh   {r['dataset']}: {r['requests']} refresh requests in "
            f"{r['judged_versions']} judged versions, ~{r['versions_per_quarter']} versions a "
            f"quarter ({r['cadence_source']}): {n['mean']:g} refresh batches per quarter "
            f"(P10-P90 {n['p10']:g}-{n['p90']:g}) of {r['batch_items']} items, "
            f"{_money(c['p50'], cur)} (P10-P90 {_money(c['p10'], cur)}-"
            f"{_money(c['p90'], cur)})")
    elif data["refresh_note"]:
        lines.append(f"  refresh   {data['refresh_note']}")
    return "\n".join(lines)


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the plan as a table, or as JSON with --json."""
    data = build_plan(args).to_json()
    print(json.dumps(data, indent=2) if args.json else render(data))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops plan`."""
    parser = add_verb(
        subparsers, "plan", help="forecast time, cost and vendor mix of labeling N items",
        description="Forecasts labeling N items under the contract's redundancy, gold share "
        "and audit plan: the ratings it takes, the completion date at P50 and P90 and the "
        "cost at P50 and P90 (a seeded bootstrap over the measured per-annotator "
        "throughput, with the vendors' declared headcount and hours per working day), the "
        "cheapest vendor mix that meets the deadline at P90 (vendors surely below the gold "
        "accuracy target are excluded, with the reason), the budget left, a sensitivity "
        "table and the expected refresh labeling batches per quarter.\n\nIt reads the "
        "warehouse read-only and writes nothing.",
        examples=["dataops plan --dataset support_ticket_labels --items 5000",
                  "dataops plan --dataset support_ticket_labels --items 5000 "
                  "--deadline 2027-01-15 --json",
                  "dataops plan --dataset support_ticket_labels --items 800 --vendors "
                  "in_house --budget 400"],
        exit_codes=["0  the plan was printed (whether or not it meets the deadline)",
                    "2  refused: unknown dataset or vendor, no vendors declared, no history, "
                    "past deadline"])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--items", type=int, required=True, help="items to label")
    parser.add_argument("--deadline", help="date to finish by (YYYY-MM-DD)")
    parser.add_argument("--budget", type=float,
                        help="money available for this work (default: the contract budget "
                        "left)")
    parser.add_argument("--vendors", help="comma-separated vendors to consider (default: all "
                        "declared)")
    parser.add_argument("--start", help="start date (YYYY-MM-DD; default: today)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(func=cmd_plan)
