"""Backtest of `dataops plan`'s forecast: is its P90 a P90? (prints figures; not a test)

Each batch of a history is forecast from the batches before it, with the same items and
the same vendor split as the batch really had, and the actual working days and cost are
compared with the forecast's P10, P50 and P90.

(a) The demo: batch v2 forecast from v1 and the pilots, on a data directory made by
    `dataops demo` (--data-dir; labels only: the demo records no review timings).
(b) Synthetic histories of 24 batches each with known changes: vendor B's throughput drops
    30% at batch 12, B's headcount grows from 4 to 6 at batch 8, new annotators join
    (slower for their first two batches), and batches differ in item difficulty. The seeds
    are split in two: the bootstrap's half-life and spread are tuned on the first half
    only, and the second (held-out) half is the headline.

    .venv/bin/python bench/plan_backtest.py [--histories 40] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from governance.labeling.sampling import sample_size_for_proportion
from governance.planning.forecast import Bootstrap, draw_samples, evaluate
from governance.planning.history import BatchHistory, History
from governance.planning.spec import VendorCapacity
from governance.planning.work import Work

BATCHES, REDUNDANCY, FIRST_FORECAST = 24, 3, 3
PRICES = {"A": (12.0, "hour"), "B": (0.07, "label")}
BASE_RATE = {"A": 70.0, "B": 110.0}
HOURS = {"A": 6.0, "B": 7.0}
HALF_LIVES: tuple[float | None, ...] = (None, 2.0, 4.0, 8.0)
SPREADS = (0.0, 0.05, 0.1, 0.15, 0.2)


@dataclass(frozen=True)
class Case:
    """One batch to forecast: the history before it, its plan, and what really happened."""

    history: History
    work: Work
    shares: dict[str, float]
    vendors: dict[str, VendorCapacity]
    reviewer: str
    days: float
    cost: float
    batch: int = 0  # its number in the history


def _vendors(headcount: dict[str, int]) -> dict[str, VendorCapacity]:
    return {v: VendorCapacity(v, headcount[v], HOURS[v], PRICES[v][0], PRICES[v][1], "USD")
            for v in ("A", "B")}


def synthetic_cases(seed: int, batches: int = BATCHES) -> list[Case]:
    """A synthetic history, and one case per batch from FIRST_FORECAST on."""
    rng = np.random.default_rng(seed)
    team = {v: [float(BASE_RATE[v] * rng.lognormal(0, 0.2)) for _ in range(n)]
            for v, n in (("A", 8), ("B", 4))}
    joined = {v: [0] * len(team[v]) for v in team}
    past: list[BatchHistory] = []
    cases = []
    for k in range(1, batches + 1):
        if k == 8:  # B hires two annotators (4 -> 6)
            team["B"] += [float(BASE_RATE["B"] * rng.lognormal(0, 0.2)) for _ in range(2)]
            joined["B"] += [k, k]
        if k == 16:  # one of A's annotators is replaced by a newcomer
            team["A"][0], joined["A"][0] = float(BASE_RATE["A"] * rng.lognormal(0, 0.2)), k
        headcount = {v: len(team[v]) for v in team}
        difficulty = rng.lognormal(0, 0.08)
        rates = {}
        for v in team:
            drop = 0.7 if (v == "B" and k >= 12) else 1.0
            rates[v] = tuple(float(base / difficulty * drop * rng.lognormal(0, 0.1)
                                   * (0.8 if k - j < 2 else 1.0))
                             for base, j in zip(team[v], joined[v], strict=True))
        items = int(rng.integers(200, 601))
        share_a = float(rng.choice([0.2, 0.3, 0.4, 0.5]))
        shares = {"A": share_a, "B": 1 - share_a}
        adjudicated = int(rng.binomial(items, rng.beta(2, 60)))
        labels = items * REDUNDANCY
        audit = sample_size_for_proportion(labels, 0.03, 0.95)
        vendors = _vendors(headcount)
        days, cost = 0.0, 0.0
        for v, share in shares.items():
            work_v = share * labels + (audit + adjudicated if v == "A" else 0)
            hours = work_v / float(np.mean(rates[v]))
            days = max(days, hours / vendors[v].hours_per_working_day)
            cost += PRICES[v][0] * (hours if PRICES[v][1] == "hour" else work_v)
        work = Work(items, 0, REDUNDANCY, audit, adjudicated / items)
        history = History("synthetic", tuple(past))
        if k >= FIRST_FORECAST:
            cases.append(Case(history, work, shares, vendors, "A", days, cost, k))
        past.append(BatchHistory(f"v{k}", items, labels, 0, adjudicated, audit, cost, None,
                                 rates, {v: round(s * labels) for v, s in shares.items()}))
    return cases


def forecast(case: Case, settings: Bootstrap) -> tuple[np.ndarray, np.ndarray]:
    """P10, P50, P90 of working days and of cost for one case."""
    samples = draw_samples(case.history, case.vendors, settings)
    out = evaluate(case.work, case.shares, case.vendors, case.reviewer, samples)
    return np.quantile(out.days, [0.1, 0.5, 0.9]), np.quantile(out.cost, [0.1, 0.5, 0.9])


def score(cases: list[Case], settings: Bootstrap) -> dict[str, float]:
    """Coverage at P90, inside P10-P90, and median absolute % error of P50, time and cost."""
    hits = {k: [] for k in ("time_p90", "time_in", "cost_p90", "cost_in")}
    errors: dict[str, list[float]] = {"time": [], "cost": []}
    for case in cases:
        for name, q, actual in zip(("time", "cost"), forecast(case, settings),
                                   (case.days, case.cost), strict=True):
            hits[f"{name}_p90"].append(actual <= q[2])
            hits[f"{name}_in"].append(q[0] <= actual <= q[2])
            errors[name].append(abs(q[1] - actual) / actual)
    out = {k: float(np.mean(v)) for k, v in hits.items()}
    out.update({f"{k}_mdape": float(np.median(v)) for k, v in errors.items()})
    out["cases"] = len(cases)
    return out


def tune(cases: list[Case], draws: int) -> Bootstrap:
    """The half-life and spread whose P90 coverage is nearest 90% on the tuning cases."""
    def loss(s: Bootstrap) -> float:
        r = score(cases, s)
        return abs(r["time_p90"] - 0.9) + abs(r["cost_p90"] - 0.9) + 0.5 * r["time_mdape"]
    grid = [Bootstrap(draws=draws, seed=11, half_life=h, spread=s)
            for h, s in itertools.product(HALF_LIVES, SPREADS)]
    return min(grid, key=loss)


def demo_case(data_dir: Path) -> Case | None:
    """The demo's v2 forecast from v1 and the pilots (labels only), or None without it."""
    import duckdb

    from governance.contracts import find_contract
    from governance.defaults import default_contracts_dir
    from governance.planning.history import read_history
    from governance.planning.spec import planning_spec

    path = data_dir / "warehouse.duckdb"
    if not path.is_file():
        return None
    with duckdb.connect(str(path), read_only=True) as conn:
        full = read_history(conn, "support_ticket_labels")
    if len(full.batches) < 2:
        return None
    spec = planning_spec(find_contract(default_contracts_dir(), "support_ticket_labels"))
    actual = full.batches[1]
    labels = sum(actual.labels_by_vendor.values())
    shares = {v: n / labels for v, n in actual.labels_by_vendor.items()}
    vendors = {v: spec.vendor(v) for v in shares}
    days, cost = 0.0, 0.0
    for v in shares:
        hours = actual.labels_by_vendor[v] / float(np.mean(actual.rates[v]))
        days = max(days, hours / vendors[v].hours_per_working_day)
        cost += actual.cost_by_vendor[v]
    past = replace(full.until(actual.version),
                   batches=tuple(replace(b, adjudication_items=0) for b in full.batches[:1]))
    return Case(past, Work(labels, 0, 1, 0, 0.0), shares, vendors, next(iter(shares)), days,
                cost)


