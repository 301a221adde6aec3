"""The batch report on 3 annotators where one weak annotator gets flagged."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from governance.labeling import LabelingError
from governance.labeling.consensus import AGREED
from governance.labeling.metrics import compute_batch
from tests.governance.labeling.test_agreement import T0

ITEMS = [f"i{n:02d}" for n in range(1, 13)]
TRUTH = {item: ("cat" if n < 6 else "dog") for n, item in enumerate(ITEMS)}
GOLD = {"i01": "cat", "i03": "cat", "i07": "dog", "i09": "dog"}
# bob misses i06; carol flips i01, i02, i07 and i08 (two of them gold items).
MISTAKES = {"alice": set(), "bob": {"i06"}, "carol": {"i01", "i02", "i07", "i08"}}
VENDOR = {"alice": "V1", "bob": "V1", "carol": "V2"}
SECONDS = {"alice": 60, "bob": 60, "carol": 30}
COST = {"alice": 0.10, "bob": 0.10, "carol": 0.05}


def _flip(label: str) -> str:
    return "dog" if label == "cat" else "cat"


@pytest.fixture
def batch() -> pd.DataFrame:
    rows = []
    for n, item in enumerate(ITEMS):
        start = T0 + timedelta(minutes=10 * n)
        for who, wrong in MISTAKES.items():
            label = _flip(TRUTH[item]) if item in wrong else TRUTH[item]
            rows.append({"item": item, "annotator": who, "vendor": VENDOR[who],
                         "label": label, "started_at": start,
                         "finished_at": start + timedelta(seconds=SECONDS[who]),
                         "cost": COST[who]})
    return pd.DataFrame(rows)


def test_compute_batch_flags_the_weak_annotator(batch: pd.DataFrame) -> None:
    metrics = compute_batch(batch, GOLD)
    annotators = metrics.annotators.set_index("annotator")
    # Every item has 3 ratings and at most one dissent, so consensus = truth everywhere.
    # agreement: alice 12/12, bob 11/12, carol 8/12 = 67% < 70%
    # gold (i01, i03, i07, i09): alice 4/4, bob 4/4, carol 2/4 = 50% < 95%
    assert annotators["agreement_rate"].tolist() == pytest.approx([1.0, 11 / 12, 8 / 12])
    assert annotators["gold_accuracy"].tolist() == pytest.approx([1.0, 1.0, 0.5])
    assert annotators["gold_items"].tolist() == [4, 4, 4]
    assert annotators["flagged"].tolist() == [False, False, True]
    # Wilson 95% upper bound of 2/4: centre 0.5, half-width 1.96·sqrt(1/16 + 1.96²/64) /
    # (1 + 1.96²/4) = 0.35 -> 85%, still below the target, so the miss is not noise.
    assert annotators.loc["carol", "flag_reason"] == (
        "gold accuracy 50% on 4 gold items, surely below the 95% target (95% upper bound "
        "85%); agreement with consensus 67% < 70% floor")
    assert annotators.loc["alice", "flag_reason"] == ""
    assert annotators.loc["carol", "vendor"] == "V2"
    assert annotators.loc["carol", "labels"] == 12
    # carol: 12 labels x 30 s = 0.1 h -> 120 labels/h, 0.05 per label
    assert annotators.loc["carol", "labels_per_hour"] == pytest.approx(120)
    assert annotators.loc["carol", "cost_per_label"] == pytest.approx(0.05)
    assert annotators.loc["alice", "median_seconds"] == pytest.approx(60)


def test_compute_batch_agreement_gold_and_vendors(batch: pd.DataFrame) -> None:
    metrics = compute_batch(batch, GOLD)
    # Pairwise kappa (12 items, each annotator's cat share gives pe = 0.5 in every pair):
    #   alice-bob: po = 11/12 -> (11/12 - 1/2) / (1/2) = 5/6
    #   alice-carol: po = 8/12 -> 1/3;  bob-carol: po = 7/12 -> 1/6
    assert [(p.annotator_a, p.annotator_b, p.items) for p in metrics.pairs] == [
        ("alice", "bob", 12), ("alice", "carol", 12), ("bob", "carol", 12)]
    assert [p.kappa for p in metrics.pairs] == pytest.approx([5 / 6, 1 / 3, 1 / 6])
    # Fleiss: 7 unanimous items (P_i = 1) and 5 split 2-1 (P_i = (4 + 1 - 3) / 6 = 1/3)
    #   P = (7 + 5/3) / 12 = 26/36; cat ratings 18 - 1 (bob) - 2 + 2 (carol) = 17, dog 19
    #   Pe = (17^2 + 19^2) / 36^2 = 650/1296 -> kappa = (936 - 650) / (1296 - 650) = 286/646
    assert metrics.fleiss.items == 12 and metrics.fleiss.raters_per_item == 3
    assert metrics.fleiss.kappa == pytest.approx(286 / 646)
    # Krippendorff: each split item adds o_cat,dog = o_dog,cat = 1 -> 10 disagreeing
    # coincidences; n = 36, n_cat = 17, n_dog = 19 -> alpha = 1 - 35 * 10 / (2 * 17 * 19)
    assert metrics.krippendorff_alpha == pytest.approx(1 - 350 / 646)
    # Gold: 12 ratings on gold items, 10 correct (carol misses i01 and i07).
    assert (metrics.gold_ratings, metrics.gold_correct) == (12, 10)
    assert metrics.gold_accuracy == pytest.approx(10 / 12)
    vendors = metrics.vendors.set_index("vendor")
    assert vendors.loc["V1", "annotators"] == 2
    assert vendors.loc["V1", "gold_accuracy"] == pytest.approx(1.0)
    assert vendors.loc["V1", "agreement_rate"] == pytest.approx(23 / 24)
    assert vendors.loc["V2", "gold_accuracy"] == pytest.approx(0.5)
    # V1: 24 labels at 0.10 over 12 items -> 2.40 total, 0.20 per item
    assert vendors.loc["V1", "total_cost"] == pytest.approx(2.40)
    assert vendors.loc["V1", "cost_per_item"] == pytest.approx(0.20)


def test_compute_batch_consensus_distribution_and_operations(batch: pd.DataFrame) -> None:
    metrics = compute_batch(batch, GOLD, label_set=["cat", "dog", "owl"])
    assert (metrics.consensus["status"] == AGREED).all()
    assert metrics.adjudication.empty
    assert metrics.distribution.to_dict("list") == {
        "label": ["cat", "dog", "owl"], "count": [6, 6, 0], "share": [0.5, 0.5, 0.0]}
    # counts 6, 6, 0 over k = 3: ratio 1, entropy ln 2 / ln 3 = 0.630930, minority 0
    assert metrics.imbalance["imbalance_ratio"] == pytest.approx(1.0)
    assert metrics.imbalance["normalized_entropy"] == pytest.approx(0.630930, abs=1e-6)
    # 36 labels, 24 x 60 s + 12 x 30 s = 1800 s = 0.5 h -> 72 labels/h
    # cost 24 x 0.10 + 12 x 0.05 = 3.00 over 12 items; span T0 .. T0 + 110 min + 60 s
    ops = metrics.operations
    assert (ops["labels"], ops["items"], ops["annotators"], ops["vendors"]) == (36, 12, 3, 2)
    assert ops["labels_per_hour"] == pytest.approx(72)
    assert ops["total_cost"] == pytest.approx(3.0)
    assert ops["cost_per_item"] == pytest.approx(0.25)
    assert ops["span_hours"] == pytest.approx(111 / 60)


def test_stricter_thresholds_flag_more_annotators(batch: pd.DataFrame) -> None:
    # bob agrees 11/12 = 91.7% -> flagged at a 95% floor.
    metrics = compute_batch(batch, GOLD, agreement_floor=0.95)
    assert metrics.annotators["flagged"].tolist() == [False, True, True]
    assert metrics.annotators["flag_reason"][1] == "agreement with consensus 92% < 95% floor"
    # At a 92% floor whole percents would read "92% < 92%", so one decimal is shown.
    metrics = compute_batch(batch, GOLD, agreement_floor=0.92)
    assert metrics.annotators["flag_reason"][1] == (
        "agreement with consensus 91.7% < 92.0% floor")


def test_no_gold_means_nan_accuracy_and_no_gold_flags(batch: pd.DataFrame) -> None:
    metrics = compute_batch(batch, {})
    assert metrics.gold_ratings == 0
    assert metrics.gold_accuracy != metrics.gold_accuracy  # nan
    assert metrics.annotators["gold_accuracy"].isna().all()
    assert metrics.annotators["flag_reason"].tolist() == [
        "", "", "agreement with consensus 67% < 70% floor"]


def test_compute_batch_validates_its_input(batch: pd.DataFrame) -> None:
    with pytest.raises(LabelingError, match=r"missing the column\(s\) vendor, cost"):
        compute_batch(batch.drop(columns=["vendor", "cost"]), GOLD)
    with pytest.raises(LabelingError, match="no annotations"):
        compute_batch(batch.iloc[0:0], GOLD)
    with pytest.raises(LabelingError, match="more than once"):
        compute_batch(pd.concat([batch, batch.iloc[[0]]]), GOLD)
