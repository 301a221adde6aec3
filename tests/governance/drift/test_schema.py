"""Schema drift between two column-to-type mappings."""

from __future__ import annotations

import pandas as pd

from governance.drift.schema import SchemaChange, frame_schema, schema_changes


def test_added_removed_and_retyped_columns_sorted_by_name() -> None:
    reference = {"id": "integer", "amount": "number", "status": "string", "note": "string"}
    current = {"id": "INTEGER", "amount": "string", "status": "string", "channel": "string"}
    assert schema_changes(reference, current) == [
        SchemaChange("amount", "type_changed", "number", "string"),
        SchemaChange("channel", "added", None, "string"),
        SchemaChange("note", "removed", "string", None),
    ]


def test_same_schema_has_no_changes() -> None:
    assert schema_changes({"a": "Int64"}, {"a": "int64"}) == []
    assert schema_changes({}, {}) == []


def test_frame_schema_uses_dtype_names() -> None:
    frame = pd.DataFrame({"n": [1, 2], "x": [1.5, 2.5], "flag": [True, False]})
    assert frame_schema(frame) == {"n": "int64", "x": "float64", "flag": "bool"}
    changed = frame_schema(frame.assign(n=[1.0, 2.0]))
    assert schema_changes(frame_schema(frame), changed) == [
        SchemaChange("n", "type_changed", "int64", "float64")]
