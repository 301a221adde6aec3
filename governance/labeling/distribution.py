"""Label distribution of a batch and how imbalanced it is."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import entropy


def label_distribution(labels: pd.Series,
                       label_set: Sequence[str] | None = None) -> pd.DataFrame:
    """Count and share per label; every label of label_set is listed, even at zero."""
    counts = labels.dropna().astype(str).value_counts()
    if label_set is None:
        order = sorted(counts.index)
    else:
        expected = [str(label) for label in label_set]
        # Labels outside the declared set are listed after it rather than dropped: a label
        # nobody declared is exactly what a reviewer should see in the distribution.
        order = [*dict.fromkeys(expected), *sorted(set(counts.index) - set(expected))]
    out = pd.DataFrame({"label": order,
                        "count": [int(counts.get(label, 0)) for label in order]})
    total = int(out["count"].sum())
    out["share"] = out["count"] / total if total else math.nan
    return out


def imbalance(distribution: pd.DataFrame) -> dict[str, float]:
    """Imbalance ratio (max / min nonzero count), normalized entropy and minority share."""
    counts = distribution["count"].to_numpy(dtype=float)
    total = counts.sum()
    if len(counts) == 0 or total == 0:
        return {"imbalance_ratio": math.nan, "normalized_entropy": math.nan,
                "minority_share": math.nan}
    nonzero = counts[counts > 0]
    k = len(counts)
    # Entropy divided by its maximum log(k): 1.0 is perfectly balanced over the k labels,
    # 0.0 is a single label; with one label there is nothing to balance, so it is 0.0.
    normalized = float(entropy(counts) / np.log(k)) if k > 1 else 0.0
    return {
        "imbalance_ratio": float(nonzero.max() / nonzero.min()),
        "normalized_entropy": normalized,
        # Zero-count labels from the label set count: a declared label never used is the
        # extreme minority.
        "minority_share": float(counts.min() / total),
    }
