"""Schema drift: columns added, removed or retyped between the reference and a new version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

ADDED = "added"
REMOVED = "removed"
TYPE_CHANGED = "type_changed"


@dataclass(frozen=True)
class SchemaChange:
    """One column that was added, removed or changed type."""

    column: str
    change: str
    reference_type: str | None
    current_type: str | None


def frame_schema(frame: pd.DataFrame) -> dict[str, str]:
    """Column name to pandas dtype name, for when no declared schema is at hand."""
    return {str(name): str(dtype) for name, dtype in frame.dtypes.items()}


def schema_changes(reference: Mapping[str, str], current: Mapping[str, str]) -> list[SchemaChange]:
    """Every added, removed or retyped column, sorted by column name."""
    changes: list[SchemaChange] = []
    for column in sorted(set(reference) | set(current)):
        ref_type, cur_type = reference.get(column), current.get(column)
        if ref_type is None:
            changes.append(SchemaChange(column, ADDED, None, str(cur_type)))
        elif cur_type is None:
            changes.append(SchemaChange(column, REMOVED, str(ref_type), None))
        # 'INTEGER' in one catalogue and 'integer' in another are the same type.
        elif str(ref_type).strip().lower() != str(cur_type).strip().lower():
            changes.append(SchemaChange(column, TYPE_CHANGED, str(ref_type), str(cur_type)))
    return changes
