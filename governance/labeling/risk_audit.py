"""The risk audit sample: labels most likely to be wrong, beside the random audit sample.

The random sample (governance/labeling/sampling.py) stays the estimator of accuracy; this
sample is for finding errors. It ranks the labels the random sample left out by their
quality score (governance/labeling/risk.py) and takes the lowest. Reviewers' verdicts on
it feed the error tables, confusions and feedback packs, never the accuracy estimate.
It is stored in its own table, risk_audit_sample, so no query of audit_sample can mix the
two. Item text is read in memory from the labeled dataset's delivered stage (personal
spans already redacted) and never stored, logged or returned: only ids and scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from governance.identifiers import quote_ident
from governance.labeling import LabelingError
from governance.labeling.risk import RiskScoringError, label_quality
from governance.labeling.spec import LabelingSpec
from governance.storage import table_columns, table_exists
from governance.tables import AUDIT_SAMPLE, DELIVERED, RISK_AUDIT_SAMPLE, VERSION_COL

RISK_COLUMNS = ("rank", "item", "annotator", "vendor", "label", "score", "verdict", "correct")
TEXT_STAGE = DELIVERED
_TEXT_VIEW = "_risk_audit_items"


class RiskAuditOff(LabelingError):
    """The batch gets no risk sample (setting absent, no text, too few labels)."""


@dataclass(frozen=True)
class RiskOutcome:
    """The risk sample of a batch, or why there is none."""

    drawn: bool
    reason: str = ""
    plan: str = ""
    eligible: int = 0     # labels not in the random sample
    size: int = 0
    audited: int = 0      # labels in the sample with a verdict
    errors: int = 0       # of those, labels the verdict shows wrong
    items_with_text: int = 0
    items: int = 0

    @property
    def error_rate(self) -> float | None:
        """Errors found per audited label of the risk sample."""
        return self.errors / self.audited if self.audited else None


def errors_per_audited(sample: pd.DataFrame) -> tuple[int, int]:
    """(audited, errors) of a sample with verdict and correct columns."""
    scored = sample[sample["verdict"].notna()]
    return len(scored), int((~scored["correct"].astype(bool)).sum())


def ratio(risk: float | None, random: float | None) -> float | None:
    """How many times more errors per audited label the risk sample found (None if 0/0)."""
    if risk is None or random is None or random == 0:
        return None
    return risk / random


def read_texts(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec,
               items: list[str]) -> dict[str, str]:
    """Each item's text (the setting's columns joined) from the labeled dataset's newest
    delivered version holding it; the text stays in memory."""
    plan = spec.risk_audit
    if plan is None:
        raise RiskAuditOff("no riskAudit setting in the contract's labeling section")
    schema = spec.labels_dataset
    present = set(table_columns(conn, schema, TEXT_STAGE))
    if not present:
        raise RiskAuditOff(f"{schema} has no delivered version to read item text from")
    missing = [c for c in (plan.key, *plan.text_columns) if c not in present]
    if missing:
        raise RiskAuditOff(f"{schema} has no column(s) {', '.join(missing)} (riskAudit.key "
                           "and riskAudit.textColumn name the labeled dataset's columns)")
    key = quote_ident(plan.key)
    text = " || ' ' || ".join(f"coalesce(CAST({quote_ident(c)} AS VARCHAR), '')"
                              for c in plan.text_columns)
    # The newest version wins; versions are v1, v2, ... so they are compared as numbers.
    number = f"CAST(substr({quote_ident(VERSION_COL)}, 2) AS BIGINT)"
    conn.register(_TEXT_VIEW, pd.DataFrame({"item": pd.Series(items, dtype=str)}))
    try:
        rows = conn.execute(
            f"SELECT CAST(t.{key} AS VARCHAR), arg_max({text}, {number}) "
            f"FROM {quote_ident(schema)}.{quote_ident(TEXT_STAGE)} AS t "
            f"JOIN {_TEXT_VIEW} AS i ON CAST(t.{key} AS VARCHAR) = i.item "
            "GROUP BY 1").fetchall()
    finally:
        conn.unregister(_TEXT_VIEW)
    return {str(k): str(v or "") for k, v in rows}


def draw_risk_sample(scores: pd.DataFrame, frame: pd.DataFrame, random_sample: pd.DataFrame,
                     size: int, seed: int) -> pd.DataFrame:
    """The `size` lowest-scored labels not in the random sample (seeded ties), ranked."""
    taken = set(zip(random_sample["item"].astype(str), random_sample["annotator"].astype(str),
                    strict=True))
    rows = frame.loc[frame["label"].notna(), ["item", "annotator", "vendor", "label"]]
    rows = rows.astype(str).merge(scores, on=["item", "annotator"], how="inner")
    keep = [(i, a) not in taken for i, a in zip(rows["item"], rows["annotator"], strict=True)]
    rows = rows[keep].sort_values(["item", "annotator"], kind="mergesort")
    # Equal scores (e.g. identical texts and labels) are broken by the batch's seed, not
    # by file order, so the same batch always gets the same sample.
    rows = rows.assign(_tie=np.random.default_rng(seed).random(len(rows)))
    rows = rows.sort_values(["score", "_tie"], kind="mergesort").head(max(size, 0))
    rows = rows.drop(columns="_tie").reset_index(drop=True)
    return rows.assign(rank=range(1, len(rows) + 1))[["rank", "item", "annotator", "vendor",
                                                       "label", "score"]]


def empty_sample() -> pd.DataFrame:
    """A risk sample with no rows (the batch gets none)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RISK_COLUMNS})


