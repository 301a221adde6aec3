"""Representation figures against hand computations on small hand-made tables."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest
from scipy import stats

from governance.representation.bands import MISSING, members
from governance.representation.bounds import WITHHELD, breaches
from governance.representation.figures import (
    OTHER,
    group_figures,
    share_drift,
    wilson,
    withheld_members,
)
from governance.representation.spec import Bounds, Group

Z = 1.959963984540054  # the 97.5 % normal quantile


def hand_wilson(count: int, total: int) -> tuple[float, float]:
    """The Wilson score interval worked by hand from its formula (Wilson 1927)."""
    p, n = count / total, total
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def labels(**counts: int) -> pd.Series:
    return pd.Series([m for m, n in counts.items() for _ in range(n)], dtype=object)


def outcomes(*blocks: tuple[int, int]) -> pd.Series:
    """(rows, favorable rows) per member, in member order: favorable = False (no default)."""
    return pd.Series([i >= hits for rows, hits in blocks for i in range(rows)], dtype=object)


def test_wilson_matches_the_hand_worked_interval():
    assert wilson(60, 100) == pytest.approx(hand_wilson(60, 100), abs=1e-12)
    assert wilson(60, 100) == pytest.approx((0.50200, 0.69060), abs=5e-6)


def test_shares_rates_disparate_impact_and_parity_difference():
    # A: 60 rows, 48 without default (0.8); B: 40 rows, 24 without default (0.6).
    g = group_figures("g", labels(A=60, B=40), 10, outcomes((60, 48), (40, 24)), False)
    a, b = g.member("A"), g.member("B")
    assert (a.rows, a.share, b.rows, b.share) == (60, 0.6, 40, 0.4)
    assert (a.share_low, a.share_high) == pytest.approx(hand_wilson(60, 100))
    assert (b.share_low, b.share_high) == pytest.approx(hand_wilson(40, 100))
    assert (a.outcome_rate, b.outcome_rate) == pytest.approx((0.8, 0.6))
    assert (b.rate_low, b.rate_high) == pytest.approx(hand_wilson(24, 40))
    # The largest group is the reference when none is declared.
    assert g.reference_member == "A" and a.is_reference and not b.is_reference
    assert b.disparate_impact == pytest.approx(0.6 / 0.8)
    assert b.parity_difference == pytest.approx(-0.2)
    assert (a.disparate_impact, a.parity_difference) == (1.0, 0.0)
    declared = group_figures("g", labels(A=60, B=40), 10, outcomes((60, 48), (40, 24)),
                             False, reference="B")
    assert declared.member("A").disparate_impact == pytest.approx(0.8 / 0.6)


def test_missing_values_are_a_group_of_their_own():
    frame = pd.DataFrame({"status": ["a"] * 12 + [None] * 11})
    g = group_figures("status", members(frame, Group("status", column="status")), 10)
    assert {m.member: m.rows for m in g.members} == {"a": 12, MISSING: 11}


@pytest.mark.parametrize(("counts", "withheld"), [
    ({"A": 50, "B": 30, "C": 15}, set()),
    # One small group: the next smallest is withheld with it, or D = 100 - 95.
    ({"A": 50, "B": 30, "C": 15, "D": 5}, {"C", "D"}),
    # Two small groups adding up to fewer than k: one more, so their sum stays hidden.
    ({"A": 50, "B": 30, "C": 4, "D": 3}, {"B", "C", "D"}),
    # Two small groups adding up to k or more: they hide each other.
    ({"A": 80, "C": 6, "D": 5}, {"C", "D"}),
    ({"A": 5}, {"A"}),
])
def test_small_groups_and_their_complements_are_withheld(counts, withheld):
    assert withheld_members(counts, 10) == withheld


def test_withheld_groups_never_appear_and_their_sum_shows_only_from_k_rows():
    g = group_figures("g", labels(A=50, B=30, C=15, D=5), 10,
                      outcomes((50, 40), (30, 20), (15, 5), (5, 1)), False)
    assert [m.member for m in g.members] == ["A", "B", OTHER]
    other = g.member(OTHER)
    assert (other.rows, other.merged, other.outcome_rate) == (20, 2, None)
    assert (g.small, g.withheld) == (1, 2)
    # Nothing in the figures is the small group's count, share or rate.
    shown = {m.rows for m in g.members} | {m.share for m in g.members}
    assert 5 not in shown and 0.05 not in shown and 15 not in shown
    # Too few to show even combined: nothing of them at all.
    alone = group_figures("g", labels(A=5), 10)
    assert alone.members == () and alone.total == 5


def test_a_withheld_reference_gives_no_disparity_figures():
    g = group_figures("g", labels(A=50, B=30, C=15, D=5), 10,
                      outcomes((50, 40), (30, 20), (15, 5), (5, 1)), False, reference="D")
    assert g.reference_member is None and "not shown" in g.note
    assert all(m.disparate_impact is None for m in g.members)


def test_rates_need_k_known_outcomes():
    outcome = pd.Series([False] * 50 + [None] * 25 + [True] * 5, dtype=object)
    g = group_figures("g", labels(A=50, B=30), 10, outcome, False)
    assert g.member("A").outcome_rate == 1.0 and g.member("B").outcome_rate is None


def test_share_drift_equals_scipy_and_hand_psi():
    drift = share_drift(labels(A=60, B=40), labels(A=50, B=50), 10, "v1")
    expected = stats.chi2_contingency([[50, 50], [60, 40]], correction=False)
    assert drift.statistic == pytest.approx(2.0202020202)  # 2 (25/55 + 25/45)
    assert (drift.statistic, drift.p_value) == pytest.approx((expected.statistic,
                                                              expected.pvalue))
    assert drift.psi == pytest.approx(0.1 * math.log(0.6 / 0.5) + 0.1 * math.log(0.5 / 0.4))
    assert (drift.reference_version, drift.categories) == ("v1", 2)


def test_share_drift_merges_what_either_version_withholds():
    # C is small in the reference (B withheld with it), so B and C are one category in both.
    drift = share_drift(labels(A=60, B=28, C=12), labels(A=50, B=45, C=5), 10, "v1")
    expected = stats.chi2_contingency([[50, 50], [60, 40]], correction=False)
    assert drift.categories == 2 and drift.p_value == pytest.approx(expected.pvalue)


def test_breaches_name_group_member_and_figure():
    g = group_figures("g", labels(A=60, B=40), 10, outcomes((60, 48), (40, 24)), False)
    found = breaches(g, Bounds(parity_difference=0.1), 10)
    assert [(b.member, b.figure) for b in found] == [("B", "disparate_impact"),
                                                      ("B", "parity_difference")]
    assert found[0].value == pytest.approx(0.75) and found[0].bound == "[0.8, 1.25]"
    assert not breaches(g, Bounds(disparate_impact=(0.7, 1.5)), 10)


def test_a_withheld_group_breaches_min_share_without_a_figure():
    g = group_figures("g", labels(A=300, B=95, C=5), 10)
    [found] = breaches(g, Bounds(min_share={"*": 0.05}), 10)
    assert (found.member, found.value) == (WITHHELD, None)
    assert "5" not in found.describe().replace("0.05", "")
    # Below the floor only when k rows are: 10 / 400 = 2.5 % > 1 %, so nothing is known.
    assert not breaches(g, Bounds(min_share={"*": 0.01}), 10)


def test_share_drift_bounds():
    g = group_figures("g", labels(A=60, B=40), 10)
    g = replace(g, drift=share_drift(labels(A=60, B=40), labels(A=40, B=60), 10, "v1"))
    found = breaches(g, Bounds(drift_p_value=0.01, psi=0.1), 10)
    assert {b.figure for b in found} == {"share_drift_p_value", "share_psi"}
