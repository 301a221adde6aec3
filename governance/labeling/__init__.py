"""Labeling-batch quality: agreement, consensus, gold accuracy, operations and audit sampling.

Every function takes the long annotation frame (one row per item x annotator with the
columns in ANNOTATION_COLUMNS). Nothing here imports Dagster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from governance.errors import GovernanceError

ANNOTATION_COLUMNS = ("item", "annotator", "vendor", "label", "started_at", "finished_at",
                      "cost")
LABEL_COLUMNS = ("item", "annotator", "label")


class LabelingError(GovernanceError):
    """A labeling batch or sampling request cannot be evaluated as given."""


def require_columns(frame: pd.DataFrame, columns: Iterable[str] = ANNOTATION_COLUMNS) -> None:
    """Raise LabelingError naming every required column the annotation frame lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LabelingError("The annotation file is missing the column(s) "
                            f"{', '.join(missing)}; every annotation needs "
                            f"{', '.join(ANNOTATION_COLUMNS)}.")


def rated(frame: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Rows that carry a label: item, annotator, label (+ extra columns) as str, no duplicates."""
    columns = [*LABEL_COLUMNS, *(c for c in extra if c not in LABEL_COLUMNS)]
    require_columns(frame, columns)
    # A missing label is "not rated", not a label value, so it takes no part in agreement.
    rows = frame.loc[frame["label"].notna(), columns].astype(str)
    # A second label from the same annotator on the same item would count one person twice
    # in every agreement statistic, so it is a data error rather than something to average.
    dupes = rows.duplicated(["item", "annotator"], keep=False)
    if dupes.any():
        first = rows.loc[dupes].iloc[0]
        pairs = rows.loc[dupes, ["item", "annotator"]].drop_duplicates()
        raise LabelingError(f"{len(pairs)} item/annotator pair(s) were labeled more than once "
                            f"(e.g. annotator {first['annotator']} on item {first['item']}); "
                            "keep one label per annotator and item before computing metrics.")
    return rows.reset_index(drop=True)
