"""Annotator qualification and retraining.

Evidence: one qualification file per labeling program, `labeling/<dataset>/qualification.csv`
(stored by `dataops qualification`), with the contract's annotator, item and label columns
and `at` (when the answer was given). Every item must be a gold item: the file holds the
qualification batches annotators took before production work, scored against the gold
answers. An annotator's first `items` answers (by `at`) are their qualification batch.

Status per annotator of a batch (when the contract sets `qualification`):

- qualified: the batch is complete and the 95 % Wilson upper bound of its accuracy is at
  least the threshold (not surely below it, as for gold accuracy); labels started before
  the batch was finished (`at` of its last answer) do not count either;
- failed: the upper bound is below the threshold;
- pending: fewer answers than the batch size;
- no record: the annotator is not in the file.

Only qualified annotators' labels (made after they qualified) count toward consensus,
agreement, vendor gold accuracy and the audit sample; the others are still measured against
the consensus and the gold answers, listed and flagged in the scorecard, and get a feedback
pack. A qualified annotator flagged in a batch (gold accuracy surely below target, or
agreement with consensus under the floor) triggers retraining, recorded with the
guidelines version to train on.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from governance.errors import IntakeError
from governance.labeling.gold import upper_bound
from governance.labeling.plans import QualificationRule

if TYPE_CHECKING:
    from governance.labeling.spec import LabelingSpec

AT_COLUMN = "at"
QUALIFIED, FAILED, PENDING, NO_RECORD = "qualified", "failed", "pending", "no record"
QUALIFICATION_COLUMNS = ("annotator", "answers", "correct", "accuracy", "upper", "status",
                         "qualified_at", "excluded_labels", "reason")
RETRAINING_COLUMNS = ("annotator", "vendor", "reason", "guidelines_version")
ANSWER_COLUMNS = ("annotator", "item", "label", "at")


def load_qualification(path: Path, spec: LabelingSpec, gold: Mapping[str, str],
                       shown: str | None = None) -> pd.DataFrame:
    """Read and check a qualification file (ANSWER_COLUMNS); a missing file means none yet."""
    if not path.exists():
        return pd.DataFrame(columns=list(ANSWER_COLUMNS))
    where = shown or str(path)
    who, item_col, label_col = (spec.column("annotator"), spec.column("item"),
                                spec.column("label"))
    rows, seen = [], set()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in (who, item_col, label_col, AT_COLUMN)
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise IntakeError(where, "the file lacks columns: " + ", ".join(missing), line=1)
        for line, row in enumerate(reader, start=2):
            annotator, item = (row[who] or "").strip(), (row[item_col] or "").strip()
            label = (row[label_col] or "").strip().lower()
            if not annotator:
                raise IntakeError(where, "the annotator is empty", line=line, column=who)
            if item not in gold:
                # Qualification is scored against the gold answers; another item has none.
                raise IntakeError(where, f"item {item!r} is not a gold item, so the answer "
                                  "cannot be scored; qualification batches use gold items",
                                  line=line, column=item_col)
            if label not in spec.label_set:
                raise IntakeError(where, f"label {label!r} is not one of the contract's "
                                  f"labels ({', '.join(spec.label_set)})", line=line,
                                  column=label_col)
            if (annotator, item) in seen:
                raise IntakeError(where, f"annotator {annotator} answered item {item} twice; "
                                  "keep the first answer", line=line, column=item_col)
            seen.add((annotator, item))
            at = pd.to_datetime(row[AT_COLUMN], errors="coerce", utc=True)
            if pd.isna(at):
                raise IntakeError(where, f"{row[AT_COLUMN]!r} is not a timestamp", line=line,
                                  column=AT_COLUMN)
            rows.append((annotator, item, label, at.tz_convert(None)))
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))


def qualify(answers: pd.DataFrame, gold: Mapping[str, str], rule: QualificationRule,
            annotators: list[str]) -> pd.DataFrame:
    """Each annotator's qualification status (QUALIFICATION_COLUMNS but excluded_labels)."""
    out = []
    for who in sorted(set(annotators)):
        mine = answers[answers["annotator"] == who].sort_values(["at", "item"],
                                                                 kind="mergesort")
        batch = mine.head(rule.items)
        n = len(batch)
        correct = int((batch["label"] == batch["item"].map(gold)).sum()) if n else 0
        accuracy = correct / n if n else math.nan
        upper = upper_bound(correct, n) if n else math.nan
        if n == 0:
            status, reason = NO_RECORD, "no qualification record"
        elif n < rule.items:
            status, reason = PENDING, (f"qualification pending: {n} of {rule.items} gold "
                                       "items answered")
        elif upper < rule.threshold:
            status, reason = FAILED, (
                f"failed qualification: {correct} of {n} gold items right ({accuracy:.0%}), "
                f"surely below the {rule.threshold:.0%} threshold (95% upper bound "
                f"{upper:.0%})")
        else:
            status, reason = QUALIFIED, ""
        at = batch["at"].max() if status == QUALIFIED else None
        out.append((who, n, correct, accuracy, upper, status, at, reason))
    return pd.DataFrame(out, columns=[c for c in QUALIFICATION_COLUMNS
                                      if c != "excluded_labels"])


def counted_labels(frame: pd.DataFrame, status: pd.DataFrame) -> pd.Series:
    """True for the labels that count: a qualified annotator's, started after qualifying."""
    at = dict(zip(status["annotator"], status["qualified_at"], strict=True))
    started = pd.to_datetime(frame["started_at"])
    since = frame["annotator"].astype(str).map(at)
    qualified = since.notna()
    after = pd.Series(False, index=frame.index)
    after[qualified] = started[qualified] >= pd.to_datetime(since[qualified])
    return after


def exclusions(frame: pd.DataFrame, status: pd.DataFrame,
               counted: pd.Series) -> pd.DataFrame:
    """The status table with excluded_labels, and a reason for annotators qualified late."""
    excluded = (~counted).groupby(frame["annotator"].astype(str)).sum()
    out = status.copy()
    out["excluded_labels"] = out["annotator"].map(excluded).fillna(0).astype(int)
    late = (out["status"] == QUALIFIED) & (out["excluded_labels"] > 0)
    out.loc[late, "reason"] = [f"{n} label(s) made before qualifying do not count"
                               for n in out.loc[late, "excluded_labels"]]
    return out[list(QUALIFICATION_COLUMNS)]


def retraining(annotators: pd.DataFrame, status: pd.DataFrame,
               guidelines_version: str) -> pd.DataFrame:
    """Qualified annotators flagged in this batch: who, why, and the guidelines to train on."""
    qualified = set(status.loc[status["status"] == QUALIFIED, "annotator"])
    due = annotators[annotators["flagged"] & annotators["annotator"].isin(qualified)]
    return pd.DataFrame({"annotator": due["annotator"].to_numpy(),
                         "vendor": due["vendor"].to_numpy(),
                         "reason": due["flag_reason"].to_numpy(),
                         "guidelines_version": guidelines_version},
                        columns=list(RETRAINING_COLUMNS))
