"""Drift thresholds, their contract overrides, and the PSI bands."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from governance.errors import GovernanceError


class DriftError(GovernanceError):
    """Drift cannot be measured as asked: bad thresholds, column kinds or schemas."""


# Contract key (camelCase, as a contract author writes it) -> dataclass field.
_CONTRACT_KEYS: dict[str, str] = {
    "smallReferenceRows": "small_reference_rows",
    "ksPValue": "ks_p_value",
    "chi2PValue": "chi2_p_value",
    "wasserstein": "wasserstein",
    "jensenShannon": "jensenshannon",
    "share": "share",
    "psiModerate": "psi_moderate",
    "psiMajor": "psi_major",
    "topTokens": "top_tokens",
    "chi2Test": "chi2_test",
}
# Two-sample (contingency) by default; "evidently" is Evidently's goodness of fit against the
# reference shares, which ignores the reference's own sampling noise and so flags unchanged
# columns far more often than 5 % when both sides are small (kept for parity checks).
CHI2_TESTS = ("two_sample", "evidently")
# Each field's allowed range, phrased the way the error message shows it.
_PROBABILITIES = {"ks_p_value", "chi2_p_value", "share"}
_COUNTS = {"small_reference_rows", "top_tokens"}
_DISTANCES = {"wasserstein", "jensenshannon", "psi_moderate", "psi_major"}


@dataclass(frozen=True)
class DriftThresholds:
    """When a column, and the dataset as a whole, count as drifted."""

    small_reference_rows: int = 1000
    ks_p_value: float = 0.05
    chi2_p_value: float = 0.05
    wasserstein: float = 0.1
    jensenshannon: float = 0.1
    share: float = 0.5
    psi_moderate: float = 0.1
    psi_major: float = 0.25
    top_tokens: int = 200
    chi2_test: str = "two_sample"

    def __post_init__(self) -> None:
        # Checked here too so thresholds built in code are held to the contract's rules.
        for f in fields(self):
            problem = _range_problem(f.name, getattr(self, f.name))
            if problem:
                raise DriftError(f"Drift threshold '{f.name}' {problem}.")
        if self.psi_major < self.psi_moderate:
            raise DriftError(
                f"Drift threshold 'psi_major' ({self.psi_major}) must not be below "
                f"'psi_moderate' ({self.psi_moderate}): a major shift cannot be smaller "
                "than a moderate one."
            )

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any] | None) -> DriftThresholds:
        """Defaults with a contract's camelCase overrides applied, each checked."""
        if not overrides:
            return cls()
        allowed = ", ".join(_CONTRACT_KEYS)
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            name = _CONTRACT_KEYS.get(key)
            if name is None:
                raise DriftError(
                    f"Unknown drift threshold '{key}' in the contract. "
                    f"Allowed keys: {allowed}."
                )
            problem = _range_problem(name, value)
            if problem:
                raise DriftError(
                    f"Drift threshold '{key}' in the contract {problem}. Allowed keys: {allowed}."
                )
            changes[name] = (value if name == "chi2_test" else
                             int(value) if name in _COUNTS else float(value))
        return replace(cls(), **changes)


def _range_problem(name: str, value: Any) -> str | None:
    """Why a threshold value is unusable, or None when it is fine."""
    if name == "chi2_test":
        return None if value in CHI2_TESTS else (
            f"must be one of {', '.join(CHI2_TESTS)}, got {value!r}")
    # bool is an int subclass; `true` in YAML is a typo, never a threshold.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, got {value!r}"
    # NaN compares false with everything and would slip through the range checks below.
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if name in _COUNTS:
        if float(value) != int(value) or value < 1:
            return f"must be a whole number of at least 1, got {value!r}"
    elif name in _PROBABILITIES:
        if not 0 < value <= 1:
            return f"must be above 0 and at most 1, got {value!r}"
    elif name in _DISTANCES and value <= 0:
        return f"must be above 0, got {value!r}"
    return None


def psi_band(psi: float, thresholds: DriftThresholds | None = None) -> str:
    """The PSI band: 'none' below moderate, 'moderate' below major, else 'major'."""
    t = thresholds or DriftThresholds()
    if psi < t.psi_moderate:
        return "none"
    if psi < t.psi_major:
        return "moderate"
    return "major"
