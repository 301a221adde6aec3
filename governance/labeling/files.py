"""Gold answers and audit verdicts of a labeling program: stored, then read as item -> label."""

from __future__ import annotations

import csv
from pathlib import Path

from governance.contracts import DatasetContract
from governance.errors import IntakeError
from governance.labeling.qualification import AT_COLUMN, load_qualification
from governance.labeling.spec import LabelingSpec
from governance.labeling.verdicts import load_verdicts
from governance.reference import store_csv
from governance.settings import Layout


def save_gold(layout: Layout, contract: DatasetContract, spec: LabelingSpec,
              source: Path) -> Path:
    """Store the program's gold answers (item and label columns) for every later batch."""
    return store_csv(source, layout.gold_file(contract.name),
                     [spec.column("item"), spec.column("label")])


def save_verdicts(layout: Layout, contract: DatasetContract, spec: LabelingSpec, version: str,
                  source: Path) -> Path:
    """Check and store the reviewers' verdicts (item, true label, error category) of a batch."""
    load_verdicts(source, spec)  # a bad label or category is refused before it is stored
    return store_csv(source, layout.reference_file(contract.name, version),
                     [spec.column("item"), spec.column("label")])


def save_qualification(layout: Layout, contract: DatasetContract, spec: LabelingSpec,
                       source: Path) -> Path:
    """Check and store the annotators' qualification answers (scored against gold)."""
    gold = load_answers(layout.gold_file(contract.name), spec)
    if not gold:
        raise IntakeError(str(source), "there are no gold answers yet to score qualification "
                          f"against; store them first with `dataops gold ... --dataset "
                          f"{contract.name}`")
    load_qualification(source, spec, gold)  # a stray item or label is refused before storing
    return store_csv(source, layout.qualification_file(contract.name),
                     [spec.column("annotator"), spec.column("item"), spec.column("label"),
                      AT_COLUMN])


def load_answers(path: Path, spec: LabelingSpec) -> dict[str, str]:
    """Read a stored answers file as {item: label}; a missing file means no answers yet."""
    if not path.exists():
        return {}
    item, label = spec.column("item"), spec.column("label")
    answers: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            value = (row.get(label) or "").strip().lower()
            if value not in spec.label_set:
                # Answer keys are curated by hand: a typo must stop the batch, not skew it.
                raise IntakeError(str(path), f"label {value!r} is not one of the contract's "
                                  "labels", line=line, column=label)
            answers[(row.get(item) or "").strip()] = value
    return answers
