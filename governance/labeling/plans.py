"""Contract settings for reviewer calibration and annotator qualification.

Read from the contract's labeling section (both optional):

    calibration: {share: 0.2, reviewerKappa: 0.8, reviewerAccuracy: 0.95}
    qualification: {items: 20, threshold: 0.9}

Without `calibration` the defaults above apply (calibration is measured whenever a second
reviewer's verdicts exist). Without `qualification` no qualification is required and every
annotator's labels count, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.sections import Fail, known_mapping

_CALIBRATION_KEYS = {"share", "reviewerKappa", "reviewerAccuracy"}
_QUALIFICATION_KEYS = {"items", "threshold"}


@dataclass(frozen=True)
class CalibrationPlan:
    """How much of the audit sample is double-reviewed, and the reviewers' targets."""

    share: float = 0.2
    reviewer_kappa: float = 0.8
    reviewer_accuracy: float = 0.95


@dataclass(frozen=True)
class QualificationRule:
    """An annotator's qualification batch: `items` gold items, judged against `threshold`.

    The annotator passes when the 95 % Wilson upper bound of their accuracy on their first
    `items` qualification answers is at least `threshold`, i.e. they are not surely below
    it (the rule gold accuracy uses). With 20 items and 0.9 that is 16 or more right.
    """

    items: int = 20
    threshold: float = 0.9


def _share(raw: dict[str, Any], key: str, default: float, low: float, where: str,
           fail: Fail) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= 1:
        raise fail(f"{where}.{key}", f"must be a number above {low:g} and at most 1")
    return float(value)


def _mapping(raw: Any, where: str, keys: set[str], example: str, fail: Fail) -> dict[str, Any]:
    return known_mapping(raw, where, keys, fail, example)


def calibration_plan(raw: Any, fail: Fail) -> CalibrationPlan:
    """The contract's calibration settings; `fail(where, reason)` builds the error."""
    if raw is None:
        return CalibrationPlan()
    raw = _mapping(raw, "calibration", _CALIBRATION_KEYS,
                   "{share: 0.2, reviewerKappa: 0.8, reviewerAccuracy: 0.95}", fail)
    return CalibrationPlan(_share(raw, "share", 0.2, 0.0, "calibration", fail),
                           _share(raw, "reviewerKappa", 0.8, -1.0, "calibration", fail),
                           _share(raw, "reviewerAccuracy", 0.95, 0.0, "calibration", fail))


def qualification_rule(raw: Any, fail: Fail) -> QualificationRule | None:
    """The contract's qualification rule, or None when it requires no qualification."""
    if raw is None:
        return None
    raw = _mapping(raw, "qualification", _QUALIFICATION_KEYS, "{items: 20, threshold: 0.9}",
                   fail)
    items = raw.get("items", 20)
    if isinstance(items, bool) or not isinstance(items, int) or items < 1:
        raise fail("qualification.items", "must be a whole number of gold items, at least 1")
    return QualificationRule(items, _share(raw, "threshold", 0.9, 0.0, "qualification", fail))
