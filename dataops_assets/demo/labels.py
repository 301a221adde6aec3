"""Demo labeling batches for support_ticket_labels: two vendors, gold items, one weak annotator.

Each batch labels 300 tickets of support_tickets v1, three annotators per ticket, drawn
from in-house staff (IH-01..IH-04) and the vendor acme_labeling. 40 tickets per batch are
gold items, whose answers are written to gold.csv. In batch 1 the vendor's AC-03 is weak
(about 60 % accurate, and fast); batch 2 replaces AC-03 with AC-05. Beside each batch,
audit_00N.csv holds the reviewers' verdict (true label) for every ticket in it, so any
audit sample drawn later can be scored.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

DATASET = "support_ticket_labels"
COLUMNS = ("item_id", "annotator_id", "vendor", "label", "started_at", "finished_at", "cost",
           "guidelines_version")
GUIDELINES_VERSION = "2.1"
ITEMS_PER_BATCH = 300
GOLD_PER_BATCH = 40
RATINGS_PER_ITEM = 3
WEAK_ANNOTATOR = "AC-03"
# annotator -> (vendor, accuracy, median seconds per item, cost per label in USD)
_TEAM = {
    "IH-01": ("in_house", 0.985, 48, 0.12), "IH-02": ("in_house", 0.99, 52, 0.12),
    "IH-03": ("in_house", 0.98, 45, 0.12), "IH-04": ("in_house", 0.985, 50, 0.12),
    "AC-01": ("acme_labeling", 0.985, 31, 0.06), "AC-02": ("acme_labeling", 0.98, 28, 0.06),
    WEAK_ANNOTATOR: ("acme_labeling", 0.60, 12, 0.06),
    "AC-04": ("acme_labeling", 0.985, 30, 0.06), "AC-05": ("acme_labeling", 0.985, 29, 0.06),
}
_ROSTER = {1: ("IH-01", "IH-02", "IH-03", "IH-04", "AC-01", "AC-02", WEAK_ANNOTATOR, "AC-04"),
           2: ("IH-01", "IH-02", "IH-03", "IH-04", "AC-01", "AC-02", "AC-05", "AC-04")}
_SEED = 33_000
# Batch n was labeled during the days before as_of; batch 2 is the more recent.
_WINDOW_DAYS = {1: (6, 3), 2: (3, 0)}


def write_label_batches(out_dir: Path, tickets: Sequence[dict[str, str]],
                        as_of: date) -> list[Path]:
    """Write the labeling batches, their audit verdicts and gold.csv; return the batches."""
    folder = Path(out_dir) / DATASET
    folder.mkdir(parents=True, exist_ok=True)
    truth = {row["ticket_id"]: row["_true_category"] for row in tickets}
    categories = sorted(set(truth.values()))
    ids = sorted(truth)
    gold: dict[str, str] = {}
    paths = []
    for batch in (1, 2):
        rng = random.Random(_SEED + batch)
        items = ids[(batch - 1) * ITEMS_PER_BATCH: batch * ITEMS_PER_BATCH]
        for item in rng.sample(items, GOLD_PER_BATCH):
            gold[item] = truth[item]
        rows = _annotate(rng, items, truth, categories, _ROSTER[batch], as_of,
                         _WINDOW_DAYS[batch])
        path = folder / f"batch_{batch:03d}.csv"
        _write(path, COLUMNS, rows)
        _write(folder / f"audit_{batch:03d}.csv", ("item_id", "label"),
               [{"item_id": i, "label": truth[i]} for i in items])
        paths.append(path)
    _write(gold_path(out_dir), ("item_id", "label"),
           [{"item_id": i, "label": label} for i, label in sorted(gold.items())])
    return paths


def gold_path(out_dir: Path) -> Path:
    """Where the demo writes the gold answers."""
    return Path(out_dir) / DATASET / "gold.csv"


def _annotate(rng: random.Random, items: Sequence[str], truth: dict[str, str],
              categories: list[str], roster: Sequence[str], as_of: date,
              window: tuple[int, int]) -> list[dict[str, str]]:
    end = datetime.combine(as_of, time()) - timedelta(days=window[1])
    span = (window[0] - window[1]) * 86_400 - 3_600
    rows = []
    for item in items:
        for annotator in rng.sample(list(roster), RATINGS_PER_ITEM):
            vendor, accuracy, seconds, cost = _TEAM[annotator]
            label = truth[item]
            if rng.random() > accuracy:
                label = rng.choice([c for c in categories if c != label])
            started = end - timedelta(seconds=span) + timedelta(seconds=rng.randint(0, span))
            took = max(3, round(rng.lognormvariate(0, 0.4) * seconds))
            rows.append({
                "item_id": item, "annotator_id": annotator, "vendor": vendor, "label": label,
                "started_at": started.isoformat(),
                "finished_at": (started + timedelta(seconds=took)).isoformat(),
                "cost": f"{cost:.2f}", "guidelines_version": GUIDELINES_VERSION,
            })
    rows.sort(key=lambda r: (r["started_at"], r["annotator_id"]))
    return rows


def _write(path: Path, columns: Sequence[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
