"""Benchmark our drift report against Evidently's DataDriftPreset on the same synthetic data.

For each size (rows on each side) the script runs, each in its own fresh subprocess:

* ours: `governance.drift.report.compare_frames(reference, current, kinds)`;
* evidently: `Report([DataDriftPreset()]).run(current, reference)` (Evidently 0.7 API), with
  the numeric and categorical columns declared in a `DataDefinition` so that Evidently picks
  the same test family as ours (KS / chi-square up to 1,000 reference rows, normed
  Wasserstein / Jensen-Shannon above).

Each child builds the frames, makes one warm-up call on their first 2,000 rows (same test
regime; all rows of a small case) so that one-time costs (lazy imports, first-call caches)
are reported apart, then times one call on the full frames.

Both get the same deterministic frames: 10 columns (normal, lognormal and integer numerics,
categoricals with 5 to 8 values), 5 of them shifted in the current frame. Each engine runs
--repeats times, interleaved, and the median is reported. The script checks parity column
by column (test, score, drift decision, and the dataset verdict) and exits with status 1
when any of them differs. It also times `governance.labeling.metrics.compute_batch` on a
synthetic batch of 30,000 items x 3 annotators (no peer for that).

    .venv/bin/python bench/drift.py [--sizes 800 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import os

# Evidently's telemetry: its own event logger (evidently.telemetry) and its UI services
# honour DO_NOT_TRACK, the legacy code EVIDENTLY_DISABLE_TELEMETRY=1, and the
# iterative-telemetry package underneath ITERATIVE_DO_NOT_TRACK. All three are set
# before anything imports evidently; the children inherit them.
os.environ["DO_NOT_TRACK"] = "1"
os.environ["EVIDENTLY_DISABLE_TELEMETRY"] = "1"
os.environ["ITERATIVE_DO_NOT_TRACK"] = "1"

import argparse  # after the environment is set
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parent process must not import numpy or pandas (see run_child)
    import pandas as pd

import common  # bench/ is on sys.path when the script runs
from common import load_average, machine, peak_rss_mb, run_child
from drift_data import (
    CATEGORICAL,
    COLUMNS,
    GOLD_ITEMS,
    LABEL_ANNOTATORS,
    LABEL_ITEMS,
    LABEL_SET,
    LABELS_PER_ITEM,
    NUMERIC,
    frames,
    make_labeling_batch,
)

DEFAULT_SIZES = (800, 100_000, 1_000_000)
PACKAGES = ("evidently", "pandas", "numpy", "scipy")
DEFAULT_REPEATS = 3
OURS, EVIDENTLY, LABELING = "ours", "evidently", "labeling"
ENGINES = (OURS, EVIDENTLY)

# Evidently reports the display name of the test it picked; ours uses its own short names.
EVIDENTLY_TESTS = {"K-S p_value": "ks", "chi-square p_value": "chisquare",
                   "Wasserstein distance (normed)": "wasserstein",
                   "Jensen-Shannon distance": "jensenshannon"}
OUR_TESTS = {"ks": "ks", "chisquare": "chisquare", "wasserstein_norm": "wasserstein",
             "jensenshannon": "jensenshannon"}
P_VALUE_TESTS = {"ks", "chisquare"}

# Each child first runs its engine once on the first rows of the same data (the same test
# regime as the timed call: all 800 rows of the small case, 2,000 rows of the large ones),
# so one-time costs (lazy imports, first-call caches) are reported apart from the timed call.
WARMUP_ROWS = 2_000
WARMUP_RATINGS = 3_000


# --- child side: everything below runs in a fresh interpreter per measurement -------------


def _run_ours(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[float, dict[str, Any]]:
    """Time `compare_frames`; return the seconds and its per-column results."""
    from governance.drift.report import compare_frames
    from governance.drift.thresholds import DriftThresholds

    kinds = {name: kind for name, (kind, _) in COLUMNS.items()}
    # Parity is checked in Evidently's chi-square flavour; our default (two-sample) is run
    # too, untimed, so the report can show where the two flavours disagree.
    start = time.perf_counter()
    report = compare_frames(reference, current, kinds,
                            thresholds=DriftThresholds(chi2_test="evidently"))
    seconds = time.perf_counter() - start
    default = compare_frames(reference, current, kinds)
    columns = {}
    for c in report.columns:
        score = c.p_value if c.p_value is not None else c.statistic
        columns[c.column] = {"test": OUR_TESTS.get(c.test, c.test), "score": score,
                             "statistic": c.statistic, "drifted": bool(c.drifted)}
    dataset = {"share": report.share_drifted, "drift": report.dataset_drift,
               "default_drifted": default.drifted_columns}
    return seconds, {"columns": columns, "dataset": dataset}


def _pandas3_shim() -> None:
    """Give pandas 3 the helper evidently 0.7 imports from pandas 2 at import time."""
    # evidently.legacy.tests.data_integrity_tests imports infer_dtype_from_object, which
    # pandas 3 removed; only its column-type test calls it, never the drift code.
    import pandas as pd
    import pandas.core.dtypes.common as common

    if not hasattr(common, "infer_dtype_from_object"):
        common.infer_dtype_from_object = lambda dtype: pd.api.types.pandas_dtype(dtype).type


def _guard_network() -> list[str]:
    """Make every socket connect and DNS lookup fail; return the list the attempts go to."""
    import socket

    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args))
        raise OSError("network disabled by bench/drift.py")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    socket.create_connection = refuse  # type: ignore[assignment]
    return attempts


def _run_evidently(reference: pd.DataFrame,
                   current: pd.DataFrame) -> tuple[float, dict[str, Any]]:
    """Time Evidently's default data-drift report; return the seconds and its results."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(
        numerical_columns=[n for n, (kind, _) in COLUMNS.items() if kind == NUMERIC],
        categorical_columns=[n for n, (kind, _) in COLUMNS.items() if kind == CATEGORICAL])
    start = time.perf_counter()
    # include_tests gives Evidently's own per-column drift verdicts (test status FAIL).
    report = Report([DataDriftPreset()], include_tests=True)
    snapshot = report.run(Dataset.from_pandas(current, data_definition=definition),
                          Dataset.from_pandas(reference, data_definition=definition))
    seconds = time.perf_counter() - start
    out = snapshot.dict()
    columns: dict[str, dict[str, Any]] = {}
    dataset: dict[str, Any] = {}
    for metric in out["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":ValueDrift"):
            method = config["method"]
            columns[config["column"]] = {"test": EVIDENTLY_TESTS.get(method, method),
                                         "score": float(metric["value"])}
        elif config["type"].endswith(":DriftedColumnsCount"):
            dataset["share"] = float(metric["value"]["share"])
    for test in out["tests"]:
        params = test["metric_config"]["params"]
        if params["type"].endswith(":ValueDrift"):
            columns[params["column"]]["drifted"] = test["status"] == "FAIL"
        elif params["type"].endswith(":DriftedColumnsCount"):
            # The preset's test is "share of drifted columns < drift_share"; FAIL = drift.
            dataset["drift"] = test["status"] == "FAIL"
    return seconds, {"columns": columns, "dataset": dataset}


def child_drift(engine: str, rows: int) -> dict[str, Any]:
    """Build the frames, then run one engine once and measure it."""
    attempts: list[str] = []
    if engine == EVIDENTLY:
        attempts = _guard_network()
        _pandas3_shim()
        import evidently  # noqa: F401  (imported before the clock starts)
        from evidently.presets import DataDriftPreset  # noqa: F401
    else:
        from governance.drift import report  # noqa: F401
    reference, current = frames(rows)
    runner = _run_evidently if engine == EVIDENTLY else _run_ours
    warm = min(rows, WARMUP_ROWS)
    first_seconds, _ = runner(reference.iloc[:warm], current.iloc[:warm])
    base_mb = peak_rss_mb()
    seconds, results = runner(reference, current)
    return {"seconds": seconds, "first_seconds": first_seconds, "peak_mb": peak_rss_mb(),
            "base_mb": base_mb, "results": results, "network_attempts": attempts}


def child_labeling() -> dict[str, Any]:
    """Build the labeling batch, then time one `compute_batch` call."""
    from governance.labeling.metrics import compute_batch

    frame, gold = make_labeling_batch()
    start = time.perf_counter()
    compute_batch(frame.iloc[:WARMUP_RATINGS], gold, label_set=list(LABEL_SET))
    first_seconds = time.perf_counter() - start
    base_mb = peak_rss_mb()
    start = time.perf_counter()
    metrics = compute_batch(frame, gold, label_set=list(LABEL_SET))
    seconds = time.perf_counter() - start
    flagged = metrics.annotators.loc[metrics.annotators["flagged"], "annotator"].tolist()
    return {"seconds": seconds, "first_seconds": first_seconds, "peak_mb": peak_rss_mb(),
            "base_mb": base_mb,
            "ratings": len(frame), "items": int(frame["item"].nunique()),
            "alpha": metrics.krippendorff_alpha, "gold_accuracy": metrics.gold_accuracy,
            "pairs": len(metrics.pairs), "flagged": flagged}


def child_main(mode: str, rows: int) -> None:
    """Entry point of a child process: print one JSON line with the measurement."""
    out = child_labeling() if mode == LABELING else child_drift(mode, rows)
    print(json.dumps(out))


# --- parent side: orchestrates children and never imports numpy, pandas or evidently -------
# A child started by fork/vfork + exec inherits the parent's peak RSS into its own
# ru_maxrss, so a heavy parent would inflate every child's figure.


@dataclass
class Measurement(common.Measurement):
    """The repeats of one engine at one size, with warm-up times and the last result."""

    first_seconds: list[float] = field(default_factory=list)
    last: dict[str, Any] | None = None


def measure(mode: str, rows: int, found: Measurement, repeat: int, repeats: int) -> None:
    """Run one child and add its figures to `found` (or record its error)."""
    if found.error:
        return
    try:
        out = run_child(__file__, mode, "--sizes", str(rows))
    except RuntimeError as exc:
        found.error = str(exc)
        return
    found.seconds.append(out["seconds"])
    found.first_seconds.append(out["first_seconds"])
    found.peak_mb.append(out["peak_mb"])
    found.base_mb.append(out["base_mb"])
    found.last = out
    print(f"  {found.rows:>11,} {mode:<10} run {repeat + 1}/{repeats}: {out['seconds']:8.3f} s "
          f"(warm-up call {out['first_seconds']:.3f} s), peak {out['peak_mb']:6.0f} MB",
          flush=True)


@dataclass
class Parity:
    """How ours and Evidently compare on one size."""

    rows: int
    max_diff: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """'agree' or the number of disagreements."""
        return "agree" if not self.problems else f"DIFFER ({len(self.problems)})"


def _fmt_score(value: float | None) -> str:
    """A score in a compact form that still shows tiny p-values."""
    if value is None:
        return "-"
    return f"{value:.6f}" if abs(value) >= 1e-4 or value == 0 else f"{value:.3e}"


def parity(rows: int, ours: dict[str, Any], theirs: dict[str, Any]) -> Parity:
    """Compare tests, scores and drift decisions column by column, and the dataset verdict."""
    p = Parity(rows)
    header = (f"{'column':<18} | {'planted':<7} | {'test ours/ev':<27} | {'score ours':>12} | "
              f"{'score evidently':>15} | {'|diff|':>9} | drift ours/ev")
    p.lines += [header, "-" * len(header)]
    for name, (_, shifted) in COLUMNS.items():
        a, b = ours["columns"].get(name), theirs["columns"].get(name)
        if a is None or b is None:
            p.problems.append(f"{name}: missing from {'ours' if a is None else 'evidently'}")
            continue
        diff = abs(a["score"] - b["score"])
        p.max_diff[a["test"]] = max(p.max_diff.get(a["test"], 0.0), diff)
        tests = a["test"] if a["test"] == b["test"] else f"{a['test']} / {b['test']}"
        if a["test"] != b["test"]:
            p.problems.append(f"{name}: test ours {a['test']}, evidently {b['test']}")
        if a["drifted"] != b.get("drifted"):
            p.problems.append(f"{name}: drift decision ours {a['drifted']}, "
                              f"evidently {b.get('drifted')} (score ours {a['score']!r}, "
                              f"evidently {b['score']!r})")
        p.lines.append(f"{name:<18} | {'shift' if shifted else '-':<7} | {tests:<27} | "
                       f"{_fmt_score(a['score']):>12} | {_fmt_score(b['score']):>15} | "
                       f"{diff:9.1e} | {a['drifted']!s:>5} / {b.get('drifted')!s}")
    da, db = ours["dataset"], theirs["dataset"]
    p.lines.append(f"dataset: share drifted ours {da['share']:.2f} / evidently "
                   f"{db.get('share', float('nan')):.2f}; dataset drift ours {da['drift']} / "
                   f"evidently {db.get('drift')}")
    if da["drift"] != db.get("drift"):
        p.problems.append(f"dataset drift ours {da['drift']}, evidently {db.get('drift')}")
    return p


def print_table(measurements: list[Measurement], parities: dict[int, Parity]) -> None:
    """Print median time, throughput, memory, the ours/evidently ratio and parity."""
    header = (f"{'rows/side':>11} | {'engine':<9} | {'median s':>8} | {'rows/s':>12} | "
              f"{'warm-up s':>9} | {'peak RSS MB':>11} | {'base RSS MB':>11} | {'ours/ev':>7} | "
              "parity")
    print(header)
    print("-" * len(header))
    theirs = {m.rows: m for m in measurements if m.engine == EVIDENTLY and m.seconds}
    for m in measurements:
        if m.error or not m.seconds:
            print(f"{m.rows:>11,} | {m.engine:<9} | FAILED: {m.error}")
            continue
        ratio, verdict = "", ""
        if m.engine == OURS:
            if m.rows in theirs:
                ratio = f"{m.median / theirs[m.rows].median:7.2f}"
            verdict = parities[m.rows].verdict if m.rows in parities else "not checked"
        # Both sides are read, so throughput counts reference + current rows.
        print(f"{m.rows:>11,} | {m.engine:<9} | {m.median:8.3f} | "
              f"{2 * m.rows / m.median:12,.0f} | "
              f"{statistics.median(m.first_seconds):9.3f} | {max(m.peak_mb):11.0f} | "
              f"{statistics.median(m.base_mb):11.0f} | {ratio:>7} | {verdict}")


def run_labeling(repeats: int) -> Measurement:
    """Time compute_batch `repeats` times, each in a fresh process, and print the figures."""
    found = Measurement(LABEL_ITEMS * LABELS_PER_ITEM, LABELING)
    for repeat in range(repeats):
        measure(LABELING, 0, found, repeat, repeats)
    if found.error or found.last is None:
        print(f"labeling compute_batch: FAILED: {found.error}")
        return found
    out = found.last
    print(f"labeling compute_batch: {out['ratings']:,} ratings ({out['items']:,} items x "
          f"{LABELS_PER_ITEM}, {LABEL_ANNOTATORS} annotators, 2 vendors, {GOLD_ITEMS} gold "
          f"items): median {found.median:.3f} s ({out['ratings'] / found.median:,.0f} "
          f"ratings/s; warm-up call on {WARMUP_RATINGS:,} ratings "
          f"{statistics.median(found.first_seconds):.3f} s), peak RSS "
          f"{max(found.peak_mb):.0f} MB (base {statistics.median(found.base_mb):.0f} MB)")
    print(f"  alpha {out['alpha']:.3f}, gold accuracy {out['gold_accuracy']:.3f}, "
          f"{out['pairs']} annotator pairs, flagged: {', '.join(out['flagged']) or 'none'}")
    return found


def parent_main(sizes: list[int], repeats: int) -> int:
    """Measure every size, check parity, time the labeling batch; return the exit code."""
    print(f"machine: {machine(PACKAGES)}")
    print(f"load average at start: {load_average()}")
    print(f"{len(COLUMNS)} columns ({sum(s for _, s in COLUMNS.values())} shifted), "
          f"{repeats} repeats per engine, interleaved, each in a fresh process; "
          "median reported; data built before the clock starts; each child first makes "
          f"a warm-up call on the first {WARMUP_ROWS:,} rows (all rows when fewer), timed "
          "apart")
    measurements: list[Measurement] = []
    parities: dict[int, Parity] = {}
    failures: list[str] = []
    for rows in sizes:
        print(f"\n{rows:,} rows on each side", flush=True)
        found = {e: Measurement(rows, e) for e in ENGINES}
        for repeat in range(repeats):
            for engine, m in found.items():
                measure(engine, rows, m, repeat, repeats)
        measurements += found.values()
        ours, theirs = found[OURS].last, found[EVIDENTLY].last
        if theirs and theirs["network_attempts"]:
            failures.append(f"{rows:,}: evidently tried the network: "
                            f"{theirs['network_attempts'][:3]}")
        if ours is None or theirs is None:
            failures += [f"{rows:,} {m.engine}: {m.error}" for m in found.values() if m.error]
            continue
        p = parity(rows, ours["results"], theirs["results"])
        parities[rows] = p
        print("\n".join(p.lines))
        diffs = ", ".join(f"{test} {value:.1e}" for test, value in sorted(p.max_diff.items()))
        print(f"parity {rows:,}: {p.verdict}; max |score diff| by test: {diffs}")
        flagged = ours["results"]["dataset"]["default_drifted"]
        print(f"  our default (two-sample chi-square) flags: {', '.join(flagged)}")
        failures += [f"{rows:,} rows: {line}" for line in p.problems]
    print()
    labeling = run_labeling(repeats)
    if labeling.error:
        failures.append(f"labeling: {labeling.error}")
    print(f"\nload average at end: {load_average()}")
    print_table(measurements, parities)
    all_diffs = [v for p in parities.values() for v in p.max_diff.values()]
    if all_diffs:
        print(f"\nmax |score diff| over all sizes and columns: {max(all_diffs):.1e} "
              "(score = p-value for ks/chisquare, distance for wasserstein/jensenshannon)")
    for line in failures:
        print(f"PARITY/RUN FAILURE: {line}")
    return 1 if failures else 0


def main() -> None:
    """Parse the command line and run as parent or as a measuring child."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="rows on each side (default: 800 100000 1000000)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="runs per engine; the median is reported (default: 3)")
    parser.add_argument("--child", choices=[*ENGINES, LABELING], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.sizes[0])
        return
    sys.exit(parent_main(args.sizes, args.repeats))


if __name__ == "__main__":
    main()
