"""Column drift tests against hand-computed statistics (and scipy as a cross-check)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from governance.drift.columns import (
    CATEGORICAL,
    NUMERIC,
    TEXT,
    categorical_drift,
    numeric_drift,
    psi_categorical,
    psi_numeric,
    text_drift,
)
from governance.drift.thresholds import DriftError, DriftThresholds

# A reference of 4 rows is "large" under this setting, to reach the distance tests cheaply.
LARGE = DriftThresholds(small_reference_rows=3)


def nums(*values: float | None) -> pd.Series:
    return pd.Series(values, dtype="float64")


def cats(spec: str) -> pd.Series:
    """'a5 b3' -> five 'a' and three 'b'."""
    return pd.Series([part[0] for part in spec.split() for _ in range(int(part[1:]))])


# --- numeric: Kolmogorov-Smirnov on a small reference -------------------------------------

def test_ks_statistic_and_p_value_by_hand() -> None:
    # ECDFs of [1,2,3,4] and [3,4,5,6]: on [2,3) reference is at 2/4, current at 0/4,
    # so D = 0.5. Exact p-value: of the C(8,4) = 70 ways to split the 8 values into two
    # groups of 4, 54 give D >= 0.5, so p = 54/70 = 27/35 (enumerated below).
    ref, cur = [1, 2, 3, 4], [3, 4, 5, 6]
    pooled = ref + cur
    at_least = sum(
        stats.ks_2samp([pooled[i] for i in idx],
                       [pooled[i] for i in range(8) if i not in idx]).statistic >= 0.5
        for idx in itertools.combinations(range(8), 4)
    )
    assert at_least == 54
    result = numeric_drift("x", nums(*ref), nums(*cur))
    assert result.kind == NUMERIC
    assert result.test == "ks"
    assert result.statistic == pytest.approx(0.5, abs=1e-12)
    assert result.p_value == pytest.approx(27 / 35, rel=1e-9)
    assert result.threshold == 0.05
    assert result.drifted is False


def test_ks_on_fully_separated_samples_drifts() -> None:
    # [1..4] vs [5..8]: D = 1; only 2 of the 70 splits separate the groups, p = 2/70.
    result = numeric_drift("x", nums(1, 2, 3, 4), nums(5, 6, 7, 8))
    assert result.statistic == pytest.approx(1.0, abs=1e-12)
    assert result.p_value == pytest.approx(2 / 70, rel=1e-9)
    assert result.drifted is True


def test_ks_p_value_exactly_at_threshold_counts_as_drift() -> None:
    p = numeric_drift("x", nums(1, 2, 3, 4), nums(5, 6, 7, 8)).p_value
    assert p is not None
    at = numeric_drift("x", nums(1, 2, 3, 4), nums(5, 6, 7, 8), DriftThresholds(ks_p_value=p))
    below = DriftThresholds(ks_p_value=math.nextafter(p, 0.0))
    assert at.drifted is True
    assert numeric_drift("x", nums(1, 2, 3, 4), nums(5, 6, 7, 8), below).drifted is False


def test_shifted_normal_drifts_and_same_distribution_does_not() -> None:
    ref = np.random.default_rng(0).normal(0.0, 1.0, 500)
    base = np.random.default_rng(100).normal(0.0, 1.0, 500)
    same = numeric_drift("x", pd.Series(ref), pd.Series(base))
    shifted = numeric_drift("x", pd.Series(ref), pd.Series(base + 1.0))
    assert same.test == shifted.test == "ks"
    assert same.p_value == pytest.approx(stats.ks_2samp(ref, base).pvalue, rel=1e-9)
    assert same.p_value > 0.5
    assert same.drifted is False
    assert shifted.p_value is not None and shifted.p_value < 1e-20
    assert shifted.drifted is True
    assert shifted.psi_band == "major"


# --- numeric: Wasserstein normed by the reference std on a large reference -----------------

def test_normed_wasserstein_by_hand() -> None:
    # [0,1,2,3] -> [1,2,3,4] moves every unit of mass by 1: W = 1. Reference std with
    # ddof=0 (what Evidently's np.std gives): sqrt(((1.5²+0.5²)*2)/4) = sqrt(1.25).
    # Normed: 1/sqrt(1.25) = 2/sqrt(5) ≈ 0.8944 (ddof=1 would give 0.7746).
    result = numeric_drift("x", nums(0, 1, 2, 3), nums(1, 2, 3, 4), LARGE)
    assert result.test == "wasserstein_norm"
    assert result.p_value is None
    assert result.statistic == pytest.approx(2 / math.sqrt(5), rel=1e-12)
    assert result.statistic == pytest.approx(
        stats.wasserstein_distance([0, 1, 2, 3], [1, 2, 3, 4]) / np.std([0, 1, 2, 3]), rel=1e-12)
    assert result.threshold == 0.1
    assert result.drifted is True


def test_small_normed_wasserstein_does_not_drift() -> None:
    # Only the largest value moves, by 0.4, carrying 1/4 of the mass: W = 0.1.
    # Normed: 0.1/sqrt(1.25) ≈ 0.0894 < 0.1.
    result = numeric_drift("x", nums(0, 1, 2, 3), nums(0, 1, 2, 3.4), LARGE)
    assert result.statistic == pytest.approx(0.1 / math.sqrt(1.25), rel=1e-9)
    assert result.drifted is False


def test_wasserstein_exactly_at_threshold_counts_as_drift() -> None:
    value = numeric_drift("x", nums(0, 1, 2, 3), nums(0, 1, 2, 3.4), LARGE).statistic
    at = DriftThresholds(small_reference_rows=3, wasserstein=value)
    above = DriftThresholds(small_reference_rows=3, wasserstein=math.nextafter(value, 1.0))
    assert numeric_drift("x", nums(0, 1, 2, 3), nums(0, 1, 2, 3.4), at).drifted is True
    assert numeric_drift("x", nums(0, 1, 2, 3), nums(0, 1, 2, 3.4), above).drifted is False


def test_constant_reference_uses_the_std_floor() -> None:
    # std 0 is raised to 0.001; W = 0.004/4 = 0.001, so the normed distance is 1.0.
    result = numeric_drift("x", nums(5, 5, 5, 5), nums(5, 5, 5, 5.004), LARGE)
    assert result.statistic == pytest.approx(1.0, rel=1e-6)


def test_switch_to_wasserstein_above_small_reference_rows() -> None:
    cur = pd.Series(np.arange(1000, dtype=float))
    at_limit = numeric_drift("x", pd.Series(np.arange(1000, dtype=float)), cur)
    over = numeric_drift("x", pd.Series(np.arange(1001, dtype=float)), cur)
    assert (at_limit.test, at_limit.reference_rows) == ("ks", 1000)
    assert (over.test, over.reference_rows) == ("wasserstein_norm", 1001)


def test_switch_counts_filled_in_values_only() -> None:
    ref = pd.Series([*range(1000), None], dtype="float64")
    result = numeric_drift("x", ref, pd.Series(np.arange(10, dtype=float)))
    assert result.test == "ks"
    assert result.reference_rows == 1000
    assert result.reference_null_share == pytest.approx(1 / 1001, rel=1e-12)


def test_large_shifted_normal_drifts_and_same_distribution_does_not() -> None:
    ref = np.random.default_rng(11).normal(0.0, 1.0, 2000)
    base = np.random.default_rng(12).normal(0.0, 1.0, 2000)
    same = numeric_drift("x", pd.Series(ref), pd.Series(base))
    shifted = numeric_drift("x", pd.Series(ref), pd.Series(base + 1.0))
    assert same.test == shifted.test == "wasserstein_norm"
    assert same.statistic < 0.05
    assert same.drifted is False
    assert shifted.statistic == pytest.approx(1.0, abs=0.05)
    assert shifted.drifted is True


# --- numeric: nulls, datetimes, booleans, bad data ----------------------------------------

def test_nulls_are_dropped_and_their_shares_reported() -> None:
    result = numeric_drift("x", nums(1, 2, None, 4), nums(None, None, 3, 5))
    assert (result.reference_rows, result.current_rows) == (3, 2)
    assert result.reference_null_share == 0.25
    assert result.current_null_share == 0.5
    # KS on [1,2,4] vs [3,5]: at x in [2,3) the ECDFs are 2/3 and 0, so D = 2/3.
    assert result.statistic == pytest.approx(2 / 3, abs=1e-12)


@pytest.mark.parametrize(("ref", "cur", "side"), [
    (nums(1, None, None), nums(1, 2, 3), "the reference data has"),
    (nums(1, 2, 3), nums(None, None), "the current data has"),
    (nums(1), nums(2), "the reference and current data have"),
])
def test_fewer_than_two_values_is_not_tested(ref: pd.Series, cur: pd.Series, side: str) -> None:
    result = numeric_drift("x", ref, cur)
    assert result.test == "not_tested"
    assert result.drifted is False
    assert result.p_value is None and result.psi is None and result.psi_band is None
    assert side in result.note


def test_datetimes_are_compared_as_epoch_seconds() -> None:
    ref = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]))
    later = numeric_drift("t", ref, ref + pd.Timedelta(days=4))
    # Same instants, once naive and once as UTC-aware ISO text: nothing moved.
    same = numeric_drift("t", ref, pd.Series(["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z",
                                              "2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"]))
    assert later.statistic == pytest.approx(1.0) and later.drifted is True
    assert same.statistic == pytest.approx(0.0) and same.p_value == pytest.approx(1.0)


def test_booleans_are_tested_as_categories() -> None:
    # Expected (scale 4/4 = 1): True 2, False 2; observed True 3, False 1.
    # chi² = 1²/2 + 1²/2 = 1.0 with 1 degree of freedom: p = erfc(sqrt(1/2)) ≈ 0.3173.
    result = numeric_drift("flag", pd.Series([True, True, False, False]),
                           pd.Series([True, True, True, False]), EVIDENTLY)
    assert (result.kind, result.test) == (CATEGORICAL, "chisquare")
    assert result.statistic == pytest.approx(1.0, rel=1e-12)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(0.5)), rel=1e-9)


def test_text_in_a_numeric_column_is_a_clear_error() -> None:
    with pytest.raises(DriftError, match="Column 'amount' is declared numeric"):
        numeric_drift("amount", pd.Series(["12", "abc"]), nums(1, 2))


# --- categorical: chi-square with Evidently's expected counts ------------------------------

EVIDENTLY = DriftThresholds(chi2_test="evidently")

def test_chisquare_two_categories_by_hand() -> None:
    # Reference a6 b4 (n=10), current a2 b3 (n=5): expected = ref count * 5/10 = [3, 2].
    # chi² = (2-3)²/3 + (3-2)²/2 = 1/3 + 1/2 = 5/6; 1 dof: p = erfc(sqrt(5/12)) ≈ 0.361.
    result = categorical_drift("c", cats("a6 b4"), cats("a2 b3"), EVIDENTLY)
    assert result.test == "chisquare"
    assert result.statistic == pytest.approx(5 / 6, rel=1e-12)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(5 / 12)), rel=1e-9)
    assert result.p_value == pytest.approx(stats.chisquare([2, 3], [3, 2]).pvalue, rel=1e-12)
    assert result.drifted is False


def test_chisquare_three_categories_by_hand() -> None:
    # Reference a5 b3 c2 (n=10), current a4 b8 c8 (n=20): expected = [10, 6, 4].
    # chi² = 36/10 + 4/6 + 16/4 = 124/15 ≈ 8.267; 2 dof: p = exp(-chi²/2) = exp(-62/15).
    result = categorical_drift("c", cats("a5 b3 c2"), cats("a4 b8 c8"), EVIDENTLY)
    assert result.statistic == pytest.approx(124 / 15, rel=1e-12)
    assert result.p_value == pytest.approx(math.exp(-62 / 15), rel=1e-9)
    assert result.drifted is True


def test_chisquare_p_value_exactly_at_threshold_counts_as_drift() -> None:
    p = categorical_drift("c", cats("a6 b4"), cats("a2 b3")).p_value  # two-sample
    assert p is not None
    assert categorical_drift("c", cats("a6 b4"), cats("a2 b3"),
                             DriftThresholds(chi2_p_value=p)).drifted is True
    assert categorical_drift("c", cats("a6 b4"), cats("a2 b3"),
                             DriftThresholds(chi2_p_value=math.nextafter(p, 0.0))).drifted is False


def test_new_category_is_drift_without_dividing_by_zero() -> None:
    result = categorical_drift("c", cats("a2 b1"), cats("a1 b1 c2"), EVIDENTLY)
    assert result.statistic == math.inf
    assert result.p_value == 0.0
    assert result.drifted is True
    assert result.note == "1 category not present in the reference."


def test_one_shared_category_is_not_drift() -> None:
    for thresholds in (None, EVIDENTLY):
        result = categorical_drift("c", cats("a2"), cats("a3"), thresholds)
        assert (result.statistic, result.p_value, result.drifted) == (0.0, 1.0, False)


def test_two_sample_chisquare_by_hand() -> None:
    # Default test of homogeneity on [[6, 4], [2, 3]]: row sums 10, 5; column sums 8, 7;
    # expected [[16/3, 14/3], [8/3, 7/3]]; every |o - e| = 2/3, so
    # chi² = 4/9 · (3/16 + 3/14 + 3/8 + 3/7) = 15/28; 1 dof: p = erfc(sqrt(15/56)).
    result = categorical_drift("c", cats("a6 b4"), cats("a2 b3"))
    assert result.test == "chisquare_2sample"
    assert result.statistic == pytest.approx(15 / 28, rel=1e-12)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(15 / 56)), rel=1e-9)
    assert result.drifted is False
    # A new category is counted like any other (no division by zero): [[2,1,0],[1,1,2]],
    # expected from the pooled shares 3/7, 2/7, 2/7.
    fresh = categorical_drift("c", cats("a2 b1"), cats("a1 b1 c2"))
    expected = stats.chi2_contingency([[2, 1, 0], [1, 1, 2]], correction=False)
    assert fresh.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert fresh.note == "1 category not present in the reference."


def test_two_sample_keeps_false_alarms_near_the_nominal_rate() -> None:
    # 400 unchanged 6-category columns, 300 rows a side: Evidently's goodness of fit treats
    # the reference shares as exact and raises far more than 5 % false alarms.
    rng = np.random.default_rng(7)
    shares = [0.3, 0.25, 0.2, 0.1, 0.1, 0.05]
    alarms = {"two_sample": 0, "evidently": 0}
    for _ in range(400):
        ref = pd.Series(rng.choice(6, 300, p=shares)).astype(str)
        cur = pd.Series(rng.choice(6, 300, p=shares)).astype(str)
        for mode in alarms:
            alarms[mode] += categorical_drift("c", ref, cur,
                                              DriftThresholds(chi2_test=mode)).drifted
    assert alarms["two_sample"] / 400 < 0.09
    assert alarms["evidently"] / 400 > 0.15


def test_categorical_switch_at_small_reference_rows() -> None:
    cur = cats("a5 b5")
    assert categorical_drift("c", cats("a500 b500"), cur).test == "chisquare_2sample"
    assert categorical_drift("c", cats("a501 b500"), cur).test == "jensenshannon"


# --- categorical: Jensen-Shannon distance on a large reference -----------------------------

def test_jensenshannon_by_hand() -> None:
    # P = (1/2, 1/2), Q = (1, 0), M = (3/4, 1/4).
    # KL(P||M) = 1/2 ln(2/3) + 1/2 ln 2 = 1/2 ln(4/3);  KL(Q||M) = ln(4/3).
    # JS divergence = (1/2 ln(4/3) + ln(4/3)) / 2 = 3/4 ln(4/3); distance = its square root.
    result = categorical_drift("c", cats("a2 b2"), cats("a4"), LARGE)
    assert result.test == "jensenshannon"
    assert result.p_value is None
    assert result.statistic == pytest.approx(math.sqrt(0.75 * math.log(4 / 3)), rel=1e-12)
    assert result.statistic == pytest.approx(jensenshannon([0.5, 0.5], [1.0, 0.0]), rel=1e-12)
    assert result.drifted is True


def test_jensenshannon_exactly_at_threshold_counts_as_drift() -> None:
    value = categorical_drift("c", cats("a2 b2"), cats("a4"), LARGE).statistic
    at = DriftThresholds(small_reference_rows=3, jensenshannon=value)
    above = DriftThresholds(small_reference_rows=3, jensenshannon=math.nextafter(value, 1.0))
    assert categorical_drift("c", cats("a2 b2"), cats("a4"), at).drifted is True
    assert categorical_drift("c", cats("a2 b2"), cats("a4"), above).drifted is False


# --- PSI ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "expected", "band"), [
    # (0.4-0.5) ln(0.4/0.5) + (0.6-0.5) ln(0.6/0.5) = 0.1 ln(1.5) ≈ 0.0405
    ("a4 b6", 0.1 * math.log(1.5), "none"),
    # (0.3-0.5) ln(0.6) + (0.7-0.5) ln(1.4) = 0.2 ln(7/3) ≈ 0.1695
    ("a3 b7", 0.2 * math.log(7 / 3), "moderate"),
    # (0.25-0.5) ln(0.5) + (0.75-0.5) ln(1.5) = 0.25 ln 3 ≈ 0.2747
    ("a1 b3", 0.25 * math.log(3), "major"),
])
def test_psi_categorical_by_hand(current: str, expected: float, band: str) -> None:
    assert psi_categorical(cats("a5 b5"), cats(current)) == pytest.approx(expected, rel=1e-12)
    result = categorical_drift("c", cats("a5 b5"), cats(current))
    assert result.psi == pytest.approx(expected, rel=1e-12)
    assert result.psi_band == band


def test_psi_floors_empty_shares() -> None:
    # Reference (a 1.0, c 0 -> 1e-4), current (a 0.5, c 0.5).
    expected = (0.5 - 1.0) * math.log(0.5) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi_categorical(cats("a4"), cats("a2 c2")) == pytest.approx(expected, rel=1e-12)


def test_psi_categorical_ignores_nulls() -> None:
    ref = pd.Series(["a", "b", None, "a", "b"])
    assert psi_categorical(ref, pd.Series(["a", "b", None])) == pytest.approx(0.0, abs=1e-15)


def test_psi_numeric_same_data_is_zero() -> None:
    ref = np.arange(10, dtype=float)
    assert psi_numeric(ref, ref.copy()) == pytest.approx(0.0, abs=1e-15)


def test_psi_numeric_open_ended_last_bin() -> None:
    # Deciles of 0..9 are 0.9, 1.8, ..., 8.1: ten bins holding one value (0.1) each.
    # 100 lands in the open last bin (share 1); the nine others are empty (1e-4).
    expected = 9 * (1e-4 - 0.1) * math.log(1e-4 / 0.1) + (1 - 0.1) * math.log(1 / 0.1)
    assert psi_numeric(np.arange(10.0), np.array([100.0, 200.0])) == pytest.approx(
        expected, rel=1e-12)


def test_psi_numeric_value_on_an_edge_goes_to_the_lower_bin() -> None:
    # 0.9 is the first decile, so it belongs to (-inf, 0.9]; 1.0 to (0.9, 1.8].
    expected = 2 * (0.5 - 0.1) * math.log(0.5 / 0.1) + 8 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert psi_numeric(np.arange(10.0), np.array([0.9, 1.0])) == pytest.approx(
        expected, rel=1e-12)


def test_psi_numeric_constant_reference_has_two_bins() -> None:
    # Single edge 5: (-inf, 5] holds the whole reference, (5, inf) none of it (1e-4).
    expected = (0.5 - 1.0) * math.log(0.5) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi_numeric(np.full(10, 5.0), np.array([5.0, 6.0])) == pytest.approx(
        expected, rel=1e-12)


def test_psi_needs_values_on_both_sides() -> None:
    with pytest.raises(DriftError):
        psi_numeric(np.array([]), np.array([1.0]))


# --- text: length distribution and word use -------------------------------------------------

def test_text_length_drift_with_the_same_words() -> None:
    # 20 texts of length 3 against 20 of length 39: KS D = 1. Only the word "abc" on
    # both sides, so the token distributions are equal (JS 0) and nothing is out of vocabulary.
    result = text_drift("t", pd.Series(["abc"] * 20), pd.Series([" ".join(["abc"] * 10)] * 20))
    assert (result.kind, result.test) == (TEXT, "text_length_ks")
    assert result.statistic == pytest.approx(1.0)
    assert result.token_js == pytest.approx(0.0, abs=1e-12)
    assert result.oov_share == 0.0
    assert result.drifted is True
    assert result.note == "Text length changed."


def test_text_word_drift_with_the_same_lengths() -> None:
    # Same lengths (KS D = 0, p = 1) but disjoint words: P = (aa 1/2, bb 1/2, 0, 0),
    # Q = (0, 0, cc 1/2, dd 1/2), M = 1/4 each; KL(P||M) = KL(Q||M) = ln 2, so the JS
    # divergence is ln 2 and the distance sqrt(ln 2) ≈ 0.8326. Every current word is new.
    result = text_drift("t", pd.Series(["aa bb", "aa bb"]), pd.Series(["cc dd", "cc dd"]))
    assert result.p_value == pytest.approx(1.0)
    assert result.token_js == pytest.approx(math.sqrt(math.log(2)), rel=1e-12)
    assert result.oov_share == 1.0
    assert result.drifted is True
    assert result.note == "Word use changed."


def test_text_tokens_with_all_words_kept_by_hand() -> None:
    # Tokens are lower-cased runs of [a-z0-9']: reference "X x" + "y, z!" -> x2 y1 z1,
    # current "x y" + "Y w" -> x1 y2 w1. Over (w, x, y, z): P = (0, .5, .25, .25),
    # Q = (.25, .25, .5, 0), M = (.125, .375, .375, .125).
    # KL(P||M) = KL(Q||M) = .5 ln(4/3) + .25 ln(2/3) + .25 ln 2; JS = that; distance = sqrt.
    # OOV: "w" is 1 of the 4 current tokens -> 0.25.
    js = math.sqrt(0.5 * math.log(4 / 3) + 0.25 * math.log(2 / 3) + 0.25 * math.log(2))
    result = text_drift("t", pd.Series(["X x", "y, z!"]), pd.Series(["x y", "Y w"]))
    assert result.token_js == pytest.approx(js, rel=1e-12)
    assert result.token_js == pytest.approx(
        jensenshannon([0, 0.5, 0.25, 0.25], [0.25, 0.25, 0.5, 0]), rel=1e-12)
    assert result.oov_share == pytest.approx(0.25, rel=1e-12)


def test_text_tokens_beyond_top_k_go_to_other() -> None:
    # top_tokens=1: reference top is x, current top is y; kept (x, y) plus "other".
    # P = (.5, .25, other .25 [z]), Q = (.25, .5, other .25 [w]), M = (.375, .375, .25).
    # KL(P||M) = KL(Q||M) = .5 ln(4/3) + .25 ln(2/3): JS distance ≈ 0.2061.
    js = math.sqrt(0.5 * math.log(4 / 3) + 0.25 * math.log(2 / 3))
    t = DriftThresholds(top_tokens=1)
    result = text_drift("t", pd.Series(["X x", "y, z!"]), pd.Series(["x y", "Y w"]), t)
    assert result.token_js == pytest.approx(js, rel=1e-12)
    assert result.oov_share == pytest.approx(0.25, rel=1e-12)
    # Lengths [3, 5] vs [3, 3] do not drift (KS p = 1), the words do (0.206 >= 0.1).
    assert result.p_value == pytest.approx(1.0)
    assert result.drifted is True
    assert result.note == "Word use changed."


def test_text_word_threshold_is_inclusive() -> None:
    ref, cur = pd.Series(["X x", "y, z!"]), pd.Series(["x y", "Y w"])
    js = text_drift("t", ref, cur, DriftThresholds(top_tokens=1)).token_js
    assert js is not None
    at = DriftThresholds(top_tokens=1, jensenshannon=js)
    above = DriftThresholds(top_tokens=1, jensenshannon=math.nextafter(js, 1.0))
    assert text_drift("t", ref, cur, at).drifted is True
    assert text_drift("t", ref, cur, above).drifted is False


def test_apostrophes_stay_inside_tokens() -> None:
    # "don't" and "dont" are different tokens: 1 of the 3 current tokens is new.
    result = text_drift("t", pd.Series(["Don't stop", "go"]), pd.Series(["dont stop", "go"]))
    assert result.oov_share == pytest.approx(1 / 3, rel=1e-12)


def test_text_result_holds_no_words() -> None:
    result = text_drift("t", pd.Series(["zebra crossing", "zebra"]),
                        pd.Series(["giraffe", "giraffe neck"]))
    assert "zebra" not in repr(result) and "giraffe" not in repr(result)


def test_text_without_words_skips_the_word_comparison() -> None:
    result = text_drift("t", pd.Series(["!!", "??", None]), pd.Series(["..", "--"]))
    assert result.token_js is None and result.oov_share is None
    assert result.drifted is False
    assert result.reference_null_share == pytest.approx(1 / 3, rel=1e-12)
    assert "word use not compared" in result.note.lower()


def test_text_length_uses_wasserstein_on_a_large_reference() -> None:
    result = text_drift("t", pd.Series(["ab", "abcd", "ab", "abcd"]),
                        pd.Series(["ab", "abcd", "ab", "abcd"]), LARGE)
    assert result.test == "text_length_wasserstein_norm"
    assert result.statistic == pytest.approx(0.0, abs=1e-12)
    assert result.drifted is False
