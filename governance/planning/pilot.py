"""Vendor pilots: vendors label the same gold items, then are compared side by side.

A pilot file has the labeling contract's columns (item, annotator, vendor, label, started,
finished, cost, guidelines version). Every item must be a gold item, so every label is
judged against a known answer and the vendors are compared on the same work. The counts per
vendor and annotator go to `main.labeling_pilots` (one pilot id's rows are replaced as a
whole); the comparison is computed from those counts, so a stored pilot is shown again
without its file.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from governance.errors import GovernanceError, IntakeError
from governance.labeling.files import load_answers
from governance.labeling.spec import LabelingSpec
from governance.planning.accuracy import Accuracy, cost_per_correct_label, ratio
from governance.settings import Layout
from governance.storage import as_of_utc, records, replace_rows, table_exists, transaction
from governance.tables import LABELING_PILOTS, PILOT_COLUMNS
from governance.warehouse import Warehouse

_PILOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_ROLES = ("item", "annotator", "vendor", "label", "startedAt", "finishedAt", "cost")


class PilotError(GovernanceError):
    """A vendor pilot cannot be taken in (bad id, no gold answers, warehouse busy)."""


@dataclass(frozen=True)
class PilotLabel:
    """One label of a pilot file, judged against its gold answer."""

    item: str
    annotator: str
    vendor: str
    correct: bool
    seconds: float
    cost: float


@dataclass(frozen=True)
class PilotVendor:
    """One vendor's pilot results on the shared gold set."""

    pilot: str
    vendor: str
    annotators: int
    labels: int
    accuracy: Accuracy
    active_seconds: float
    cost: float
    below_target: str | None  # why it is surely below the goldAccuracy target, else None

    @property
    def labels_per_hour(self) -> float | None:
        """Labels per active hour."""
        return ratio(self.labels * 3600.0, self.active_seconds)

    @property
    def cost_per_label(self) -> float | None:
        """Cost of one label."""
        return ratio(self.cost, self.labels)

    @property
    def cost_per_correct_label(self) -> float | None:
        """Cost per label / accuracy."""
        return cost_per_correct_label(self.cost_per_label, self.accuracy.estimate)

    def to_json(self) -> dict[str, Any]:
        """The vendor's figures as plain values."""
        return {"pilot": self.pilot, "vendor": self.vendor, "annotators": self.annotators,
                "labels": self.labels, "accuracy": self.accuracy.to_json(),
                "labels_per_hour": self.labels_per_hour, "cost": self.cost,
                "cost_per_label": self.cost_per_label,
                "cost_per_correct_label": self.cost_per_correct_label,
                "surely_below_target": self.below_target is not None,
                "reason": self.below_target}


def check_pilot_id(pilot: str) -> str:
    """A pilot id: letters, digits, '_', '.' or '-', at most 63 characters."""
    if not _PILOT_ID.fullmatch(pilot or ""):
        raise PilotError(f"{pilot!r} is not a usable pilot id: use letters, digits, '_', '.' "
                         "or '-' (at most 63 characters), e.g. pilot-2026-11")
    return pilot


def pilot_id_for(path: Path) -> str:
    """The default pilot id: the file's name without its suffix."""
    return check_pilot_id(Path(path).stem)


