"""Majority vote, the adjudication queue and each annotator's agreement with consensus."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from governance.labeling import LabelingError
from governance.labeling.consensus import (
    AGREED,
    LOW_AGREEMENT,
    SINGLE,
    TIE,
    adjudication_queue,
    agreement_with_consensus,
    majority_vote,
)
from tests.governance.labeling.test_agreement import annotations

ROWS = [
    ("i1", "ann", "cat"), ("i1", "bob", "cat"), ("i1", "cy", "cat"),   # 3/3 agreed
    ("i2", "ann", "cat"), ("i2", "bob", "dog"),                        # 1-1 tie
    ("i3", "ann", "cat"), ("i3", "bob", "cat"), ("i3", "cy", "dog"),
    ("i3", "dee", "owl"),                                              # 2/4 = 50% < 60%
    ("i4", "ann", "dog"),                                              # single rating
    ("i5", "ann", "dog"), ("i5", "bob", "dog"), ("i5", "cy", "cat"),   # 2/3 = 67% >= 60%
]


@pytest.fixture
def consensus() -> pd.DataFrame:
    return majority_vote(annotations(ROWS))


def test_majority_vote_statuses(consensus: pd.DataFrame) -> None:
    assert list(consensus.columns[:6]) == ["item", "label", "ratings", "top_votes", "share",
                                           "status"]
    assert list(consensus["item"]) == ["i1", "i2", "i3", "i4", "i5"]
    assert list(consensus["status"]) == [AGREED, TIE, LOW_AGREEMENT, SINGLE, AGREED]
    assert list(consensus["label"]) == ["cat", None, "cat", "dog", "dog"]
    assert list(consensus["ratings"]) == [3, 2, 4, 1, 3]
    assert list(consensus["top_votes"]) == [3, 1, 2, 1, 2]
    assert consensus["share"].tolist() == pytest.approx([1.0, 0.5, 0.5, 1.0, 2 / 3])
    assert list(consensus["top_labels"]) == [1, 2, 1, 1, 1]


def test_min_share_moves_the_low_agreement_line() -> None:
    # 2 of 3 = 0.667: agreed at 0.6, low agreement at 0.7; 3 of 5 = 0.6 meets 0.6 exactly.
    rows = [r for r in ROWS if r[0] == "i5"]
    assert majority_vote(annotations(rows), min_share=0.7)["status"].tolist() == [LOW_AGREEMENT]
    five = [("j", f"r{n}", "x" if n < 3 else f"y{n}") for n in range(5)]
    assert majority_vote(annotations(five), min_share=0.6)["status"].tolist() == [AGREED]
    with pytest.raises(LabelingError, match="between 0 and 1"):
        majority_vote(annotations(rows), min_share=60)


def test_adjudication_queue_lists_ties_and_low_agreement_without_labels(
        consensus: pd.DataFrame) -> None:
    queue = adjudication_queue(consensus)
    assert list(queue["item"]) == ["i2", "i3"]
    assert "label" not in queue.columns
    assert list(queue["reason"]) == [
        "tie between 2 labels (1 of 2 votes each)",
        "only 50% of 4 annotators agree (2 votes for the top label)",
    ]
    # No label text anywhere in the queue: ids, statuses, counts and reasons only.
    text = queue.to_csv()
    assert not any(word in text for word in ("cat", "dog", "owl"))


def test_agreement_with_consensus_per_annotator(consensus: pd.DataFrame) -> None:
    # Usable items: consensus label present and >= 2 ratings -> i1 (cat), i3 (cat), i5 (dog).
    # ann: i1 cat ok, i3 cat ok, i5 dog ok -> 3/3; bob: i1 ok, i3 ok, i5 ok -> 3/3
    # cy: i1 ok, i3 dog no, i5 cat no -> 1/3; dee: i3 owl no -> 0/1
    out = agreement_with_consensus(annotations(ROWS), consensus)
    assert list(out.columns) == ["annotator", "items", "agreed", "rate"]
    assert list(out["annotator"]) == ["ann", "bob", "cy", "dee"]
    assert list(out["items"]) == [3, 3, 3, 1]
    assert list(out["agreed"]) == [3, 3, 1, 0]
    assert out["rate"].tolist() == pytest.approx([1.0, 1.0, 1 / 3, 0.0])


def test_annotator_without_usable_items_has_nan_rate() -> None:
    frame = annotations([("i1", "a", "x"), ("i1", "b", "y"), ("i2", "c", "x")])
    out = agreement_with_consensus(frame, majority_vote(frame))
    assert list(out["items"]) == [0, 0, 0]
    assert all(math.isnan(r) for r in out["rate"])


def test_empty_batch_gives_empty_consensus() -> None:
    out = majority_vote(annotations([]))
    assert out.empty
    assert adjudication_queue(out).empty
