"""Drift tests for one column: numeric, categorical or free text, chosen the Evidently way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from governance.drift.thresholds import DriftError, DriftThresholds, psi_band

NUMERIC = "numeric"
CATEGORICAL = "categorical"
TEXT = "text"
KINDS = (NUMERIC, CATEGORICAL, TEXT)
NOT_TESTED = "not_tested"
# Shares below this are raised to it (Evidently fills empty bins so) to keep ln finite.
PSI_FLOOR = 1e-4
# Evidently divides by np.std(reference), which is the population std (ddof=0).
STD_DDOF = 0
_STD_FLOOR = 0.001
_DECILES = np.arange(1, 10) / 10
_TOKEN_PATTERN = r"[a-z0-9']+"


@dataclass(frozen=True)
class ColumnDrift:
    """The drift test result of one column; numbers only, never the column's values."""

    column: str
    kind: str
    test: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    psi: float | None
    psi_band: str | None
    reference_rows: int
    current_rows: int
    reference_null_share: float
    current_null_share: float
    token_js: float | None = None
    oov_share: float | None = None
    note: str = ""


def not_tested(name: str, kind: str, note: str, **sides: Any) -> ColumnDrift:
    """A column that could not be tested, with the reason in `note`."""
    sides = {"reference_rows": 0, "current_rows": 0, "reference_null_share": 0.0,
             "current_null_share": 0.0, **sides}
    return ColumnDrift(column=name, kind=kind, test=NOT_TESTED, statistic=float("nan"),
                       p_value=None, threshold=float("nan"), drifted=False, psi=None,
                       psi_band=None, note=note, **sides)


def _sides(reference: pd.Series, current: pd.Series, n_ref: int, n_cur: int) -> dict[str, Any]:
    """Row counts and null shares of both sides, as ColumnDrift keyword arguments."""
    def null_share(values: pd.Series) -> float:
        return float(values.isna().mean()) if len(values) else 0.0

    return {"reference_rows": n_ref, "current_rows": n_cur,
            "reference_null_share": null_share(reference),
            "current_null_share": null_share(current)}


def _too_few(name: str, kind: str, sides: dict[str, Any]) -> ColumnDrift | None:
    """A not-tested result when either side has fewer than two values to compare."""
    short = [side for side in ("reference", "current") if sides[f"{side}_rows"] < 2]
    if not short:
        return None
    verb = "has" if len(short) == 1 else "have"
    note = f"Not tested: the {' and '.join(short)} data {verb} fewer than 2 filled-in values."
    return not_tested(name, kind, note, **sides)


def _is_boolean(values: pd.Series) -> bool:
    # Object columns with None among True/False are still yes/no answers, not numbers.
    filled = values.dropna()
    return pd.api.types.is_bool_dtype(values.dtype) or (
        values.dtype == object and len(filled) > 0
        and all(isinstance(v, bool | np.bool_) for v in filled))


def _numbers(name: str, side: str, values: pd.Series) -> np.ndarray:
    """Non-null finite values as floats; datetimes (or ISO date text) become epoch seconds."""
    values = values.dropna()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        try:
            values = pd.to_numeric(values)
        except (ValueError, TypeError):
            # Timestamps often arrive as ISO text; anything else is not a number at all.
            try:
                values = pd.to_datetime(values, utc=True, format="ISO8601")
            except (ValueError, TypeError) as exc:
                raise DriftError(
                    f"Column '{name}' is declared numeric but the {side} data holds values "
                    "that are neither numbers nor dates; fix the column's kind or the data."
                ) from exc
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        values = (values - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)
    elif pd.api.types.is_timedelta64_dtype(values.dtype):
        values = values / pd.Timedelta(seconds=1)
    array = values.to_numpy(dtype=float)
    # Infinities have no distance to anything, so they are left out like missing values.
    return array[np.isfinite(array)]


def _numeric_test(ref: np.ndarray, cur: np.ndarray,
                  t: DriftThresholds) -> tuple[str, float, float | None, float, bool]:
    """KS on a small reference, else Wasserstein normed by the reference std."""
    if len(ref) <= t.small_reference_rows:
        result = stats.ks_2samp(ref, cur)
        p_value = float(result.pvalue)
        return "ks", float(result.statistic), p_value, t.ks_p_value, p_value <= t.ks_p_value
    norm = max(float(np.std(ref, ddof=STD_DDOF)), _STD_FLOOR)
    value = float(stats.wasserstein_distance(ref, cur)) / norm
    return "wasserstein_norm", value, None, t.wasserstein, value >= t.wasserstein


