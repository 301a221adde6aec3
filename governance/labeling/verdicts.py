"""Reviewers' verdicts on a batch: the true label of an item and, for a wrong label, why.

A verdict file (stored by `dataops reference`) has the contract's item and label columns
and may add:

- `error_category`: why the annotator's label was wrong, from the contract's taxonomy
  (empty on a verdict that confirms the label);
- the contract's annotator column: the row judges that annotator's label of the item only
  (without it, the row's category applies to every wrong label of the item);
- `reviewer`: who gave the verdict (a pseudonymous id), so a second reviewer's verdicts
  can sit beside the first one's.

Only the first reviewer's label of an item is its verdict: reviewer-to-reviewer
disagreement is a calibration question, not a reason to refuse the file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from governance.errors import IntakeError
from governance.labeling.spec import LabelingSpec
from governance.labeling.taxonomy import category_name

CATEGORY_COLUMN, REVIEWER_COLUMN = "error_category", "reviewer"


@dataclass(frozen=True)
class Verdict:
    """One row of a verdict file."""

    line: int
    item: str
    label: str
    category: str | None = None
    annotator: str | None = None
    reviewer: str | None = None


def load_verdicts(path: Path, spec: LabelingSpec, shown: str | None = None) -> list[Verdict]:
    """Read and check a verdict file (labels and categories); a missing file means none yet."""
    if not path.exists():
        return []
    where = shown or str(path)
    item_col, label_col, who_col = (spec.column("item"), spec.column("label"),
                                    spec.column("annotator"))
    allowed = spec.review.categories
    out: list[Verdict] = []
    first: dict[tuple[str, str], Verdict] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            label = (row.get(label_col) or "").strip().lower()
            if label not in spec.label_set:
                # Verdicts are curated by hand: a typo must stop the batch, not skew it.
                raise IntakeError(where, f"label {label!r} is not one of the contract's "
                                  f"labels ({', '.join(spec.label_set)})", line=line,
                                  column=label_col)
            raw = (row.get(CATEGORY_COLUMN) or "").strip()
            category = category_name(raw) if raw else None
            if category is not None and category not in allowed:
                raise IntakeError(where, f"error category {raw!r} is not in the contract's "
                                  f"taxonomy; use one of {', '.join(allowed)}", line=line,
                                  column=CATEGORY_COLUMN)
            verdict = Verdict(line, (row.get(item_col) or "").strip(), label, category,
                              (row.get(who_col) or "").strip() or None,
                              (row.get(REVIEWER_COLUMN) or "").strip() or None)
            key = (verdict.item, verdict.reviewer or "")
            earlier = first.setdefault(key, verdict)
            if earlier.label != label:
                raise IntakeError(where, f"item {verdict.item} was given label "
                                  f"{earlier.label!r} on line {earlier.line} and {label!r} "
                                  "here by the same reviewer; keep one verdict per item",
                                  line=line, column=label_col)
            out.append(verdict)
    return out


def verdict_labels(verdicts: Sequence[Verdict]) -> dict[str, str]:
    """item -> true label (the first reviewer's)."""
    labels: dict[str, str] = {}
    for v in verdicts:
        labels.setdefault(v.item, v.label)
    return labels


def categorize(judged: pd.DataFrame, verdicts: Sequence[Verdict], path: str,
               frame: pd.DataFrame) -> pd.DataFrame:
    """Add error_category and reviewer to judged labels (item, annotator, label, truth).

    Refuses (naming the file's line) a category on a label the verdict confirms, and a
    row naming an annotator who did not label the item in this batch.
    """
    given = {(str(i), str(a)): str(lab) for i, a, lab in
             frame[["item", "annotator", "label"]].itertuples(index=False)}
    by_item = frame.groupby(frame["item"].astype(str))["label"].agg(lambda s: set(map(str, s)))
    per_label: dict[tuple[str, str], Verdict] = {}
    per_item: dict[str, Verdict] = {}
    for v in verdicts:
        if v.annotator is not None:
            if (v.item, v.annotator) not in given and v.item in by_item:
                raise IntakeError(path, f"annotator {v.annotator} did not label item "
                                  f"{v.item} in this batch", line=v.line)
            if v.category and given.get((v.item, v.annotator)) == v.label:
                raise IntakeError(path, f"the verdict confirms {v.annotator}'s label of item "
                                  f"{v.item}, so it carries no error category", line=v.line,
                                  column=CATEGORY_COLUMN)
            per_label.setdefault((v.item, v.annotator), v)
        else:
            if v.category and v.item in by_item and by_item[v.item] == {v.label}:
                raise IntakeError(path, f"every label of item {v.item} matches the verdict, "
                                  "so it carries no error category", line=v.line,
                                  column=CATEGORY_COLUMN)
            per_item.setdefault(v.item, v)
    categories, reviewers = [], []
    for item, annotator, label, truth in judged[["item", "annotator", "label", "truth"]] \
            .itertuples(index=False):
        v = per_label.get((str(item), str(annotator))) or per_item.get(str(item))
        wrong = pd.notna(truth) and str(label) != str(truth)
        categories.append(v.category if v is not None and wrong else None)
        reviewers.append(v.reviewer if v is not None else None)
    return judged.assign(error_category=categories, reviewer=reviewers)
