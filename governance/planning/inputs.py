"""Gather what a plan reads: the history, and the refresh evidence of the labeled dataset."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, time
from pathlib import Path

import duckdb

from governance.contracts import find_contract
from governance.drift.refresh import RefreshLedger
from governance.errors import GovernanceError
from governance.identifiers import qualified
from governance.planning.budget import finished_dates
from governance.planning.history import History, read_history
from governance.planning.plan import RefreshInputs
from governance.planning.refresh import cadence
from governance.rawstore import RawStore
from governance.settings import Layout
from governance.storage import table_exists
from governance.tables import DRIFT_SUMMARY, MAIN


def judged_versions(conn: duckdb.DuckDBPyConnection, dataset: str) -> int:
    """Versions of a dataset that drift compared with a reference."""
    if not table_exists(conn, MAIN, DRIFT_SUMMARY):
        return 0
    row = conn.execute(f"SELECT count(*) FROM {qualified(MAIN, DRIFT_SUMMARY)} WHERE "
                       "dataset = ? AND reference_version IS NOT NULL", [dataset]).fetchone()
    return int(row[0]) if row else 0


def refresh_inputs(conn: duckdb.DuckDBPyConnection, layout: Layout, contracts_dir: Path,
                   labeled: str, history: History) -> RefreshInputs:
    """Drift requests, judged versions and arrival cadence of the dataset being labeled."""
    requests = len(RefreshLedger(layout.refresh_requests_file).list(labeled))
    arrivals = list(RawStore(layout.raw_dir).arrivals(labeled).values())
    try:
        sla = find_contract(contracts_dir, labeled).sla("frequency")
    except GovernanceError:
        sla = None  # the labeled dataset has no contract here: arrivals alone decide
    # A refresh batch is as big as the dataset's typical batch (its median item count).
    items = [b.items for b in history.batches if b.items]
    size = round(statistics.median(items)) if items else 0
    return RefreshInputs(labeled, max(judged_versions(conn, labeled), requests), requests,
                         cadence(arrivals, sla.duration if sla else None), size)


def plan_inputs(conn: duckdb.DuckDBPyConnection, layout: Layout, contracts_dir: Path,
                dataset: str, labeled: str | None,
                finished_column: str) -> tuple[History, RefreshInputs | None]:
    """The dataset's history and its refresh inputs.

    A batch is dated by its last label finished, the rule the labeling_budget asset
    counts spend to date by (governance/planning/budget.py), so both agree on it.
    """
    finished = finished_dates(conn, dataset, finished_column)
    history = read_history(conn, dataset, {
        version: datetime.combine(day, time(), UTC) for version, day in finished.items()})
    if labeled is None:
        return history, None
    inputs = refresh_inputs(conn, layout, contracts_dir, labeled, history)
    return history, inputs if inputs.batch_items else None
