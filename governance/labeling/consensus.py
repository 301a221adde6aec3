"""Majority-vote consensus per item, the adjudication queue, and agreement with consensus."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from governance.labeling import LabelingError, rated

AGREED = "agreed"
TIE = "tie"
LOW_AGREEMENT = "low_agreement"
SINGLE = "single_rating"

CONSENSUS_COLUMNS = ("item", "label", "ratings", "top_votes", "share", "status", "top_labels")
QUEUE_COLUMNS = ("item", "status", "ratings", "top_votes", "share", "top_labels", "reason")


def majority_vote(frame: pd.DataFrame, min_share: float = 0.6) -> pd.DataFrame:
    """One consensus row per item: the most voted label, its vote share and a status."""
    if not 0 < min_share <= 1:
        raise LabelingError(f"The consensus threshold must be a share between 0 and 1, "
                            f"got {min_share}.")
    rows = rated(frame)
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONSENSUS_COLUMNS})
    votes = rows.groupby(["item", "label"]).size().rename("votes").reset_index()
    ratings = votes.groupby("item")["votes"].sum()
    top_votes = votes.groupby("item")["votes"].max()
    top = votes[votes["votes"] == votes["item"].map(top_votes)]
    top_labels = top.groupby("item")["label"].size()
    # Sorting keeps the chosen label deterministic; it only matters when there is no tie.
    first_top = top.sort_values(["item", "label"]).groupby("item")["label"].first()
    out = pd.DataFrame({"ratings": ratings, "top_votes": top_votes,
                        "top_labels": top_labels, "label": first_top}).sort_index()
    out["share"] = out["top_votes"] / out["ratings"]
    out["status"] = [_status(r, t, s, min_share) for r, t, s in
                     zip(out["ratings"], out["top_labels"], out["share"], strict=True)]
    out["label"] = out["label"].astype(object).where(out["status"] != TIE, None)
    out = out.rename_axis("item").reset_index()
    return out[list(CONSENSUS_COLUMNS)].astype({"ratings": int, "top_votes": int,
                                                "top_labels": int})


def _status(ratings: int, top_labels: int, share: float, min_share: float) -> str:
    if ratings == 1:
        return SINGLE
    if top_labels > 1:
        return TIE
    # A small tolerance so 3 of 5 (0.6000000000000001 or 0.5999999999999999) meets 0.6.
    if share < min_share - 1e-12:
        return LOW_AGREEMENT
    return AGREED


def adjudication_queue(consensus: pd.DataFrame) -> pd.DataFrame:
    """Items needing a second look (ties and low agreement): ids, counts and a reason only."""
    queue = consensus[consensus["status"].isin([TIE, LOW_AGREEMENT])].copy()
    if "top_labels" not in queue.columns:
        queue["top_labels"] = pd.NA
    # No label values go into the queue: it is shown to people who adjudicate blind.
    queue["reason"] = [_reason(row) for row in queue.to_dict("records")]
    return queue[list(QUEUE_COLUMNS)].reset_index(drop=True)


def _reason(row: dict[str, Any]) -> str:
    ratings, top_votes = int(row["ratings"]), int(row["top_votes"])
    if row["status"] == TIE:
        tied = row["top_labels"]
        if pd.isna(tied):
            return f"tie: several labels got {top_votes} of {ratings} votes"
        return f"tie between {int(tied)} labels ({top_votes} of {ratings} votes each)"
    share = float(row["share"])
    return f"only {share:.0%} of {ratings} annotators agree ({top_votes} votes for the top label)"


def agreement_with_consensus(frame: pd.DataFrame, consensus: pd.DataFrame,
                             by: str = "annotator") -> pd.DataFrame:
    """Per annotator (or `by` group): share of labels equal to the item's consensus label.

    Only items with a consensus label and at least 2 ratings count; groups without such
    items keep a row with items 0 and rate nan so every annotator is listed.
    """
    if by not in frame.columns:
        raise LabelingError(f"Cannot group agreement by '{by}': the annotation file has no "
                            "such column.")
    rows = rated(frame, extra=[by])
    usable = consensus[consensus["label"].notna() & (consensus["ratings"] >= 2)]
    target = dict(zip(usable["item"].astype(str), usable["label"].astype(str), strict=True))
    scored = rows[rows["item"].isin(target)].copy()
    scored["agreed"] = scored["label"] == scored["item"].map(target)
    groups = sorted(rows[by].unique())
    items = scored.groupby(by).size().reindex(groups, fill_value=0)
    agreed = scored.groupby(by)["agreed"].sum().reindex(groups, fill_value=0)
    out = pd.DataFrame({by: groups, "items": items.to_numpy(dtype=int),
                        "agreed": agreed.to_numpy(dtype=int)})
    out["rate"] = [a / n if n else math.nan for a, n in zip(out["agreed"], out["items"],
                                                            strict=True)]
    return out
