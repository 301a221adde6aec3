"""Deterministic data for bench/drift.py: two drift frames per size and a labeling batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: the benchmark's parent process must not load them
    import numpy as np
    import pandas as pd

REFERENCE_SEED = 20261125
CURRENT_SEED = 20261126
LABELING_SEED = 20261127
NULL_SHARE = 0.03  # in one numeric and one categorical column, on both sides

NUMERIC, CATEGORICAL = "numeric", "categorical"
# name -> (kind, shifted in the current frame). Half the columns are shifted, so in the
# large regime the share of drifted columns sits exactly at the 0.5 dataset threshold.
COLUMNS: dict[str, tuple[str, bool]] = {
    "n_normal": (NUMERIC, False),
    "n_normal_shift": (NUMERIC, True),
    "n_lognormal": (NUMERIC, False),
    "n_lognormal_shift": (NUMERIC, True),
    "n_count": (NUMERIC, False),
    "n_count_shift": (NUMERIC, True),
    "c_channel": (CATEGORICAL, False),
    "c_region_shift": (CATEGORICAL, True),
    "c_product": (CATEGORICAL, False),
    "c_tier_shift": (CATEGORICAL, True),
}
CHANNEL = ([f"ch_{c}" for c in "abcde"], [0.35, 0.25, 0.2, 0.12, 0.08])
REGION = ([f"rg_{c}" for c in "abcdef"], [0.3, 0.2, 0.15, 0.15, 0.1, 0.1],
          [0.15, 0.15, 0.15, 0.15, 0.2, 0.2])
PRODUCT = ([f"pr_{c}" for c in "abcdefgh"], [0.16, 0.14, 0.14, 0.12, 0.12, 0.12, 0.1, 0.1])
TIER = ([f"tr_{c}" for c in "abcdefg"], [0.25, 0.2, 0.15, 0.12, 0.1, 0.1, 0.08],
        [0.12, 0.12, 0.15, 0.12, 0.15, 0.16, 0.18])

# Labeling batch: 30,000 items, each labeled by 3 of 12 annotators from 2 vendors.
LABEL_ITEMS = 30_000
LABEL_ANNOTATORS = 12
LABELS_PER_ITEM = 3
LABEL_SET = ("cat", "dog", "owl", "fox")
LABEL_PRIOR = (0.4, 0.3, 0.2, 0.1)
ANNOTATOR_ACCURACY = (0.97, 0.96, 0.95, 0.95, 0.94, 0.93, 0.93, 0.92, 0.91, 0.9, 0.8, 0.6)
GOLD_ITEMS = 600
MISSING_LABEL_SHARE = 0.002

def _categories(rng: np.random.Generator, n: int, values: list[str],
                probs: list[float]) -> np.ndarray:
    """`n` category labels drawn with the given shares."""
    import numpy as np

    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=probs)]


def make_side(rows: int, current: bool) -> pd.DataFrame:
    """One side of the comparison; the current side shifts the `*_shift` columns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(CURRENT_SEED if current else REFERENCE_SEED)
    shift = 1.0 if current else 0.0
    data: dict[str, Any] = {
        "n_normal": rng.normal(100.0, 15.0, rows),
        "n_normal_shift": rng.normal(100.0 + 6.0 * shift, 15.0, rows),  # +0.4 std
        "n_lognormal": rng.lognormal(3.0, 0.6, rows),
        "n_lognormal_shift": rng.lognormal(3.0 + 0.25 * shift, 0.6, rows),
        "n_count": rng.poisson(12, rows),
        "n_count_shift": rng.poisson(12 + 2 * shift, rows),
        "c_channel": _categories(rng, rows, *CHANNEL),
        "c_region_shift": _categories(rng, rows, REGION[0], REGION[2 if current else 1]),
        "c_product": _categories(rng, rows, *PRODUCT),
        "c_tier_shift": _categories(rng, rows, TIER[0], TIER[2 if current else 1]),
    }
    frame = pd.DataFrame(data)
    missing = rng.random(rows) < NULL_SHARE
    frame.loc[missing, "n_lognormal"] = np.nan
    frame.loc[rng.random(rows) < NULL_SHARE, "c_product"] = None
    return frame


def frames(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference and current frames for one size."""
    return make_side(rows, current=False), make_side(rows, current=True)


def make_labeling_batch() -> tuple[pd.DataFrame, dict[str, str]]:
    """A labeling batch of 30,000 items x 3 of 12 annotators, and its gold answers."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(LABELING_SEED)
    items = np.array([f"it{n:05d}" for n in range(LABEL_ITEMS)], dtype=object)
    annotators = np.array([f"a{k:02d}" for k in range(LABEL_ANNOTATORS)], dtype=object)
    vendors = np.where(np.arange(LABEL_ANNOTATORS) < LABEL_ANNOTATORS // 2, "V1", "V2")
    truth = rng.choice(len(LABEL_SET), size=LABEL_ITEMS, p=LABEL_PRIOR)
    # 3 distinct annotators per item: the first 3 of a random permutation of the 12.
    who = np.argsort(rng.random((LABEL_ITEMS, LABEL_ANNOTATORS)), axis=1)[:, :LABELS_PER_ITEM]
    item_idx = np.repeat(np.arange(LABEL_ITEMS), LABELS_PER_ITEM)
    who = who.ravel()
    n = len(who)
    right = rng.random(n) < np.asarray(ANNOTATOR_ACCURACY)[who]
    wrong = (truth[item_idx] + rng.integers(1, len(LABEL_SET), n)) % len(LABEL_SET)
    label = np.asarray(LABEL_SET, dtype=object)[np.where(right, truth[item_idx], wrong)]
    label[rng.random(n) < MISSING_LABEL_SHARE] = None
    started = (pd.Timestamp("2026-11-02 08:00")
               + pd.to_timedelta(item_idx * 20 + rng.integers(0, 600, n), unit="s"))
    seconds = np.round(rng.lognormal(3.5, 0.4, n), 1)
    frame = pd.DataFrame({
        "item": items[item_idx],
        "annotator": annotators[who],
        "vendor": vendors[who],
        "label": label,
        "started_at": started,
        "finished_at": started + pd.to_timedelta(seconds, unit="s"),
        "cost": np.where(vendors[who] == "V1", 0.08, 0.05),
        "guidelines_version": np.where(item_idx < LABEL_ITEMS * 2 // 3, "v3", "v4"),
    })
    gold_idx = rng.choice(LABEL_ITEMS, size=GOLD_ITEMS, replace=False)
    gold = {str(items[i]): LABEL_SET[truth[i]] for i in sorted(gold_idx)}
    return frame, gold
