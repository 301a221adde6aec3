"""The recorded evaluations of a service-level check, read from the instance's check history.

The checks read them for the error budget, the weekly report for attainment; both count
only evaluations of a version that measured something (`slo/counted` not false).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecordStatus as Status,
)

from dataops_assets.keys import META_SLO_COUNTED
from governance.service_levels.measure import Evaluation

_HISTORY = 10_000  # check evaluations read (newest first)


def counted_evaluations(instance: dg.DagsterInstance, key: dg.AssetCheckKey
                        ) -> list[tuple[Evaluation, dict[str, Any]]]:
    """Each counted evaluation of a check on a version, with the metadata it recorded."""
    out = []
    records = instance.event_log_storage.get_asset_check_execution_history(
        key, limit=_HISTORY, status={Status.SUCCEEDED, Status.FAILED})
    for record in records:
        entry = record.event
        evaluation = entry.asset_check_evaluation if entry is not None else None
        if evaluation is None or not evaluation.partition:
            continue
        counted = evaluation.metadata.get(META_SLO_COUNTED)
        if counted is not None and not counted.value:
            continue
        out.append((Evaluation(evaluation.partition,
                               datetime.fromtimestamp(entry.timestamp, UTC), evaluation.passed),
                    dict(evaluation.metadata)))
    return out