def _psi(ref_share: np.ndarray, cur_share: np.ndarray) -> float:
    ref_share = np.maximum(ref_share, PSI_FLOOR)
    cur_share = np.maximum(cur_share, PSI_FLOOR)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def psi_counts(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """PSI of two count vectors over the same categories, in the same order."""
    ref_counts = np.asarray(ref_counts, dtype=float)
    cur_counts = np.asarray(cur_counts, dtype=float)
    if ref_counts.sum() == 0 or cur_counts.sum() == 0:
        raise DriftError("PSI needs at least one value on each side.")
    return _psi(ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum())


def psi_numeric(ref: np.ndarray, cur: np.ndarray) -> float:
    """PSI over the reference deciles, with open-ended first and last bins."""
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    if len(ref) == 0 or len(cur) == 0:
        raise DriftError("PSI needs at least one value on each side.")
    edges = np.unique(np.quantile(ref, _DECILES))
    # side="left" puts a value equal to an edge into the bin that edge closes: (e[i-1], e[i]].
    ref_bins = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cur_bins = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    return _psi(ref_bins / len(ref), cur_bins / len(cur))


def _aligned_counts(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts per category over the union of both sides' non-null values."""
    frame = pd.concat(
        [ref.dropna().astype(object).value_counts(), cur.dropna().astype(object).value_counts()],
        axis=1, keys=["ref", "cur"],
    ).fillna(0)
    # Unused levels of a pandas Categorical would add 0/0 categories; they are not data.
    frame = frame[(frame["ref"] + frame["cur"]) > 0]
    return frame["ref"].to_numpy(dtype=float), frame["cur"].to_numpy(dtype=float)


def psi_categorical(ref: pd.Series, cur: pd.Series) -> float:
    """PSI over the union of categories; nulls are left out."""
    return psi_counts(*_aligned_counts(ref, cur))


def _js(p: np.ndarray, q: np.ndarray) -> float:
    value = float(distance.jensenshannon(p, q))
    # Rounding can push the divergence of equal distributions a hair below 0, giving NaN.
    return 0.0 if np.isnan(value) else value


def numeric_drift(name: str, reference: pd.Series, current: pd.Series,
                  thresholds: DriftThresholds | None = None) -> ColumnDrift:
    """Drift of a numeric or datetime column; booleans are handed to the categorical test."""
    t = thresholds or DriftThresholds()
    if _is_boolean(reference) or _is_boolean(current):
        return categorical_drift(name, reference, current, t)
    ref = _numbers(name, "reference", reference)
    cur = _numbers(name, "current", current)
    sides = _sides(reference, current, len(ref), len(cur))
    if skipped := _too_few(name, NUMERIC, sides):
        return skipped
    test, statistic, p_value, threshold, drifted = _numeric_test(ref, cur, t)
    psi = psi_numeric(ref, cur)
    return ColumnDrift(column=name, kind=NUMERIC, test=test, statistic=statistic,
                       p_value=p_value, threshold=threshold, drifted=drifted, psi=psi,
                       psi_band=psi_band(psi, t), **sides)


def categorical_drift(name: str, reference: pd.Series, current: pd.Series,
                      thresholds: DriftThresholds | None = None) -> ColumnDrift:
    """Drift of a categorical column: chi-square on a small reference, else JS distance."""
    t = thresholds or DriftThresholds()
    ref_counts, cur_counts = _aligned_counts(reference, current)
    n_ref, n_cur = int(ref_counts.sum()), int(cur_counts.sum())
    sides = _sides(reference, current, n_ref, n_cur)
    if skipped := _too_few(name, CATEGORICAL, sides):
        return skipped
    note = ""
    p_value: float | None
    if n_ref <= t.small_reference_rows:
        threshold = t.chi2_p_value
        new = int(np.sum(ref_counts == 0))
        if new:
            note = f"{new} categor{'y' if new == 1 else 'ies'} not present in the reference."
        if t.chi2_test == "two_sample":
            test = "chisquare_2sample"
            if len(ref_counts) == 1:
                statistic, p_value = 0.0, 1.0  # one shared value: nothing can differ
            else:
                # Test of homogeneity on the 2 x k table: both sides are samples.
                result = stats.chi2_contingency(np.vstack([ref_counts, cur_counts]),
                                                correction=False)
                statistic, p_value = float(result.statistic), float(result.pvalue)
        else:
            test = "chisquare"
            if new:
                # Expected count 0 makes scipy divide by zero; a value never seen is drift.
                statistic, p_value = float("inf"), 0.0
            elif len(ref_counts) == 1:
                # One and the same value on both sides: nothing can differ (scipy: NaN).
                statistic, p_value = 0.0, 1.0
            else:
                result = stats.chisquare(cur_counts, ref_counts * (n_cur / n_ref))
                statistic, p_value = float(result.statistic), float(result.pvalue)
        drifted = p_value <= threshold
    else:
        test, threshold, p_value = "jensenshannon", t.jensenshannon, None
        statistic = _js(ref_counts / n_ref, cur_counts / n_cur)
        drifted = statistic >= threshold
    psi = _psi(ref_counts / n_ref, cur_counts / n_cur)
    return ColumnDrift(column=name, kind=CATEGORICAL, test=test, statistic=statistic,
                       p_value=p_value, threshold=threshold, drifted=drifted, psi=psi,
                       psi_band=psi_band(psi, t), note=note, **sides)


def _token_counts(texts: pd.Series) -> pd.Series:
    """Occurrences per lower-cased word token; kept local, never returned to callers."""
    tokens = texts.str.lower().str.findall(_TOKEN_PATTERN).explode().dropna()
    return tokens.value_counts()


def _top(counts: pd.Series, k: int) -> set[str]:
    # Sorting by token first makes ties at the K-th place resolve the same way every run.
    ordered = counts.sort_index().sort_values(ascending=False, kind="stable")
    return set(ordered.index[:k])


def token_stats(ref_texts: pd.Series, cur_texts: pd.Series,
                top_tokens: int) -> tuple[float | None, float | None]:
    """JS distance over both sides' top tokens plus 'other', and the current OOV share."""
    ref_counts = _token_counts(ref_texts)
    cur_counts = _token_counts(cur_texts)
    ref_total, cur_total = int(ref_counts.sum()), int(cur_counts.sum())
    oov = None
    if cur_total:
        oov = float(cur_counts[~cur_counts.index.isin(ref_counts.index)].sum() / cur_total)
    if not ref_total or not cur_total:
        return None, oov
    kept = sorted(_top(ref_counts, top_tokens) | _top(cur_counts, top_tokens))

    def shares(counts: pd.Series, total: int) -> np.ndarray:
        in_top = counts.reindex(kept, fill_value=0).to_numpy(dtype=float)
        return np.append(in_top, total - in_top.sum()) / total

    return _js(shares(ref_counts, ref_total), shares(cur_counts, cur_total)), oov


def text_drift(name: str, reference: pd.Series, current: pd.Series,
               thresholds: DriftThresholds | None = None) -> ColumnDrift:
    """Drift of a free-text column from its length distribution and its word use."""
    t = thresholds or DriftThresholds()
    ref_texts = reference.dropna().astype(str)
    cur_texts = current.dropna().astype(str)
    sides = _sides(reference, current, len(ref_texts), len(cur_texts))
    if skipped := _too_few(name, TEXT, sides):
        return skipped
    ref_len = ref_texts.str.len().to_numpy(dtype=float)
    cur_len = cur_texts.str.len().to_numpy(dtype=float)
    test, statistic, p_value, threshold, length_drifted = _numeric_test(ref_len, cur_len, t)
    token_js, oov = token_stats(ref_texts, cur_texts, t.top_tokens)
    words_drifted = token_js is not None and token_js >= t.jensenshannon
    reasons = [why for why, hit in (("text length changed", length_drifted),
                                    ("word use changed", words_drifted)) if hit]
    if token_js is None:
        reasons.append("word use not compared: one side has no words")
    # PSI of the length distribution, so text columns get a band like the others.
    psi = psi_numeric(ref_len, cur_len)
    return ColumnDrift(column=name, kind=TEXT, test=f"text_length_{test}", statistic=statistic,
                       p_value=p_value, threshold=threshold,
                       drifted=length_drifted or words_drifted, psi=psi,
                       psi_band=psi_band(psi, t), token_js=token_js, oov_share=oov,
                       note="; ".join(reasons).capitalize() + ("." if reasons else ""), **sides)
