"""Agreement statistics on small cases whose values are worked out by hand in comments."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from governance.labeling import LabelingError
from governance.labeling.agreement import (
    PairKappa,
    fleiss_kappa,
    krippendorff_alpha,
    label_matrix,
    pairwise_cohen_kappa,
)

T0 = datetime(2026, 3, 2, 9)


def annotations(rows: Iterable[tuple[str, str, str | None]], *, vendor: str = "acme",
                seconds: float = 60.0, cost: float = 0.1) -> pd.DataFrame:
    """A long annotation frame from (item, annotator, label) triples, other columns fixed."""
    records = [{"item": item, "annotator": annotator, "vendor": vendor, "label": label,
                "started_at": T0, "finished_at": T0 + timedelta(seconds=seconds),
                "cost": cost}
               for item, annotator, label in rows]
    return pd.DataFrame(records, columns=["item", "annotator", "vendor", "label",
                                          "started_at", "finished_at", "cost"])


def two_raters(first: str, second: str, prefix: str = "i") -> list[tuple[str, str, str]]:
    """Rows for annotators a and b; first/second give one label letter per item."""
    rows = []
    for n, (x, y) in enumerate(zip(first, second, strict=True)):
        rows += [(f"{prefix}{n:02d}", "a", x), (f"{prefix}{n:02d}", "b", y)]
    return rows


def test_package_never_imports_dagster() -> None:
    package = Path(__file__).resolve().parents[3] / "governance" / "labeling"
    pattern = re.compile(r"^\s*(import|from)\s+dagster", re.MULTILINE)
    for module in package.glob("*.py"):
        assert not pattern.search(module.read_text(encoding="utf-8")), module.name


def test_cohen_kappa_on_a_hand_computed_two_by_two_table() -> None:
    # 10 items: both yes 4, a yes/b no 2, a no/b yes 1, both no 3.
    # po = (4 + 3) / 10 = 0.7; a says yes 6/10, b says yes 5/10
    # pe = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    frame = annotations(two_raters("yyyyyynnnn", "yyyynnynnn"))
    pairs = pairwise_cohen_kappa(frame)
    assert len(pairs) == 1
    assert pairs[0].annotator_a == "a" and pairs[0].annotator_b == "b"
    assert pairs[0].items == 10
    assert pairs[0].kappa == pytest.approx(0.4)


def test_cohen_kappa_needs_min_items_in_common() -> None:
    # 9 common items is below the default 10, so the pair is not reported at all.
    frame = annotations(two_raters("yyyyynnnn", "yyyyynnnn"))
    assert pairwise_cohen_kappa(frame) == []
    assert pairwise_cohen_kappa(frame, min_items=9)[0].kappa == pytest.approx(1.0)


def test_cohen_kappa_is_nan_when_both_use_one_identical_label() -> None:
    # pe = 1 * 1 = 1, so kappa = (1 - 1) / (1 - 1) is undefined, not perfect.
    frame = annotations(two_raters("y" * 10, "y" * 10))
    [pair] = pairwise_cohen_kappa(frame)
    assert pair.items == 10
    assert math.isnan(pair.kappa)


def test_cohen_pairs_use_only_common_items_and_sorted_names() -> None:
    # zed and amy share items 0-9; bob shares only items 0-4 with each -> no bob pair.
    rows = [(f"i{n}", "zed", "x" if n < 5 else "y") for n in range(10)]
    rows += [(f"i{n}", "amy", "x" if n < 5 else "y") for n in range(10)]
    rows += [(f"i{n}", "bob", "x") for n in range(5)]
    pairs = pairwise_cohen_kappa(annotations(rows))
    assert pairs == [PairKappa("amy", "zed", 10, pytest.approx(1.0))]


def test_fleiss_kappa_on_a_hand_computed_table() -> None:
    # 3 items x 3 raters, counts (a, b): (3, 0), (2, 1), (0, 3).
    # P_i = (sum n_ij^2 - n) / (n (n - 1)): (9-3)/6 = 1, (4+1-3)/6 = 1/3, 1 -> mean 7/9
    # p_a = 5/9, p_b = 4/9 -> Pe = 25/81 + 16/81 = 41/81
    # kappa = (7/9 - 41/81) / (1 - 41/81) = (22/81) / (40/81) = 0.55
    rows = [("i1", "r1", "a"), ("i1", "r2", "a"), ("i1", "r3", "a"),
            ("i2", "r1", "a"), ("i2", "r2", "a"), ("i2", "r3", "b"),
            ("i3", "r1", "b"), ("i3", "r2", "b"), ("i3", "r3", "b")]
    result = fleiss_kappa(annotations(rows))
    assert result.kappa == pytest.approx(0.55)
    assert result.items == 3
    assert result.raters_per_item == 3


def test_fleiss_uses_the_modal_rating_count_and_breaks_ties_upwards() -> None:
    # Two items with 3 ratings (perfect agreement on different labels -> kappa 1) and two
    # items with 2 ratings that disagree: the tie between counts 3 and 2 goes to 3.
    rows = [("i1", "r1", "a"), ("i1", "r2", "a"), ("i1", "r3", "a"),
            ("i2", "r1", "b"), ("i2", "r2", "b"), ("i2", "r3", "b"),
            ("i3", "r1", "a"), ("i3", "r2", "b"),
            ("i4", "r1", "b"), ("i4", "r2", "a")]
    result = fleiss_kappa(annotations(rows))
    assert (result.items, result.raters_per_item) == (2, 3)
    assert result.kappa == pytest.approx(1.0)
    # One more 2-rating item makes 2 the mode: 3 items, all split 1/1 ->
    # P_i = (1 + 1 - 2) / 2 = 0, Pe = 0.5^2 + 0.5^2 = 0.5, kappa = (0 - 0.5) / 0.5 = -1
    more = annotations([*rows, ("i5", "r1", "a"), ("i5", "r2", "b")])
    result = fleiss_kappa(more)
    assert (result.items, result.raters_per_item) == (3, 2)
    assert result.kappa == pytest.approx(-1.0)


def test_fleiss_ignores_single_rated_items_when_choosing_the_mode() -> None:
    # Five items with one rating each carry no agreement; the 3-rating items still count.
    rows = [("i1", "r1", "a"), ("i1", "r2", "a"), ("i1", "r3", "a"),
            ("i2", "r1", "a"), ("i2", "r2", "a"), ("i2", "r3", "b"),
            ("i3", "r1", "b"), ("i3", "r2", "b"), ("i3", "r3", "b")]
    rows += [(f"s{n}", "r1", "a") for n in range(5)]
    result = fleiss_kappa(annotations(rows))
    assert (result.items, result.raters_per_item) == (3, 3)
    assert result.kappa == pytest.approx(0.55)


def test_fleiss_without_multiply_rated_items_is_nan() -> None:
    result = fleiss_kappa(annotations([("i1", "r1", "a"), ("i2", "r2", "b")]))
    assert math.isnan(result.kappa)
    assert (result.items, result.raters_per_item) == (0, 0)


def test_krippendorff_alpha_nominal_by_the_coincidence_matrix() -> None:
    # Units (coder values): i1 (a, a), i2 (a, b), i3 (b, b), i4 (a) alone -> not pairable,
    # i5 (a, a, b). Coincidences, each unit weighted 1 / (m_u - 1):
    #   i1: o_aa += 2; i2: o_ab += 1, o_ba += 1; i3: o_bb += 2
    #   i5: ordered pairs aa x2, ab x2, ba x2, divided by 2 -> o_aa += 1, o_ab += 1, o_ba += 1
    # o_aa = 3, o_ab = o_ba = 2, o_bb = 2; n_a = 5, n_b = 4, n = 9
    # alpha = 1 - (n - 1) * (o_ab + o_ba) / (n_a n_b + n_b n_a) = 1 - 8 * 4 / 40 = 0.2
    rows = [("i1", "c1", "a"), ("i1", "c2", "a"),
            ("i2", "c1", "a"), ("i2", "c2", "b"),
            ("i3", "c1", "b"), ("i3", "c2", "b"),
            ("i4", "c1", "a"),
            ("i5", "c1", "a"), ("i5", "c2", "a"), ("i5", "c3", "b")]
    assert krippendorff_alpha(annotations(rows)) == pytest.approx(0.2)


def test_krippendorff_alpha_two_coders() -> None:
    # i1 (a, a), i2 (a, b), i3 (b, b): o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3
    # alpha = 1 - 5 * 2 / (3 * 3 * 2) = 1 - 10/18 = 4/9
    rows = [("i1", "c1", "a"), ("i1", "c2", "a"), ("i2", "c1", "a"), ("i2", "c2", "b"),
            ("i3", "c1", "b"), ("i3", "c2", "b")]
    assert krippendorff_alpha(annotations(rows)) == pytest.approx(4 / 9)


def test_krippendorff_alpha_perfect_and_undefined_cases() -> None:
    perfect = annotations(two_raters("xyxy", "xyxy"))
    assert krippendorff_alpha(perfect) == pytest.approx(1.0)
    # One label everywhere: expected disagreement 0 -> 0/0.
    assert math.isnan(krippendorff_alpha(annotations(two_raters("xxx", "xxx"))))
    # Only one item rated twice.
    one = annotations([("i1", "c1", "x"), ("i1", "c2", "y"), ("i2", "c1", "x")])
    assert math.isnan(krippendorff_alpha(one))
    with pytest.raises(LabelingError, match="nominal, ordinal, interval, ratio"):
        krippendorff_alpha(perfect, level="fuzzy")


def test_unlabeled_rows_do_not_count_and_duplicates_are_refused() -> None:
    frame = annotations([("i1", "a", "x"), ("i1", "b", None), ("i2", "a", "y")])
    matrix = label_matrix(frame)
    assert list(matrix.columns) == ["a"]
    assert list(matrix.index) == ["i1", "i2"]
    twice = annotations([("i1", "a", "x"), ("i1", "a", "y")])
    with pytest.raises(LabelingError, match="annotator a on item i1"):
        pairwise_cohen_kappa(twice)


def test_missing_columns_are_named() -> None:
    with pytest.raises(LabelingError, match="missing the column"):
        fleiss_kappa(pd.DataFrame({"item": ["i1"], "label": ["x"]}))
