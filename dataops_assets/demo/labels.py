"""Demo labeling batches for support_ticket_labels: two vendors, gold items, one weak annotator.

Each batch labels 300 tickets of support_tickets v1, three annotators per ticket, drawn
from in-house staff (IH-01..IH-04) and the vendor acme_labeling. 40 tickets per batch are
gold items, whose answers are written to gold.csv. In batch 1 the vendor's AC-03 is weak
(about 60 % accurate, and fast); batch 2 replaces AC-03 with AC-05. Beside each batch,
audit_00N.csv holds the reviewers' verdict (true label) for every ticket in it, so any
audit sample drawn later can be scored, and for every wrong label a row naming the
annotator and the reviewer's error category: the weak annotator's slips are mostly
careless, the careful annotators' billing/shipping mix-ups mostly a guideline gap.

Reviewer calibration and qualification: RV-01 reviews every ticket (its verdicts come
first, so they are the audit's); a second reviewer, RV-02, also judges every ticket, so
whichever calibration share is drawn has two verdicts, and RV-02 is lenient: where an
annotator gave a wrong label, RV-02 accepts it. qualification.csv holds each annotator's
qualification batch (20 gold tickets): everyone passes but AC-06, a new acme_labeling
annotator who fails (12 of 20) yet labels some tickets of batch 2 as a fourth annotator;
those labels are left out of consensus.

The vendor pilot (pilot.csv): before the batches, in_house, acme_labeling and a new vendor,
swift_annotate (SW-01..SW-04: fast, cheap, about 78 % accurate), each label the same 60
tickets outside both batches, once per vendor. Their answers are added to gold.csv, so the
pilot is judged on gold items; the qualification draws only from the batches' gold items, so
nothing the batches measure changes.
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
GUIDELINES_VERSION = "2.2"
ITEMS_PER_BATCH = 300
GOLD_PER_BATCH = 40
RATINGS_PER_ITEM = 3
WEAK_ANNOTATOR = "AC-03"
# The label pair the careful annotators confuse since guidelines 2.1 moved refunds for
# damaged goods from billing to shipping: their slips on these tickets land on the other
# label of the pair, and a share of shipping tickets is labeled billing besides, so the
# demo's confusions concentrate there and the scorecard drafts a guideline proposal.
CONFUSED_PAIR = ("billing", "shipping")
_EXTRA_CONFUSION = 0.1
AUDIT_COLUMNS = ("item_id", "label", "annotator_id", "error_category", "reviewer")
REVIEWER = "RV-01"  # pseudonymous reviewer id
LENIENT_REVIEWER = "RV-02"  # accepts wrong labels: low accuracy on gold, low kappa
NEW_ANNOTATOR = "AC-06"  # fails qualification; labels part of batch 2 all the same
NEW_ANNOTATOR_ITEMS = 45  # tickets of batch 2 AC-06 labels, as a fourth annotator
_NEW_ACCURACY = 0.5
QUALIFICATION_ITEMS = 20
QUALIFICATION_COLUMNS = ("annotator_id", "item_id", "label", "at")
# wrong answers in each annotator's qualification batch of 20 (the rest are right)
_QUALIFICATION_MISSES = {"IH-01": 0, "IH-02": 1, "IH-03": 1, "IH-04": 0, "AC-01": 1,
                         "AC-02": 1, WEAK_ANNOTATOR: 2, "AC-04": 0, "AC-05": 1,
                         NEW_ANNOTATOR: 8}
_JOINED_BATCH_2 = ("AC-05", NEW_ANNOTATOR)  # qualified (or not) just before batch 2
# annotator -> (vendor, accuracy, median seconds per item, cost per label in USD)
_TEAM = {
    "IH-01": ("in_house", 0.985, 48, 0.12), "IH-02": ("in_house", 0.99, 52, 0.12),
    "IH-03": ("in_house", 0.98, 45, 0.12), "IH-04": ("in_house", 0.985, 50, 0.12),
    "AC-01": ("acme_labeling", 0.985, 31, 0.06), "AC-02": ("acme_labeling", 0.98, 28, 0.06),
    WEAK_ANNOTATOR: ("acme_labeling", 0.60, 12, 0.06),
    "AC-04": ("acme_labeling", 0.985, 30, 0.06), "AC-05": ("acme_labeling", 0.985, 29, 0.06),
    NEW_ANNOTATOR: ("acme_labeling", _NEW_ACCURACY, 30, 0.06),
}
_ROSTER = {1: ("IH-01", "IH-02", "IH-03", "IH-04", "AC-01", "AC-02", WEAK_ANNOTATOR, "AC-04"),
           2: ("IH-01", "IH-02", "IH-03", "IH-04", "AC-01", "AC-02", "AC-05", "AC-04")}
_SEED = 33_000
PILOT_ITEMS = 60
PILOT_ID = "pilot-2026"
SWIFT_VENDOR = "swift_annotate"
# The pilot's roster per vendor: the batch-2 teams, and swift_annotate's new annotators.
_PILOT_ROSTER = {"in_house": ("IH-01", "IH-02", "IH-03", "IH-04"),
                 "acme_labeling": ("AC-01", "AC-02", "AC-04", "AC-05"),
                 SWIFT_VENDOR: ("SW-01", "SW-02", "SW-03", "SW-04")}
_SWIFT = {f"SW-0{n}": (SWIFT_VENDOR, accuracy, 14, 0.035)
          for n, accuracy in enumerate((0.82, 0.78, 0.8, 0.8), start=1)}
_PILOT_WINDOW_DAYS = (10, 8)
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
        # A second generator plants the confusion, so the first one's draws (who labels
        # what, who errs, when) are the same as before the confusion was planted.
        rows = _annotate(rng, random.Random(_SEED * 10 + batch), items, truth, categories,
                         _ROSTER[batch], as_of, _WINDOW_DAYS[batch])
        if batch == 2:
            # Its own generator, so everybody else's labels stay as they were without AC-06.
            rows = _new_annotator(random.Random(_SEED * 1000), items, truth, categories, rows)
        path = folder / f"batch_{batch:03d}.csv"
        _write(path, COLUMNS, rows)
        _write(folder / f"audit_{batch:03d}.csv", AUDIT_COLUMNS,
               _verdicts(random.Random(_SEED * 100 + batch), items, truth, rows))
        paths.append(path)
    # Qualification draws from the batches' gold items only (before the pilot's are added),
    # so the pilot leaves every qualification answer as it was.
    _write(qualification_path(out_dir), QUALIFICATION_COLUMNS,
           _qualification(random.Random(_SEED * 7), gold, categories, as_of))
    pilot_items = ids[2 * ITEMS_PER_BATCH: 2 * ITEMS_PER_BATCH + PILOT_ITEMS]
    gold.update({item: truth[item] for item in pilot_items})
    _write(gold_path(out_dir), ("item_id", "label"),
           [{"item_id": i, "label": label} for i, label in sorted(gold.items())])
    _write(pilot_path(out_dir), COLUMNS, _pilot(random.Random(_SEED * 100_000), pilot_items,
                                                truth, categories, as_of))
    return paths


def pilot_path(out_dir: Path) -> Path:
    """Where the demo writes the vendor pilot (every vendor on the same gold tickets)."""
    return Path(out_dir) / DATASET / "pilot.csv"


def _pilot(rng: random.Random, items: Sequence[str], truth: dict[str, str],
           categories: list[str], as_of: date) -> list[dict[str, str]]:
    """Each vendor labels every pilot ticket once, its annotators taking turns."""
    team = {**_TEAM, **_SWIFT}
    window = _Window(as_of, _PILOT_WINDOW_DAYS)
    rows = []
    for vendor, roster in _PILOT_ROSTER.items():
        for n, item in enumerate(items):
            annotator = roster[n % len(roster)]
            _, accuracy, seconds, cost = team[annotator]
            rows.append(_label_row(rng, window, item, annotator, vendor, truth[item],
                                   categories, accuracy, seconds, f"{cost:.3f}"))
    rows.sort(key=lambda r: (r["started_at"], r["annotator_id"]))
    return rows


def qualification_path(out_dir: Path) -> Path:
    """Where the demo writes the annotators' qualification answers."""
    return Path(out_dir) / DATASET / "qualification.csv"


