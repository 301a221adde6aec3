"""Per-label quality scores: a small text classifier's out-of-fold probabilities fed to
cleanlab's multi-annotator scoring (CROWDLAB, cleanlab.multiannotator).

This is the only module that imports cleanlab (Apache-2.0, see pyproject.toml) and the
scikit-learn text model, so either can be swapped without touching the audit logic in
governance/labeling/risk_audit.py. The text stays in this process: it is vectorized in
memory and only item ids, annotator ids and scores come out.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline

from governance.labeling import LabelingError, rated

SCORE_COLUMNS = ("item", "annotator", "score")
# A label the classifier never saw still gets a little probability: cleanlab takes logs.
_FLOOR = 1e-4


class RiskScoringError(LabelingError):
    """The batch cannot be scored for likely label errors (too few labels or classes)."""


def _model(seed: int) -> Pipeline:
    # Word unigrams and bigrams with a linear model: small, fast on a few thousand items,
    # and enough signal for routing-style categories; seeded so scores repeat.
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
                         LogisticRegression(max_iter=2000, random_state=seed))


def out_of_fold_probabilities(texts: Sequence[str], targets: Sequence[str | None],
                              label_set: Sequence[str], seed: int,
                              folds: int = 5) -> np.ndarray:
    """Probabilities per item (rows) and label (label_set order) from models not trained on
    that item's label: seeded stratified cross-validation on the items with a target; items
    without one (no consensus) are predicted by a model trained on all the others."""
    index = {label: i for i, label in enumerate(label_set)}
    known = [i for i, t in enumerate(targets) if t is not None and t in index]
    y = np.array([index[str(targets[i])] for i in known], dtype=int)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise RiskScoringError("The risk sample needs consensus labels of at least two "
                               "classes to train its classifier; this batch has "
                               f"{len(classes)}.")
    splits = int(min(folds, counts.max()))
    x = [texts[i] for i in known]
    probs = np.full((len(texts), len(label_set)), _FLOOR)
    with warnings.catch_warnings():
        # Rare labels (fewer items than folds) are expected in small batches; the folds
        # still hold every label they can, and the floor covers the rest.
        warnings.simplefilter("ignore")
        cv = StratifiedKFold(n_splits=splits, shuffle=True, random_state=seed % 2**32)
        oof = cross_val_predict(_model(seed % 2**32), x, y, cv=cv, method="predict_proba")
        probs[np.ix_(known, classes)] = np.maximum(oof, _FLOOR)
        trained = set(known)
        unknown = [i for i in range(len(texts)) if i not in trained]
        if unknown:
            model = _model(seed % 2**32).fit(x, y)
            fitted = model.classes_
            probs[np.ix_(unknown, fitted)] = np.maximum(
                model.predict_proba([texts[i] for i in unknown]), _FLOOR)
    return probs / probs.sum(axis=1, keepdims=True)


def label_quality(frame: pd.DataFrame, texts: Mapping[str, str],
                  consensus: Mapping[str, str | None], label_set: Sequence[str],
                  seed: int, folds: int = 5) -> pd.DataFrame:
    """item, annotator, score for every label of the batch: cleanlab's quality of that
    annotator's label of that item (0..1, low = likely wrong)."""
    rows = rated(frame)
    unknown = sorted(set(rows["label"]) - set(label_set))
    if unknown:
        raise RiskScoringError(f"Labels {unknown} are not in the contract's label set, so the "
                               "batch cannot be scored for likely errors.")
    items = sorted(set(rows["item"]))
    annotators = sorted(set(rows["annotator"]))
    index = {label: i for i, label in enumerate(label_set)}
    wide = (rows.assign(code=rows["label"].map(index).astype(float))
            .pivot(index="item", columns="annotator", values="code")
            .reindex(index=items, columns=annotators))
    # cleanlab on first use: every step process loads the code location, few score labels.
    from cleanlab.multiannotator import get_label_quality_multiannotator

    probs = out_of_fold_probabilities([texts.get(i, "") for i in items],
                                      [consensus.get(i) for i in items], label_set, seed, folds)
    with warnings.catch_warnings():
        # cleanlab warns about annotators who share no item with another; their labels are
        # still scored (from the classifier alone), which is what the ranking needs.
        warnings.simplefilter("ignore")
        result = get_label_quality_multiannotator(
            wide.reset_index(drop=True), probs, return_detailed_quality=True, verbose=False)
    detailed = result["detailed_label_quality"]
    detailed.index = items
    scores = detailed.rename(columns=lambda c: str(c).removeprefix("quality_annotator_"))
    long = scores.stack().rename("score").reset_index()
    long.columns = list(SCORE_COLUMNS)
    # Only labels someone gave: cleanlab leaves NaN where an annotator did not label an item.
    given = set(zip(rows["item"], rows["annotator"], strict=True))
    long = long[[(i, a) in given for i, a in zip(long["item"], long["annotator"],
                                                  strict=True)]]
    return long.astype({"item": str, "annotator": str, "score": float}).reset_index(drop=True)
