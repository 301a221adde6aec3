"""Benchmark the risk audit sample against the random audit sample on planted label errors.

Synthetic labeling batches like the demo's (300 support tickets, 3 labels each from 8
annotators of two vendors), with ticket text from the demo's templates
(dataops_assets/demo/text_templates.py, without its personal-data sentences) and label
errors planted at a known rate: each label is independently replaced by another label
with probability `rate`. Two measurements:

1. Errors found per audited label, for the same audit budget: a seeded random sample of
   `--share` of the labels (the project's stratified draw) and a risk sample of the same
   size from the labels it left out, taken by the project's own code
   (governance.labeling.risk.label_quality on the batch's majority-vote consensus, then
   governance.labeling.risk_audit.draw_risk_sample). Target: the risk sample finds
   >= 2x the errors per audited label of the random sample (ratio of the means over the
   repeats, per rate).
2. Coverage of the accuracy estimate: the contract's margin plan (+/-3 points at 95%,
   governance.labeling.sampling) drawn on a fresh batch per repeat; the estimate must fall
   within the stated margin of the batch's true accuracy in >= 95% of the repeats.

No timing: the script prints figures and exits 1 when a target is missed.

    .venv/bin/python bench/labeling_risk_audit.py [--rates 0.05 0.1 0.2] [--repeats 50]
        [--coverage-repeats 200] [--share 0.05]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date

import pandas as pd
from common import load_average, machine

from dataops_assets.demo import text_templates as tt
from governance.labeling.consensus import majority_vote
from governance.labeling.risk import label_quality
from governance.labeling.risk_audit import draw_risk_sample
from governance.labeling.sampling import sample_size_for_proportion, stratified_sample

ITEMS, RATINGS = 300, 3
TEAM = {"IH-01": "in_house", "IH-02": "in_house", "IH-03": "in_house", "IH-04": "in_house",
        "AC-01": "acme_labeling", "AC-02": "acme_labeling", "AC-04": "acme_labeling",
        "AC-05": "acme_labeling"}
# The demo's category mix (support_tickets v1): most tickets are billing or technical.
WEIGHTS = {"billing": 0.3, "technical": 0.3, "account": 0.2, "shipping": 0.15, "other": 0.05}
MARGIN, CONFIDENCE = 0.03, 0.95
AS_OF = date(2026, 11, 25)


def ticket_text(rng: random.Random, category: str) -> str:
    """A subject and body like the demo's, without personal-data sentences."""
    tokens = tt.look_alike_tokens(rng, AS_OF)
    sentences = rng.sample(tt.CORE[category], k=2 if rng.random() < 0.3 else 1)
    if rng.random() < 0.3:
        sentences.append(rng.choice(tt.DETAIL[category]))
    parts = (rng.choice(tt.SUBJECTS[category]), rng.choice(tt.OPENERS), *sentences,
             rng.choice(tt.CLOSERS))
    return " ".join(p for p in parts if p).format(**tokens)


def make_batch(seed: int, rate: float, with_text: bool = True
               ) -> tuple[pd.DataFrame, dict[str, str]]:
    """One batch: rows (item, annotator, vendor, label, wrong) and each item's text."""
    rng = random.Random(seed)
    labels = list(WEIGHTS)
    rows, texts = [], {}
    for n in range(ITEMS):
        item = f"T-{n:06d}"
        truth = rng.choices(labels, weights=list(WEIGHTS.values()))[0]
        if with_text:
            texts[item] = ticket_text(rng, truth)
        for who in rng.sample(sorted(TEAM), RATINGS):
            given = truth
            if rng.random() < rate:
                given = rng.choice([c for c in labels if c != truth])
            rows.append({"item": item, "annotator": who, "vendor": TEAM[who], "label": given,
                         "wrong": given != truth})
    return pd.DataFrame(rows), texts