def _qualification(rng: random.Random, gold: dict[str, str], categories: list[str],
                   as_of: date) -> list[dict[str, str]]:
    """Each annotator's 20 qualification answers on gold tickets, before their first batch."""
    rows = []
    for n, (annotator, misses) in enumerate(sorted(_QUALIFICATION_MISSES.items())):
        days = 4 if annotator in _JOINED_BATCH_2 else 30
        start = datetime.combine(as_of, time()) - timedelta(days=days, hours=n)
        items = rng.sample(sorted(gold), QUALIFICATION_ITEMS)
        wrong = set(rng.sample(items, misses))
        for k, item in enumerate(items):
            label = gold[item] if item not in wrong else rng.choice(
                [c for c in categories if c != gold[item]])
            rows.append({"annotator_id": annotator, "item_id": item, "label": label,
                         "at": (start + timedelta(minutes=k)).isoformat()})
    return rows


def _new_annotator(rng: random.Random, items: Sequence[str], truth: dict[str, str],
                   categories: list[str], rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """AC-06 labels some tickets as a fourth annotator, inside their labeling window."""
    by_item: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_item.setdefault(row["item_id"], []).append(row)
    added = []
    for item in sorted(rng.sample(list(items), NEW_ANNOTATOR_ITEMS)):
        label = truth[item]
        if rng.random() > _TEAM[NEW_ANNOTATOR][1]:
            label = rng.choice([c for c in categories if c != label])
        # Started beside one of the item's other labels, so the item's turnaround (first
        # start to last finish) is the same as without AC-06.
        other = rng.choice(by_item[item])
        started = datetime.fromisoformat(other["started_at"])
        took = max(3, round(rng.lognormvariate(0, 0.4) * 30))
        vendor, _, _, cost = _TEAM[NEW_ANNOTATOR]
        added.append({**other, "annotator_id": NEW_ANNOTATOR, "vendor": vendor,
                      "cost": f"{cost:.2f}", "label": label,
                      "finished_at": (started + timedelta(seconds=took)).isoformat()})
    out = rows + added
    out.sort(key=lambda r: (r["started_at"], r["annotator_id"]))
    return out


def gold_path(out_dir: Path) -> Path:
    """Where the demo writes the gold answers."""
    return Path(out_dir) / DATASET / "gold.csv"


def _category(rng: random.Random, annotator: str, true: str, given: str) -> str:
    """The reviewer's error category of a wrong label (weights are the demo's story)."""
    if annotator == WEAK_ANNOTATOR:
        options = {"careless": 0.8, "misread_item": 0.2}
    elif {true, given} == set(CONFUSED_PAIR):
        options = {"guideline_gap": 0.8, "ambiguous_item": 0.2}
    else:
        options = {"misread_item": 0.5, "careless": 0.3, "tooling": 0.2}
    return rng.choices(list(options), weights=list(options.values()))[0]


def _verdicts(rng: random.Random, items: Sequence[str], truth: dict[str, str],
              rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One verdict per ticket, then one categorized row per wrong label (item order)."""
    wrong: dict[str, list[dict[str, str]]] = {}
    for row in sorted(rows, key=lambda r: (r["item_id"], r["annotator_id"])):
        if row["label"] != truth[row["item_id"]]:
            wrong.setdefault(row["item_id"], []).append(row)
    out = []
    # AC-06's slips draw from their own generator, so the others' categories stay the same.
    side = random.Random(_SEED * 10_000)
    for item in items:
        out.append({"item_id": item, "label": truth[item], "annotator_id": "",
                    "error_category": "", "reviewer": REVIEWER})
        out.extend({"item_id": item, "label": truth[item], "annotator_id": r["annotator_id"],
                    "error_category": _category(
                        side if r["annotator_id"] == NEW_ANNOTATOR else rng,
                        r["annotator_id"], truth[item], r["label"]), "reviewer": REVIEWER}
                   for r in wrong.get(item, []))
    # The lenient second reviewer, after RV-01 (whose verdict is the audit's): accepts the
    # first wrong label an item got, else confirms the true one.
    out.extend({"item_id": item, "label": wrong[item][0]["label"] if item in wrong
                else truth[item], "annotator_id": "", "error_category": "",
                "reviewer": LENIENT_REVIEWER} for item in items)
    return out


def _confuse(steer: random.Random, annotator: str, true: str, label: str) -> str:
    """The careful annotators' billing/shipping confusion (the weak one errs at random)."""
    if annotator == WEAK_ANNOTATOR or true not in CONFUSED_PAIR:
        return label
    other = CONFUSED_PAIR[1 - CONFUSED_PAIR.index(true)]
    if label != true:
        return other
    return "billing" if true == "shipping" and steer.random() < _EXTRA_CONFUSION else label


def _annotate(rng: random.Random, steer: random.Random, items: Sequence[str],
              truth: dict[str, str],
              categories: list[str], roster: Sequence[str], as_of: date,
              window: tuple[int, int]) -> list[dict[str, str]]:
    days = _Window(as_of, window)
    rows = []
    for item in items:
        for annotator in rng.sample(list(roster), RATINGS_PER_ITEM):
            vendor, accuracy, seconds, cost = _TEAM[annotator]
            row = _label_row(rng, days, item, annotator, vendor, truth[item], categories,
                             accuracy, seconds, f"{cost:.2f}")
            # `steer` is its own generator: confusing a label draws nothing from `rng`.
            row["label"] = _confuse(steer, annotator, truth[item], row["label"])
            rows.append(row)
    rows.sort(key=lambda r: (r["started_at"], r["annotator_id"]))
    return rows


class _Window:
    """The span of time a batch (or the pilot) was labeled in: `days` = (from, to) days
    before as_of, less an hour so every label ends inside it."""

    def __init__(self, as_of: date, days: tuple[int, int]) -> None:
        self.end = datetime.combine(as_of, time()) - timedelta(days=days[1])
        self.span = (days[0] - days[1]) * 86_400 - 3_600


def _label_row(rng: random.Random, window: _Window, item: str, annotator: str, vendor: str,
               true: str, categories: list[str], accuracy: float, seconds: float,
               cost: str) -> dict[str, str]:
    """One annotator's label of one item: wrong with 1 - accuracy, timed around `seconds`."""
    label = true
    if rng.random() > accuracy:
        label = rng.choice([c for c in categories if c != label])
    started = (window.end - timedelta(seconds=window.span)
               + timedelta(seconds=rng.randint(0, window.span)))
    took = max(3, round(rng.lognormvariate(0, 0.4) * seconds))
    return {"item_id": item, "annotator_id": annotator, "vendor": vendor, "label": label,
            "started_at": started.isoformat(),
            "finished_at": (started + timedelta(seconds=took)).isoformat(),
            "cost": cost, "guidelines_version": GUIDELINES_VERSION}


def _write(path: Path, columns: Sequence[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