def _value(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _when(path: Path, text: str, line: int, column: str) -> datetime:
    try:
        return as_of_utc(text)
    except ValueError:
        raise IntakeError(str(path), f"{text!r} is not a timestamp", line=line,
                          column=column) from None


def _label(path: Path, spec: LabelingSpec, row: Mapping[str, str | None], gold: Mapping[str, str],
           line: int) -> PilotLabel:
    col = {role: spec.column(role) for role in _ROLES}
    item = _value(row, col["item"])
    if item not in gold:
        # Only gold items can be judged: a pilot on other items would compare unknowns.
        raise IntakeError(str(path), f"item {item!r} has no gold answer; a pilot labels gold "
                          "items only (store their answers first with `dataops gold`)",
                          line=line, column=col["item"])
    label = _value(row, col["label"]).lower()
    if label and label not in spec.label_set:
        raise IntakeError(str(path), f"label {label!r} is not one of the contract's labels",
                          line=line, column=col["label"])
    started = _when(path, _value(row, col["startedAt"]), line, col["startedAt"])
    finished = _when(path, _value(row, col["finishedAt"]), line, col["finishedAt"])
    if finished < started:
        raise IntakeError(str(path), "the label finishes before it starts", line=line,
                          column=col["finishedAt"])
    try:
        cost = float(_value(row, col["cost"]))
    except ValueError:
        cost = math.nan
    if not math.isfinite(cost) or cost < 0:
        raise IntakeError(str(path), "the cost is not an amount of 0 or more", line=line,
                          column=col["cost"])
    # An empty label counts as a miss: the annotator was shown the item and gave no answer.
    return PilotLabel(item, _value(row, col["annotator"]), _value(row, col["vendor"]),
                      label == gold[item], (finished - started).total_seconds(), cost)


def read_pilot(path: Path, spec: LabelingSpec, gold: Mapping[str, str]) -> list[PilotLabel]:
    """Read and judge a pilot file; a row that is not a usable gold label is refused."""
    path = Path(path)
    if not path.is_file():
        raise IntakeError(str(path), "no such file")
    needed = [spec.column(role) for role in _ROLES]
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise IntakeError(str(path), f"missing column(s) {', '.join(missing)}", line=1)
        labels = [_label(path, spec, row, gold, line) for line, row in enumerate(reader, 2)]
    if not labels:
        raise IntakeError(str(path), "the pilot file holds no labels")
    return labels


def pilot_rows(dataset: str, pilot: str, labels: list[PilotLabel],
               measured_at: datetime) -> list[tuple]:
    """Rows of labeling_pilots: per vendor and annotator, counts, time and cost."""
    groups: dict[tuple[str, str], list[PilotLabel]] = {}
    for label in labels:
        groups.setdefault((label.vendor, label.annotator), []).append(label)
    return [(dataset, pilot, vendor, annotator, len(group), len(group),
             sum(g.correct for g in group), float(sum(g.seconds for g in group)),
             float(statistics.median(g.seconds for g in group)),
             float(sum(g.cost for g in group)), measured_at)
            for (vendor, annotator), group in sorted(groups.items())]


def write_pilot(conn: duckdb.DuckDBPyConnection, dataset: str, pilot: str,
                rows: list[tuple]) -> None:
    """Replace one pilot's rows in labeling_pilots (call inside a transaction)."""
    replace_rows(conn, "main", LABELING_PILOTS, PILOT_COLUMNS,
                 {"dataset": dataset, "pilot": check_pilot_id(pilot)}, rows)


def stored_pilots(conn: duckdb.DuckDBPyConnection, dataset: str) -> list[dict[str, Any]]:
    """Every pilot of a dataset as last taken in (empty when no pilot was taken in)."""
    if not table_exists(conn, "main", LABELING_PILOTS):
        return []
    # The Parquet warehouse appends a shared unversioned table's rows, so a pilot taken in
    # again is told from its earlier rows by time: only its latest measurement counts.
    return records(conn, f"SELECT * FROM main.{LABELING_PILOTS} p WHERE dataset = ? AND "
                   f"measured_at = (SELECT max(measured_at) FROM main.{LABELING_PILOTS} q "
                   "WHERE q.dataset = p.dataset AND q.pilot = p.pilot) "
                   "ORDER BY pilot, vendor, annotator", [dataset])


def compare_pilots(rows: list[dict[str, Any]], target: float | None) -> list[PilotVendor]:
    """Per pilot and vendor: accuracy with its interval, speed and cost (stored rows in)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["pilot"], row["vendor"]), []).append(row)
    out = []
    for (pilot, vendor), group in sorted(groups.items()):
        accuracy = Accuracy(sum(int(r["gold_correct"]) for r in group),
                            sum(int(r["gold_items"]) for r in group))
        out.append(PilotVendor(
            pilot, vendor, len(group), sum(int(r["labels"]) for r in group), accuracy,
            float(sum(r["active_seconds"] for r in group)),
            float(sum(r["cost"] for r in group)),
            accuracy.shortfall("pilot accuracy on gold", target)))
    return out


def latest_pilot(rows: list[dict[str, Any]]) -> str | None:
    """The id of the pilot measured last (None when there is none)."""
    if not rows:
        return None
    return max(rows, key=lambda r: (r["measured_at"], r["pilot"]))["pilot"]


def take_in_pilot(warehouse: Warehouse, layout: Layout, dataset: str, spec: LabelingSpec,
                  path: Path, pilot: str, target: float | None,
                  measured_at: datetime) -> list[PilotVendor]:
    """Judge a pilot file against the gold answers, store it and compare its vendors."""
    gold = load_answers(layout.gold_file(dataset), spec)
    if not gold:
        raise PilotError(f"{dataset} has no gold answers yet, so a pilot cannot be judged; "
                         f"store them first with `dataops gold FILE --dataset {dataset}`")
    rows = pilot_rows(dataset, check_pilot_id(pilot), read_pilot(path, spec, gold),
                      measured_at)
    try:
        with warehouse.session(dataset) as conn, transaction(conn):
            write_pilot(conn, dataset, pilot, rows)
    except duckdb.IOException as exc:
        raise PilotError(f"the warehouse is busy ({exc}); retry when no run is writing") \
            from None
    names = [c for c, _ in PILOT_COLUMNS]
    return compare_pilots([dict(zip(names, r, strict=True)) for r in rows], target)
