"""Gold accuracy, turnaround/throughput/cost, and the label distribution and its imbalance."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from governance.labeling import LabelingError
from governance.labeling.distribution import imbalance, label_distribution
from governance.labeling.gold import gold_accuracy, overall_gold_accuracy, upper_bound
from governance.labeling.operations import batch_operations, operations_by
from tests.governance.labeling.test_agreement import T0

GOLD = {"g1": "cat", "g2": "dog", "g3": "cat"}


def _row(item: str, annotator: str, vendor: str, label: str | None, start_min: float,
         seconds: float, cost: float) -> dict[str, object]:
    start = T0 + timedelta(minutes=start_min)
    return {"item": item, "annotator": annotator, "vendor": vendor, "label": label,
            "started_at": start, "finished_at": start + timedelta(seconds=seconds),
            "cost": cost}


@pytest.fixture
def batch() -> pd.DataFrame:
    return pd.DataFrame([
        # ann (vendor V1): g1 ok, g2 ok, g3 wrong, plus a non-gold item
        _row("g1", "ann", "V1", "cat", 0, 60, 0.10),
        _row("g2", "ann", "V1", "dog", 2, 120, 0.10),
        _row("g3", "ann", "V1", "dog", 5, 300, 0.10),
        _row("x1", "ann", "V1", "cat", 12, 60, 0.10),
        # bob (vendor V1): g1 ok, g2 left unlabeled (counts as a miss)
        _row("g1", "bob", "V1", "cat", 0, 30, 0.20),
        _row("g2", "bob", "V1", None, 1, 30, 0.20),
        # cy (vendor V2): no gold item at all
        _row("x1", "cy", "V2", "dog", 30, 90, 0.50),
    ])


def test_gold_accuracy_per_annotator(batch: pd.DataFrame) -> None:
    # ann 2/3, bob 1/2; cy rated no gold item and is left out.
    out = gold_accuracy(batch, GOLD, "annotator")
    assert list(out.columns) == ["annotator", "gold_items", "correct", "accuracy", "upper"]
    assert list(out["annotator"]) == ["ann", "bob"]
    assert list(out["gold_items"]) == [3, 2]
    assert list(out["correct"]) == [2, 1]
    assert out["accuracy"].tolist() == pytest.approx([2 / 3, 0.5])


def test_gold_accuracy_per_vendor_and_overall(batch: pd.DataFrame) -> None:
    # V1: 5 gold ratings, 3 correct; V2 has none.
    out = gold_accuracy(batch, GOLD, "vendor")
    assert out.to_dict("records") == [{"vendor": "V1", "gold_items": 5, "correct": 3,
                                       "accuracy": pytest.approx(0.6),
                                       "upper": pytest.approx(upper_bound(3, 5))}]
    assert overall_gold_accuracy(batch, GOLD) == (5, 3)
    assert overall_gold_accuracy(batch, {}) == (0, 0)
    assert gold_accuracy(batch, {}, "vendor").empty
    with pytest.raises(LabelingError, match="annotator or vendor"):
        gold_accuracy(batch, GOLD, "item")


def test_operations_by_annotator(batch: pd.DataFrame) -> None:
    out = operations_by(batch, "annotator").set_index("annotator")
    ann = out.loc["ann"]
    # ann: 4 labels of 60, 120, 300, 60 s -> sorted 60, 60, 120, 300; median 90
    # p90 (linear): position 0.9 * 3 = 2.7 -> 120 + 0.7 * (300 - 120) = 246
    # active time 540 s = 0.15 h -> 4 / 0.15 = 26.67 labels/h; cost 0.40 over 4 items
    assert (ann["labels"], ann["items"], ann["annotators"]) == (4, 4, 1)
    assert ann["median_seconds"] == pytest.approx(90)
    assert ann["p90_seconds"] == pytest.approx(246)
    assert ann["labels_per_hour"] == pytest.approx(4 / 0.15)
    assert ann["total_cost"] == pytest.approx(0.40)
    assert ann["cost_per_label"] == pytest.approx(0.10)
    assert ann["cost_per_item"] == pytest.approx(0.10)
    # bob: 2 labels of 30 s -> 60 s = 1/60 h -> 120 labels/h
    assert out.loc["bob", "labels_per_hour"] == pytest.approx(120)


def test_operations_by_vendor(batch: pd.DataFrame) -> None:
    out = operations_by(batch, "vendor").set_index("vendor")
    assert list(out.columns) == ["labels", "items", "annotators", "median_seconds",
                                 "p90_seconds", "labels_per_hour", "total_cost",
                                 "cost_per_label", "cost_per_item"]
    v1 = out.loc["V1"]
    # V1: 6 labels on 4 distinct items (g1, g2, g3, x1) by 2 annotators; cost 0.4 + 0.4
    # times 60, 120, 300, 60, 30, 30 = 600 s -> 6 / (600 / 3600) = 36 labels/h
    assert (v1["labels"], v1["items"], v1["annotators"]) == (6, 4, 2)
    assert v1["median_seconds"] == pytest.approx(60)
    assert v1["labels_per_hour"] == pytest.approx(36)
    assert v1["total_cost"] == pytest.approx(0.8)
    assert v1["cost_per_label"] == pytest.approx(0.8 / 6)
    assert v1["cost_per_item"] == pytest.approx(0.2)


def test_batch_operations(batch: pd.DataFrame) -> None:
    ops = batch_operations(batch)
    # 7 labels, items g1 g2 g3 x1, 3 annotators, 2 vendors, times 60 120 300 60 30 30 90
    # sorted 30 30 60 60 90 120 300: median 60; p90 position 5.4 -> 120 + 0.4 * 180 = 192
    # 690 s active -> 7 / (690 / 3600) labels/h; cost 1.30 over 4 items = 0.325
    # span: first start T0, last finish T0 + 30 min + 90 s = 31.5 min = 0.525 h
    assert (ops["labels"], ops["items"], ops["annotators"], ops["vendors"]) == (7, 4, 3, 2)
    assert ops["median_seconds"] == pytest.approx(60)
    assert ops["p90_seconds"] == pytest.approx(192)
    assert ops["labels_per_hour"] == pytest.approx(7 * 3600 / 690)
    assert ops["total_cost"] == pytest.approx(1.30)
    assert ops["cost_per_item"] == pytest.approx(0.325)
    assert ops["span_hours"] == pytest.approx(0.525)


def test_backwards_timestamps_are_refused(batch: pd.DataFrame) -> None:
    bad = batch.copy()
    bad.loc[[0, 3], "finished_at"] = bad.loc[[0, 3], "started_at"] - timedelta(seconds=1)
    with pytest.raises(LabelingError, match="2 annotation"):
        batch_operations(bad)
    with pytest.raises(LabelingError, match="finish before they start"):
        operations_by(bad, "vendor")


def test_label_distribution_with_and_without_label_set() -> None:
    labels = pd.Series(["dog", "cat", "dog", "dog", None])
    plain = label_distribution(labels)
    assert plain.to_dict("list") == {"label": ["cat", "dog"], "count": [1, 3],
                                     "share": [0.25, 0.75]}
    declared = label_distribution(labels, ["dog", "cat", "owl"])
    assert list(declared["label"]) == ["dog", "cat", "owl"]
    assert list(declared["count"]) == [3, 1, 0]
    assert declared["share"].tolist() == pytest.approx([0.75, 0.25, 0.0])
    # A label outside the declared set is listed after it, not dropped.
    extra = label_distribution(pd.Series(["cat", "emu"]), ["cat"])
    assert list(extra["label"]) == ["cat", "emu"]


def test_imbalance_measures() -> None:
    # counts 3, 1, 0 (k = 3): ratio = 3 / 1 (zero ignored); minority share 0 / 4 = 0
    # entropy = -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.215762 + 0.346574 = 0.562335
    # normalized by ln 3 = 1.098612 -> 0.511860
    dist = label_distribution(pd.Series(["dog", "cat", "dog", "dog"]), ["dog", "cat", "owl"])
    out = imbalance(dist)
    assert out["imbalance_ratio"] == pytest.approx(3.0)
    assert out["normalized_entropy"] == pytest.approx(0.511860, abs=1e-6)
    assert out["minority_share"] == pytest.approx(0.0)
    balanced = imbalance(label_distribution(pd.Series(["a", "b", "a", "b"])))
    assert balanced == {"imbalance_ratio": 1.0, "normalized_entropy": pytest.approx(1.0),
                        "minority_share": 0.5}
    single = imbalance(label_distribution(pd.Series(["a", "a"])))
    assert single["normalized_entropy"] == 0.0
    assert single["imbalance_ratio"] == 1.0
    empty = imbalance(label_distribution(pd.Series([], dtype=object)))
    assert all(math.isnan(v) for v in empty.values())


def test_wilson_upper_bound_by_hand() -> None:
    # 7 of 14, z = 1.959964: centre (0.5 + z²/28) / (1 + z²/14) = 0.5,
    # half-width z·sqrt(0.25/14 + z²/784) / (1 + z²/14) = 0.23202 -> upper 0.73202.
    assert upper_bound(7, 14) == pytest.approx(0.73202, abs=1e-4)
    # 14 of 14 is still not certainty: 1 / (1 + z²/14) = 0.78466... upper is 1.0.
    assert upper_bound(14, 14) == pytest.approx(1.0)
    # 13 of 14 (one miss) cannot prove an annotator is below 95%.
    assert upper_bound(13, 14) > 0.95
    assert math.isnan(upper_bound(0, 0))
