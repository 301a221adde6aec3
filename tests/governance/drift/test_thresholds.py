"""Drift thresholds: defaults, contract overrides, rejected values and PSI bands."""

from __future__ import annotations

from typing import Any

import pytest

from governance.drift.thresholds import DriftError, DriftThresholds, psi_band
from governance.errors import GovernanceError


def test_defaults_follow_evidently() -> None:
    t = DriftThresholds()
    assert (t.small_reference_rows, t.ks_p_value, t.chi2_p_value) == (1000, 0.05, 0.05)
    assert (t.wasserstein, t.jensenshannon, t.share) == (0.1, 0.1, 0.5)
    assert (t.psi_moderate, t.psi_major, t.top_tokens) == (0.1, 0.25, 200)


def test_no_overrides_gives_defaults() -> None:
    assert DriftThresholds.from_mapping(None) == DriftThresholds()
    assert DriftThresholds.from_mapping({}) == DriftThresholds()


def test_contract_overrides_use_camel_case_keys() -> None:
    t = DriftThresholds.from_mapping({
        "smallReferenceRows": 500, "ksPValue": 0.01, "chi2PValue": 0.02, "wasserstein": 0.2,
        "jensenShannon": 0.15, "share": 0.3, "psiModerate": 0.05, "psiMajor": 0.3,
        "topTokens": 50,
    })
    assert t == DriftThresholds(
        small_reference_rows=500, ks_p_value=0.01, chi2_p_value=0.02, wasserstein=0.2,
        jensenshannon=0.15, share=0.3, psi_moderate=0.05, psi_major=0.3, top_tokens=50,
    )
    assert isinstance(t.small_reference_rows, int)
    assert isinstance(t.top_tokens, int)


def test_partial_override_keeps_other_defaults() -> None:
    t = DriftThresholds.from_mapping({"share": 1})
    assert t.share == 1.0
    assert t.ks_p_value == 0.05


def test_unknown_key_is_rejected_with_the_allowed_keys() -> None:
    with pytest.raises(DriftError) as err:
        DriftThresholds.from_mapping({"ks_p_value": 0.01})
    message = str(err.value)
    assert "'ks_p_value'" in message
    assert "ksPValue" in message
    assert "jensenShannon" in message
    assert isinstance(err.value, GovernanceError)


@pytest.mark.parametrize(("key", "value"), [
    ("ksPValue", 0), ("ksPValue", 1.5), ("chi2PValue", -0.1), ("share", 0.0), ("share", 2),
    ("wasserstein", 0), ("jensenShannon", -1), ("psiModerate", 0),
    ("smallReferenceRows", 0), ("smallReferenceRows", 10.5), ("topTokens", 0),
    ("ksPValue", True), ("share", "half"), ("wasserstein", None), ("wasserstein", float("nan")),
    ("smallReferenceRows", float("inf")),
])
def test_out_of_range_values_are_rejected(key: str, value: Any) -> None:
    with pytest.raises(DriftError, match=f"'{key}'"):
        DriftThresholds.from_mapping({key: value})


def test_upper_bounds_of_probabilities_are_allowed() -> None:
    t = DriftThresholds.from_mapping({"ksPValue": 1, "chi2PValue": 1.0, "share": 1})
    assert (t.ks_p_value, t.chi2_p_value, t.share) == (1.0, 1.0, 1.0)


def test_major_band_may_not_start_below_moderate() -> None:
    with pytest.raises(DriftError, match="psi_major"):
        DriftThresholds.from_mapping({"psiModerate": 0.3, "psiMajor": 0.2})


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(DriftError, match="'ks_p_value'"):
        DriftThresholds(ks_p_value=0.0)


@pytest.mark.parametrize(("psi", "band"), [
    (0.0, "none"), (0.0999, "none"), (0.1, "moderate"), (0.2499, "moderate"),
    (0.25, "major"), (3.0, "major"),
])
def test_psi_bands_at_their_boundaries(psi: float, band: str) -> None:
    assert psi_band(psi, DriftThresholds()) == band


def test_psi_bands_follow_overridden_thresholds() -> None:
    t = DriftThresholds(psi_moderate=0.2, psi_major=0.4)
    assert [psi_band(x, t) for x in (0.19, 0.2, 0.39, 0.4)] == [
        "none", "moderate", "moderate", "major"]


def test_chi2_test_choice() -> None:
    assert DriftThresholds().chi2_test == "two_sample"
    assert DriftThresholds.from_mapping({"chi2Test": "evidently"}).chi2_test == "evidently"
    with pytest.raises(DriftError, match=r"chi2Test.*two_sample, evidently"):
        DriftThresholds.from_mapping({"chi2Test": "fisher"})