def compare(seed: int, rate: float, share: float) -> dict[str, float]:
    """Errors per audited label: random sample vs risk sample of the same size."""
    frame, texts = make_batch(seed, rate)
    size = max(1, round(share * len(frame)))
    random_sample = stratified_sample(frame, size, "vendor", seed)
    consensus = majority_vote(frame)
    agreed = {str(i): (None if pd.isna(lab) else str(lab))
              for i, lab in consensus[["item", "label"]].itertuples(index=False)}
    scores = label_quality(frame, texts, agreed, list(WEIGHTS), seed)
    risk = draw_risk_sample(scores, frame, random_sample, size, seed)
    wrong = {(i, a): w for i, a, w in frame[["item", "annotator", "wrong"]]
             .itertuples(index=False)}
    risk_errors = sum(wrong[(i, a)] for i, a in zip(risk["item"], risk["annotator"],
                                                    strict=True))
    return {"size": size, "random": float(random_sample["wrong"].mean()),
            "risk": risk_errors / len(risk), "planted": float(frame["wrong"].mean())}


def coverage(seed: int, rate: float) -> float:
    """How far the margin plan's accuracy estimate is from the batch's true accuracy."""
    frame, _ = make_batch(seed, rate, with_text=False)
    size = sample_size_for_proportion(len(frame), MARGIN, CONFIDENCE)
    sample = stratified_sample(frame, size, "vendor", seed)
    return abs(float(sample["wrong"].mean()) - float(frame["wrong"].mean()))


def main() -> int:
    """Run both measurements for each planted error rate and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--coverage-repeats", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.05,
                        help="audit budget as a share of the batch's labels")
    args = parser.parse_args()
    started = time.perf_counter()
    print(machine(("cleanlab", "scikit-learn", "pandas", "numpy")))
    print(f"load average at start: {load_average()}")
    print(f"batches: {ITEMS} items x {RATINGS} labels from {len(TEAM)} annotators; audit "
          f"budget {args.share:.0%} of the labels; {args.repeats} seeded batches per rate\n")
    print(f"{'planted rate':>12} | {'size':>4} | {'random err/label':>16} | "
          f"{'risk err/label':>14} | {'ratio':>5} | {'min ratio':>9} | {'coverage':>8} | "
          f"{'p95 miss':>8}")
    print("-" * 99)
    ok = True
    for rate in args.rates:
        runs = [compare(1000 * k + int(rate * 1000), rate, args.share)
                for k in range(args.repeats)]
        random_mean = statistics.mean(r["random"] for r in runs)
        risk_mean = statistics.mean(r["risk"] for r in runs)
        ratio = risk_mean / random_mean if random_mean else float("inf")
        ratios = [r["risk"] / r["random"] for r in runs if r["random"]]
        misses = sorted(coverage(50_000 + 1000 * k + int(rate * 1000), rate)
                        for k in range(args.coverage_repeats))
        share_covered = sum(m <= MARGIN + 1e-12 for m in misses) / len(misses)
        p95 = misses[min(len(misses) - 1, int(0.95 * len(misses)))]
        print(f"{rate:>12.0%} | {runs[0]['size']:>4} | {random_mean:>16.3f} | "
              f"{risk_mean:>14.3f} | {ratio:>5.1f} | {min(ratios, default=0):>9.1f} | "
              f"{share_covered:>8.1%} | {p95 * 100:>8.2f}")
        ok &= ratio >= 2 and share_covered >= 0.95
    size = sample_size_for_proportion(ITEMS * RATINGS, MARGIN, CONFIDENCE)
    print(f"\ncoverage: the margin plan's sample (n={size} of {ITEMS * RATINGS}, "
          f"+/-{MARGIN * 100:g} points at {CONFIDENCE:.0%}) within its margin of the batch's "
          f"true accuracy, over {args.coverage_repeats} seeded batches per rate; p95 miss: "
          "95th percentile of |estimate - true accuracy| in points")
    print(f"targets: risk/random ratio >= 2.0 and coverage >= 95% at every rate: "
          f"{'PASS' if ok else 'FAIL'}")
    print(f"load average at end: {load_average()}; took {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