def risk_audit(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec, frame: pd.DataFrame,
               consensus: pd.DataFrame, random_sample: pd.DataFrame,
               verdicts: dict[str, str], seed: int) -> tuple[pd.DataFrame, RiskOutcome]:
    """Draw and score a batch's risk sample; an empty one with the reason when it is off."""
    plan = spec.risk_audit
    eligible = int(frame["label"].notna().sum()) - len(random_sample)
    items = sorted(set(frame["item"].astype(str)))
    try:
        if plan is None:
            raise RiskAuditOff("no riskAudit setting in the contract's labeling section")
        texts = read_texts(conn, spec, items)
        if not texts:
            raise RiskAuditOff(f"none of the batch's items is in {spec.labels_dataset}'s "
                               "delivered versions, so there is no text to score")
        agreed = {str(i): (None if pd.isna(lab) else str(lab)) for i, lab in
                  consensus[["item", "label"]].itertuples(index=False)}
        scores = label_quality(frame, texts, agreed, spec.label_set, seed, plan.folds)
    except (RiskAuditOff, RiskScoringError) as exc:
        return empty_sample(), RiskOutcome(False, str(exc), eligible=max(eligible, 0),
                                           items=len(items))
    sample = draw_risk_sample(scores, frame, random_sample, plan.size(int(
        frame["label"].notna().sum())), seed)
    sample = sample.assign(verdict=sample["item"].map(verdicts))
    sample["correct"] = (sample["verdict"] == sample["label"]).where(sample["verdict"].notna())
    audited, errors = errors_per_audited(sample)
    text = (f"{plan.describe}, lowest cleanlab label-quality scores (text classifier on "
            f"{', '.join(plan.text_columns)}, {plan.folds}-fold out-of-fold) among labels "
            "not in the random sample")
    return sample, RiskOutcome(True, "", text, max(eligible, 0), len(sample), audited, errors,
                               len(texts), len(items))


def risk_summary(conn: duckdb.DuckDBPyConnection, dataset: str,
                 version: str) -> dict[str, Any] | None:
    """Errors per audited label in the risk sample vs the random sample, from the stored
    tables; None when the batch has no risk sample."""
    counts = {}
    for table in (RISK_AUDIT_SAMPLE, AUDIT_SAMPLE):
        if not table_exists(conn, dataset, table):
            return None
        (size, audited, errors), = conn.execute(
            f"SELECT count(*), count(verdict), coalesce(sum((NOT correct)::INT), 0) FROM "
            f"{quote_ident(dataset)}.{quote_ident(table)} WHERE {quote_ident(VERSION_COL)} = ?",
            [version]).fetchall()
        rate = errors / audited if audited else None
        counts[table] = {"size": int(size), "audited": int(audited), "errors": int(errors),
                         "rate": rate}
    risk, random = counts[RISK_AUDIT_SAMPLE], counts[AUDIT_SAMPLE]
    if not risk["size"]:
        return None
    return {"risk": risk, "random": random, "ratio": ratio(risk["rate"], random["rate"])}
