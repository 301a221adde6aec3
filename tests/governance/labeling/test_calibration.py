"""Reviewer calibration and annotator qualification against hand-computed values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from governance.contracts import DatasetContract
from governance.errors import ContractError, IntakeError
from governance.labeling.calibration import calibrate, calibration_items
from governance.labeling.plans import CalibrationPlan, QualificationRule
from governance.labeling.qualification import (
    FAILED,
    NO_RECORD,
    PENDING,
    QUALIFIED,
    counted_labels,
    load_qualification,
    qualify,
    retraining,
)
from governance.labeling.spec import CHECK_QUALIFIED, LABELING_CHECKS, labeling_spec
from governance.labeling.verdicts import Verdict

ITEMS = [f"T-{i:06d}" for i in range(1, 11)]
# Reviewer A and B on ten items: they differ on items 5 and 10.
A = ["x"] * 5 + ["y"] * 5
B = ["x"] * 4 + ["y"] * 5 + ["x"]


def _verdicts(labels: dict[str, list[str]]) -> list[Verdict]:
    return [Verdict(n, item, lab, reviewer=who) for who, row in labels.items()
            for n, (item, lab) in enumerate(zip(ITEMS, row, strict=True))]


def test_kappa_between_reviewers_and_both_named_when_gold_clears_neither() -> None:
    # po = 8/10; both reviewers say x on 5 items and y on 5, so pe = .5*.5 + .5*.5 = .5 and
    # kappa = (.8 - .5) / (1 - .5) = 0.6, below the 0.8 target.
    gold = dict(zip(ITEMS[:5], ["x"] * 5, strict=True))
    result = calibrate(_verdicts({"A": A, "B": B}), ITEMS, ITEMS, gold, CalibrationPlan())
    rows = result.reviewers.set_index("reviewer")
    assert rows.loc["A", "kappa"] == pytest.approx(0.6)
    assert rows.loc["B", "kappa_with"] == "A" and rows.loc["B", "kappa_items"] == 10
    # A: 5 of 5 gold right. B: 4 of 5 (item 5); Wilson upper bound of 4/5 at 95 % is
    # (0.8 + 1.96²/10 + 1.96·sqrt(.8·.2/5 + 1.96²/100)) / (1 + 1.96²/5) = 0.9638 >= 0.95.
    assert (rows.loc["B", "gold_items"], rows.loc["B", "gold_correct"]) == (5, 4)
    assert rows.loc["B", "gold_upper"] == pytest.approx(0.9638, abs=1e-4)
    # Gold accuracy clears neither, so both reviewers of the low-kappa pair are named.
    assert result.below_target == ["A", "B"]
    assert "Cohen's kappa 0.60 with A on 10 calibration items" in rows.loc["B", "reason"]
    assert result.double_reviewed == 10
    assert "reviewer(s) below the calibration targets: A (" in result.inconclusive_reason()


def test_reviewer_surely_below_on_gold_is_the_one_named() -> None:
    # B says x on items 2-9 and y on 1 and 10: right on items 2-5 and 10 of A's answers.
    gold = dict(zip(ITEMS, A, strict=True))
    lenient = ["y"] + ["x"] * 8 + ["y"]
    result = calibrate(_verdicts({"A": A, "B": lenient}), ITEMS, ITEMS, gold,
                       CalibrationPlan())
    rows = result.reviewers.set_index("reviewer")
    assert (rows.loc["B", "gold_correct"], rows.loc["B", "gold_items"]) == (5, 10)
    # 5/10: (0.5 + 0.19208 + 1.96·sqrt(.025 + .009604)) / 1.38416 = 0.7634.
    assert rows.loc["B", "gold_upper"] == pytest.approx(0.7634, abs=1e-4)
    assert result.below_target == ["B"]
    assert rows.loc["B", "reason"].startswith("accuracy on gold 50.0% on 10 gold items")
    assert not rows.loc["A", "below_target"]


def test_calibrated_reviewers_leave_the_audit_conclusive() -> None:
    gold = dict(zip(ITEMS, A, strict=True))
    result = calibrate(_verdicts({"A": A, "B": A}), ITEMS, ITEMS, gold, CalibrationPlan())
    assert result.below_target == [] and result.inconclusive_reason() is None
    assert list(result.reviewers["kappa"]) == [1.0, 1.0]


def test_kappa_needs_ten_items_and_only_calibration_items_count() -> None:
    result = calibrate(_verdicts({"A": A, "B": B}), ITEMS, ITEMS[:9], {}, CalibrationPlan())
    assert result.reviewers["kappa"].isna().all() and result.below_target == []
    assert list(result.reviewers["calibration_items"]) == [9, 9]


def test_calibration_share_is_seeded_and_at_least_one_item() -> None:
    first = calibration_items(ITEMS, 0.2, 7)
    assert first == calibration_items(list(reversed(ITEMS)), 0.2, 7)
    assert len(first) == 2 and set(first) <= set(ITEMS)
    assert len(calibration_items(ITEMS[:3], 0.01, 7)) == 1
    assert calibration_items([], 0.2, 7) == []


def _answers(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["annotator", "item", "label", "at"])
    return frame.assign(at=pd.to_datetime(frame["at"]))


GOLD = {f"G{i}": "x" for i in range(1, 7)}


def test_qualification_pass_fail_pending_and_no_record() -> None:
    rule = QualificationRule(items=5, threshold=0.9)
    day = "2026-01-01T0{}:00:00"
    rows = [("P", f"G{i}", "x" if i != 3 else "y", day.format(i)) for i in range(1, 6)]
    # F: 3 of 5 right; Wilson upper bound (0.6 + 0.38416 + 1.96·sqrt(.048 + .038416)) /
    # 1.76832 = 0.8824 < 0.9: failed. Its sixth answer (right) is not part of the batch.
    rows += [("F", f"G{i}", "x" if i <= 3 else "y", day.format(i)) for i in range(1, 6)]
    rows += [("F", "G6", "x", day.format(7))]
    rows += [("W", f"G{i}", "x", day.format(i)) for i in range(1, 5)]
    status = qualify(_answers(rows), GOLD, rule, ["P", "F", "W", "N"]).set_index("annotator")
    # P: 4 of 5, upper bound 0.9638 >= 0.9: qualified when its fifth answer was given.
    assert status.loc["P", "status"] == QUALIFIED
    assert status.loc["P", "qualified_at"] == pd.Timestamp("2026-01-01T05:00:00")
    assert status.loc["F", "status"] == FAILED and status.loc["F", "correct"] == 3
    assert status.loc["F", "upper"] == pytest.approx(0.8824, abs=1e-4)
    assert "surely below the 90% threshold" in status.loc["F", "reason"]
    assert status.loc["W", "status"] == PENDING and status.loc["N", "status"] == NO_RECORD


def test_only_labels_of_qualified_annotators_after_qualifying_count() -> None:
    status = pd.DataFrame({"annotator": ["P", "F"], "status": [QUALIFIED, FAILED],
                           "qualified_at": [pd.Timestamp("2026-01-02"), None]})
    frame = pd.DataFrame({"annotator": ["P", "P", "F"],
                          "started_at": pd.to_datetime(["2026-01-01", "2026-01-03",
                                                        "2026-01-03"])})
    assert list(counted_labels(frame, status)) == [False, True, False]


def test_retraining_only_for_qualified_annotators_below_target() -> None:
    annotators = pd.DataFrame({"annotator": ["P", "Q", "F"], "vendor": ["v", "v", "v"],
                               "flagged": [True, False, True],
                               "flag_reason": ["gold accuracy low", "", "failed"]})
    status = pd.DataFrame({"annotator": ["P", "Q", "F"],
                           "status": [QUALIFIED, QUALIFIED, FAILED]})
    due = retraining(annotators, status, "2.2")
    assert due.to_dict("records") == [{"annotator": "P", "vendor": "v",
                                       "reason": "gold accuracy low",
                                       "guidelines_version": "2.2"}]


def _with(contract: DatasetContract, **changes: object) -> DatasetContract:
    labeling = {**contract.custom["labeling"], **changes}
    return dataclasses.replace(contract, custom={**contract.custom, "labeling": labeling})


def test_contract_settings_and_their_refusals(contracts) -> None:
    contract = contracts["support_ticket_labels"]
    spec = labeling_spec(contract)
    assert spec.calibration == CalibrationPlan(0.2, 0.8, 0.95)
    assert spec.qualification == QualificationRule(20, 0.9)
    assert CHECK_QUALIFIED in LABELING_CHECKS
    bare = {k: v for k, v in contract.custom["labeling"].items()
            if k not in ("calibration", "qualification")}
    plain = labeling_spec(dataclasses.replace(contract, custom={**contract.custom,
                                                                "labeling": bare}))
    assert plain.qualification is None and plain.calibration == CalibrationPlan()
    for change, field in (({"calibration": {"share": 0}}, "calibration.share"),
                          ({"calibration": {"kappa": 0.8}}, "calibration"),
                          ({"qualification": {"items": 0}}, "qualification.items"),
                          ({"qualification": {"threshold": 1.5}}, "qualification.threshold")):
        with pytest.raises(ContractError) as err:
            labeling_spec(_with(contract, **change))
        assert err.value.field == f"customProperties.labeling.{field}"


def test_qualification_file_refuses_items_that_are_not_gold(contracts,
                                                            tmp_path: Path) -> None:
    spec = labeling_spec(contracts["support_ticket_labels"])
    path = tmp_path / "qualification.csv"
    path.write_text("annotator_id,item_id,label,at\nAC-09,T-000001,billing,2026-01-01\n"
                    "AC-09,T-000002,bililng,2026-01-01\n")
    with pytest.raises(IntakeError, match="is not a gold item"):
        load_qualification(path, spec, {"T-000002": "billing"})
    with pytest.raises(IntakeError, match="'bililng' is not one of the contract's labels"):
        load_qualification(path, spec, {"T-000001": "billing", "T-000002": "billing"})
    path.write_text("annotator_id,item_id,label,at\nAC-09,T-000001,billing,2026-01-01\n")
    answers = load_qualification(path, spec, {"T-000001": "billing"})
    assert answers.to_dict("records") == [{"annotator": "AC-09", "item": "T-000001",
                                           "label": "billing",
                                           "at": pd.Timestamp("2026-01-01")}]
