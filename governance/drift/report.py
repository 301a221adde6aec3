"""A drift report for one version against its reference, and the function that builds it."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from governance.drift.columns import (
    CATEGORICAL,
    KINDS,
    NOT_TESTED,
    NUMERIC,
    TEXT,
    ColumnDrift,
    categorical_drift,
    not_tested,
    numeric_drift,
    text_drift,
)
from governance.drift.schema import SchemaChange, frame_schema, schema_changes
from governance.drift.thresholds import DriftError, DriftThresholds

_TESTS: dict[str, Callable[..., ColumnDrift]] = {
    NUMERIC: numeric_drift, CATEGORICAL: categorical_drift, TEXT: text_drift,
}


@dataclass
class DriftReport:
    """Per-column drift, schema changes and the dataset-level verdict for one version."""

    reference_version: str | None
    columns: list[ColumnDrift]
    schema: list[SchemaChange]
    label_column: str | None
    thresholds: DriftThresholds

    @property
    def tested(self) -> list[ColumnDrift]:
        """Columns that were actually tested."""
        return [c for c in self.columns if c.test != NOT_TESTED]

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the tested columns that drifted, in report order."""
        return [c.column for c in self.tested if c.drifted]

    @property
    def share_drifted(self) -> float:
        """Share of tested columns that drifted; 0.0 when nothing could be tested."""
        tested = self.tested
        return len(self.drifted_columns) / len(tested) if tested else 0.0

    @property
    def dataset_drift(self) -> bool:
        """Whether enough columns drifted for the dataset as a whole to count as drifted."""
        # The share threshold is above 0, so a report with nothing tested never drifts.
        return self.share_drifted >= self.thresholds.share

    @property
    def label_drift(self) -> bool | None:
        """The label column's verdict; None when there is no label column or it was not tested."""
        if self.label_column is None:
            return None
        found = next((c for c in self.tested if c.column == self.label_column), None)
        return None if found is None else found.drifted

    def as_rows(self) -> list[dict[str, Any]]:
        """One flat dict per column; NaN and infinity become None so JSON and SQL accept them."""
        return [{key: _plain(value) for key, value in asdict(c).items()} for c in self.columns]

    def summary(self) -> dict[str, Any]:
        """The dataset-level figures, for metadata and refresh requests."""
        return {
            "reference_version": self.reference_version,
            "columns_tested": len(self.tested),
            "columns_drifted": len(self.drifted_columns),
            "share_drifted": float(self.share_drifted),
            "dataset_drift": self.dataset_drift,
            "label_drift": self.label_drift,
            "schema_changes": len(self.schema),
            "drifted_columns": self.drifted_columns,
        }


def _plain(value: Any) -> Any:
    """A plain Python value; non-finite floats become None (a new category's chi-square)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def compare_frames(reference: pd.DataFrame, current: pd.DataFrame, kinds: Mapping[str, str], *,
                   thresholds: DriftThresholds | None = None, label_column: str | None = None,
                   reference_version: str | None = None,
                   reference_schema: Mapping[str, str] | None = None,
                   current_schema: Mapping[str, str] | None = None) -> DriftReport:
    """Test every column in `kinds` (in that order) and compare the two schemas."""
    t = thresholds or DriftThresholds()
    if (reference_schema is None) != (current_schema is None):
        # A declared type never equals a pandas dtype name, so mixing them reports every column.
        raise DriftError(
            "Schema drift needs the declared schema of both the reference and the current "
            "version, or of neither (then the data's own column types are compared)."
        )
    columns: list[ColumnDrift] = []
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise DriftError(
                f"Column '{name}' has drift kind '{kind}'; use one of {', '.join(KINDS)}."
            )
        missing = [side for side, frame in (("reference", reference), ("current", current))
                   if name not in frame.columns]
        if missing:
            note = f"Not tested: the column is missing from the {' and '.join(missing)} data."
            columns.append(not_tested(name, kind, note))
        else:
            columns.append(_TESTS[kind](name, reference[name], current[name], t))
    if reference_schema is None or current_schema is None:
        reference_schema, current_schema = frame_schema(reference), frame_schema(current)
    return DriftReport(
        reference_version=reference_version,
        columns=columns,
        schema=schema_changes(reference_schema, current_schema),
        label_column=label_column,
        thresholds=t,
    )
