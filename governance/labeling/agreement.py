"""Inter-annotator agreement: pairwise Cohen's kappa, Fleiss' kappa and Krippendorff's alpha."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats import inter_rater

from governance.labeling import LabelingError, rated

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class PairKappa:
    """Cohen's kappa of two annotators on the items both labeled (nan when undefined)."""

    annotator_a: str
    annotator_b: str
    items: int
    kappa: float


@dataclass(frozen=True)
class FleissResult:
    """Fleiss' kappa over the items that share the usual number of ratings."""

    kappa: float
    items: int
    raters_per_item: int


def label_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Labels as an item x annotator table (rows and columns sorted, NaN where not rated)."""
    rows = rated(frame)
    matrix = rows.pivot(index="item", columns="annotator", values="label")
    return matrix.sort_index(axis=0).sort_index(axis=1)


def pairwise_cohen_kappa(frame: pd.DataFrame, min_items: int = 10) -> list[PairKappa]:
    """Cohen's kappa for every annotator pair with at least min_items items in common."""
    matrix = label_matrix(frame)
    pairs: list[PairKappa] = []
    for a, b in combinations(matrix.columns, 2):
        both = matrix[[a, b]].dropna()
        if len(both) < min_items:
            continue
        pairs.append(PairKappa(str(a), str(b), len(both), _cohen(both[a], both[b])))
    return pairs


def _cohen(first: pd.Series, second: pd.Series) -> float:
    # Two annotators who give the same single label everywhere have pe = 1, so kappa is 0/0;
    # sklearn warns and returns nan, which is the honest answer ("undefined", not "perfect").
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(first.to_numpy(), second.to_numpy()))
    return value if math.isfinite(value) else math.nan


def fleiss_kappa(frame: pd.DataFrame) -> FleissResult:
    """Fleiss' kappa on the items rated by the modal number (>= 2) of annotators."""
    rows = rated(frame)
    per_item = rows.groupby("item")["annotator"].size()
    # Fleiss needs the same number of ratings per item. Single-rated items carry no
    # agreement information, so the mode is taken over multiply-rated items only: a batch
    # where most items get one label and 10% get three still yields a kappa on that 10%.
    multi = per_item[per_item >= 2]
    if multi.empty:
        return FleissResult(math.nan, 0, 0)
    freq = multi.value_counts()
    raters = int(max(freq[freq == freq.max()].index))  # ties go to the larger count
    items = multi[multi == raters].index
    table = pd.crosstab(rows.loc[rows["item"].isin(items), "item"],
                        rows.loc[rows["item"].isin(items), "label"])
    with warnings.catch_warnings():
        # One label used by everybody makes pe = 1 and kappa 0/0; statsmodels warns.
        warnings.simplefilter("ignore")
        value = float(inter_rater.fleiss_kappa(table.to_numpy(), method="fleiss"))
    return FleissResult(value if math.isfinite(value) else math.nan, len(items), raters)


def krippendorff_alpha(frame: pd.DataFrame, level: str = "nominal") -> float:
    """Krippendorff's alpha over all annotators and items (missing ratings allowed)."""
    if level not in LEVELS:
        raise LabelingError(f"Unknown level of measurement '{level}'; use one of "
                            f"{', '.join(LEVELS)}.")
    matrix = label_matrix(frame)
    pairable = matrix[matrix.notna().sum(axis=1) >= 2]
    if len(pairable) < 2:
        return math.nan
    # Codes follow the sorted label order; for ordinal/interval levels that order is the
    # scale, so those levels only make sense for labels that sort in scale order.
    labels = sorted(pd.unique(pairable.stack().dropna()))
    if len(labels) < 2:
        # Everyone used one label: expected disagreement is 0 and alpha is 0/0.
        return math.nan
    codes = {label: float(i) for i, label in enumerate(labels)}
    data = pairable.apply(lambda col: col.map(codes)).to_numpy(dtype=float, na_value=np.nan)
    value = float(krippendorff.alpha(reliability_data=data.T, level_of_measurement=level))
    return value if math.isfinite(value) else math.nan
