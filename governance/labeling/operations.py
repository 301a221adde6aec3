"""Operations metrics: turnaround per label, throughput per active hour and cost."""

from __future__ import annotations

import math

import pandas as pd

from governance.labeling import LabelingError, require_columns

GROUPINGS = ("annotator", "vendor")
OPERATION_COLUMNS = ("labels", "items", "annotators", "median_seconds", "p90_seconds",
                     "labels_per_hour", "total_cost", "cost_per_label", "cost_per_item")
_OPS_INPUT = ("item", "annotator", "vendor", "started_at", "finished_at", "cost")


def label_seconds(frame: pd.DataFrame) -> pd.Series:
    """Seconds spent on each label; raises LabelingError when a label ends before it starts."""
    require_columns(frame, ("started_at", "finished_at"))
    try:
        started = pd.to_datetime(frame["started_at"])
        finished = pd.to_datetime(frame["finished_at"])
        seconds = (finished - started).dt.total_seconds()
    except (TypeError, ValueError) as exc:
        raise LabelingError("The started_at/finished_at columns must hold timestamps "
                            f"({exc}).") from None
    backwards = int((seconds < 0).sum())
    if backwards:
        raise LabelingError(f"{backwards} annotation(s) finish before they start "
                            "(finished_at < started_at); fix the timestamps from the "
                            "labeling tool before computing turnaround.")
    return seconds


def _summary(rows: pd.DataFrame) -> dict[str, float]:
    seconds = rows["seconds"].dropna()
    labels = len(rows)
    items = int(rows["item"].nunique())
    total_cost = float(rows["cost"].sum())
    active_hours = float(seconds.sum()) / 3600
    # Throughput counts only labels with a measured duration, so labels with missing
    # timestamps do not inflate the rate; without any timed work it is undefined.
    per_hour = len(seconds) / active_hours if active_hours > 0 else math.nan
    return {
        "labels": labels,
        "items": items,
        "annotators": int(rows["annotator"].nunique()),
        "median_seconds": float(seconds.median()) if len(seconds) else math.nan,
        "p90_seconds": float(seconds.quantile(0.9)) if len(seconds) else math.nan,
        "labels_per_hour": per_hour,
        "total_cost": total_cost,
        "cost_per_label": total_cost / labels if labels else math.nan,
        "cost_per_item": total_cost / items if items else math.nan,
    }


def _with_seconds(frame: pd.DataFrame) -> pd.DataFrame:
    require_columns(frame, _OPS_INPUT)
    rows = frame[list(_OPS_INPUT)].copy()
    rows["seconds"] = label_seconds(frame)
    rows["cost"] = pd.to_numeric(rows["cost"], errors="coerce")
    return rows


def operations_by(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Turnaround, throughput and cost per annotator or vendor (sorted by it)."""
    if by not in GROUPINGS:
        raise LabelingError(f"Operations can be grouped by {' or '.join(GROUPINGS)}, "
                            f"not '{by}'.")
    rows = _with_seconds(frame)
    rows[by] = rows[by].astype(str)
    records = [{by: key, **_summary(group)}
               for key, group in rows.groupby(by, sort=True)]
    out = pd.DataFrame(records, columns=[by, *OPERATION_COLUMNS])
    return out.astype({"labels": int, "items": int, "annotators": int})


def batch_operations(frame: pd.DataFrame) -> dict[str, float]:
    """Whole-batch turnaround, throughput, cost and the wall-clock span in hours."""
    rows = _with_seconds(frame)
    summary = _summary(rows)
    started = pd.to_datetime(frame["started_at"]).min()
    finished = pd.to_datetime(frame["finished_at"]).max()
    span = (finished - started).total_seconds() / 3600 if len(rows) else math.nan
    return {
        "labels": summary["labels"],
        "items": summary["items"],
        "annotators": summary["annotators"],
        "vendors": int(rows["vendor"].nunique()),
        "median_seconds": summary["median_seconds"],
        "p90_seconds": summary["p90_seconds"],
        "labels_per_hour": summary["labels_per_hour"],
        "total_cost": summary["total_cost"],
        "cost_per_item": summary["cost_per_item"],
        "span_hours": float(span) if pd.notna(span) else math.nan,
    }