def _show(label: str, r: dict[str, float]) -> None:
    print(f"{label:<28} cases {r['cases']:>4}  time: <=P90 {r['time_p90']:6.1%}  in P10-P90 "
          f"{r['time_in']:6.1%}  MdAPE(P50) {r['time_mdape']:6.1%}   cost: <=P90 "
          f"{r['cost_p90']:6.1%}  in P10-P90 {r['cost_in']:6.1%}  MdAPE(P50) "
          f"{r['cost_mdape']:6.1%}")


def main(argv: list[str] | None = None) -> int:
    """Run the backtest and print its calibration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=40)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args(argv)
    half = args.histories // 2
    tuning = [c for s in range(half) for c in synthetic_cases(s)]
    held = [c for s in range(half, args.histories) for c in synthetic_cases(s)]
    default = Bootstrap(draws=args.draws)
    _show("tuning half, shipped", score(tuning, default))
    _show("held-out half, shipped", score(held, default))
    best = tune(tuning, args.draws)
    print(f"tuned on the tuning half: half_life={best.half_life} spread={best.spread}")
    _show("tuning half, tuned", score(tuning, best))
    _show("held-out half, tuned", score(held, best))
    naive = Bootstrap(draws=args.draws, half_life=None, spread=0.0)
    _show("held-out, plain bootstrap", score(held, naive))
    # Right after the known changes: B's drop (batch 12) and hires (batch 8), A's newcomer.
    changed = [c for c in held if c.batch in (8, 9, 12, 13, 16, 17)]
    _show("held-out, after a change", score(changed, default))
    _show("held-out, plain, after", score(changed, naive))
    if args.data_dir is not None:
        case = demo_case(args.data_dir)
        if case is None:
            print(f"demo: no two labeling batches in {args.data_dir}")
        else:
            days, cost = forecast(case, default)
            print(f"demo v2 from v1: working days actual {case.days:.2f}, forecast P10/P50/"
                  f"P90 {days[0]:.2f}/{days[1]:.2f}/{days[2]:.2f}; cost actual {case.cost:.2f}"
                  f", forecast {cost[0]:.2f}/{cost[1]:.2f}/{cost[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
