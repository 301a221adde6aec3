"""The drift report: dataset verdict, label drift, rows, summary and schema drift."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from governance.drift.columns import CATEGORICAL, NUMERIC, TEXT
from governance.drift.report import DriftReport, compare_frames
from governance.drift.schema import SchemaChange
from governance.drift.thresholds import DriftError, DriftThresholds

REFERENCE = pd.DataFrame({
    "amount": [1.0, 2.0, 3.0, 4.0],
    "score": [10.0, 11.0, 12.0, 13.0],
    "status": ["open", "open", "closed", "closed"],
    "label": ["yes", "no", "yes", "no"],
    "comment": ["fine", "ok then", None, "good"],
})
# amount moves right out of the reference range (KS D = 1, p = 1/35: drift);
# score is unchanged (D = 0); status gains a category never seen (drift);
# label keeps its shares exactly (chi² = 0, p = 1).
CURRENT = REFERENCE.assign(
    amount=[5.0, 6.0, 7.0, 8.0],
    status=["open", "open", "pending", "pending"],
)
KINDS = {"amount": NUMERIC, "score": NUMERIC, "status": CATEGORICAL, "label": CATEGORICAL}
# Four rows a side are too few for the two-sample chi-square to see anything; these cases
# use Evidently's goodness-of-fit flavour, whose numbers are worked out above.
EV = DriftThresholds(chi2_test="evidently")


def compare(reference: pd.DataFrame, current: pd.DataFrame, kinds: dict[str, str],
            **kwargs: object) -> DriftReport:
    """compare_frames with the Evidently chi-square unless the test says otherwise."""
    kwargs.setdefault("thresholds", EV)
    return compare_frames(reference, current, kinds, **kwargs)


def test_exactly_half_drifted_is_dataset_drift() -> None:
    report = compare(REFERENCE, CURRENT, KINDS, label_column="label",
                            reference_version="v1")
    assert [c.column for c in report.columns] == ["amount", "score", "status", "label"]
    assert report.drifted_columns == ["amount", "status"]
    assert report.share_drifted == 0.5
    assert report.dataset_drift is True
    assert report.label_drift is False


def test_share_threshold_above_half_is_not_dataset_drift() -> None:
    report = compare(REFERENCE, CURRENT, KINDS, thresholds=DriftThresholds.from_mapping(
        {"share": 0.75, "chi2Test": "evidently"}))
    assert report.share_drifted == 0.5
    assert report.dataset_drift is False


def test_missing_column_is_not_tested_and_left_out_of_the_share() -> None:
    kinds = {**KINDS, "gone": NUMERIC}
    report = compare(REFERENCE, CURRENT.assign(extra=1), kinds)
    gone = report.columns[-1]
    assert (gone.column, gone.test, gone.drifted) == ("gone", "not_tested", False)
    assert gone.note == "Not tested: the column is missing from the reference and current data."
    assert len(report.tested) == 4
    assert report.share_drifted == 0.5


def test_column_missing_on_one_side_says_which() -> None:
    report = compare(REFERENCE, CURRENT.drop(columns="score"), {"score": NUMERIC})
    assert report.columns[0].note == "Not tested: the column is missing from the current data."
    assert report.share_drifted == 0.0
    assert report.dataset_drift is False


def test_label_drift_is_none_without_a_tested_label() -> None:
    assert compare(REFERENCE, CURRENT, KINDS).label_drift is None
    untested = compare(REFERENCE, CURRENT.drop(columns="label"), KINDS,
                              label_column="label")
    assert untested.label_drift is None


def test_label_drift_when_the_label_shifts() -> None:
    current = CURRENT.assign(label=["maybe"] * 4)
    report = compare(REFERENCE, current, KINDS, label_column="label")
    assert report.label_drift is True
    assert report.drifted_columns == ["amount", "status", "label"]


def test_text_column_in_a_report() -> None:
    current = CURRENT.assign(comment=["awful", "terrible indeed", "bad", None])
    report = compare(REFERENCE, current, {"comment": TEXT})
    (comment,) = report.columns
    assert comment.test == "text_length_ks"
    assert comment.oov_share == 1.0
    assert comment.drifted is True
    assert comment.reference_null_share == 0.25 and comment.current_null_share == 0.25


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(DriftError, match="Column 'amount' has drift kind 'money'"):
        compare(REFERENCE, CURRENT, {"amount": "money"})


def test_schema_changes_from_declared_schemas() -> None:
    report = compare(REFERENCE, CURRENT, KINDS,
                            reference_schema={"amount": "number", "old": "string"},
                            current_schema={"amount": "NUMBER", "new": "integer"})
    assert report.schema == [SchemaChange("new", "added", None, "integer"),
                             SchemaChange("old", "removed", "string", None)]


def test_schema_changes_from_the_frames_dtypes() -> None:
    current = CURRENT.drop(columns="comment").assign(score=[10, 11, 12, 13], extra=1.5)
    report = compare(REFERENCE, current, {})
    assert report.columns == []
    assert report.schema == [
        SchemaChange("comment", "removed", str(REFERENCE["comment"].dtype), None),
        SchemaChange("extra", "added", None, "float64"),
        SchemaChange("score", "type_changed", "float64", "int64"),
    ]


def test_one_sided_schema_is_rejected() -> None:
    with pytest.raises(DriftError, match="or of neither"):
        compare(REFERENCE, CURRENT, KINDS, reference_schema={"amount": "number"})


def test_rows_are_flat_and_json_safe() -> None:
    report = compare(REFERENCE, CURRENT, {**KINDS, "gone": NUMERIC})
    rows = report.as_rows()
    json.dumps(rows, allow_nan=False)  # raises on NaN or infinity
    amount, _, status, _, gone = rows
    assert amount["column"] == "amount" and amount["test"] == "ks"
    assert amount["statistic"] == pytest.approx(1.0)
    assert amount["p_value"] == pytest.approx(2 / 70, rel=1e-9)
    assert amount["drifted"] is True
    assert type(amount["statistic"]) is float and type(amount["reference_rows"]) is int
    # The new category's chi-square is infinite; rows carry None and the note explains.
    assert status["statistic"] is None and status["p_value"] == 0.0
    assert status["note"] == "1 category not present in the reference."
    assert gone["statistic"] is None and gone["threshold"] is None
    assert set(amount) == {
        "column", "kind", "test", "statistic", "p_value", "threshold", "drifted", "psi",
        "psi_band", "reference_rows", "current_rows", "reference_null_share",
        "current_null_share", "token_js", "oov_share", "note"}


def test_summary() -> None:
    report = compare(REFERENCE, CURRENT, KINDS, label_column="label",
                            reference_version="v3",
                            reference_schema={"a": "string"}, current_schema={"a": "integer"})
    assert report.summary() == {
        "reference_version": "v3",
        "columns_tested": 4,
        "columns_drifted": 2,
        "share_drifted": 0.5,
        "dataset_drift": True,
        "label_drift": False,
        "schema_changes": 1,
        "drifted_columns": ["amount", "status"],
    }
    json.dumps(report.summary(), allow_nan=False)


def test_empty_report() -> None:
    report = DriftReport(None, [], [], None, DriftThresholds())
    assert report.share_drifted == 0.0
    assert report.dataset_drift is False
    assert report.summary()["columns_tested"] == 0
