"""What in-process runs show on the terminal: progress, the outcome summary, JSON.

Used by the verbs that run versions and by the demo; it knows nothing of argument parsing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dataops_assets import runner
from dataops_assets.outcomes import VersionOutcome, stage_rank
from governance.incidents.model import Incident
from governance.tables import version_number


@contextmanager
def progress(total: int) -> Iterator[Callable[[str, str], None]]:
    """A rich progress display on standard error (terminals only): versions, stages, rows.

    Yields start(dataset, version), to be called before each version's run.
    """
    console = Console(file=sys.stderr)
    if not console.is_terminal:
        yield lambda dataset, version: None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task("versions", total=total)
    current = {"started": 0}

    def stage_done(dataset: str, version: str, stage: str, rows: int | None) -> None:
        shown = f"{dataset} {version}: {stage}" + (f" ({rows:,} rows)" if rows else "")
        bar.update(task, description=shown)

    def start(dataset: str, version: str) -> None:
        bar.update(task, completed=current["started"], description=f"{dataset} {version}")
        current["started"] += 1

    runner.add_stage_listener(stage_done)
    try:
        with bar:
            yield start
            bar.update(task, completed=total)
    finally:
        runner.remove_stage_listener(stage_done)


def print_summary(outcomes: Sequence[VersionOutcome]) -> None:
    """The summary table, then each blocked or failed version's reasons in plain words."""
    print(f"{'dataset':<22} {'version':<8} {'status':<10} stages / reasons")
    for o in outcomes:
        # Pipeline order, not finishing order: parallel steps (the cluster) finish in any order.
        detail = ", ".join(sorted(o.materialized, key=stage_rank))
        if o.failed_checks:
            detail += f" | failed checks: {', '.join(o.failed_checks)}"
        print(f"{o.dataset:<22} {o.version:<8} {o.status:<10} {detail}")
    for o in outcomes:
        if o.status == "delivered":
            continue
        print(f"\n{o.dataset} {o.version} {o.status}:")
        for check in o.checks:
            kind = "" if check.blocking else " (warning)"
            count = "" if check.failures is None else f", {check.failures} failure(s)"
            print(f"  {check.name}{kind}{count}: {check.first_reason}")
        # The delivery gate's refusal repeats the failed checks; shown only without them.
        for error in (o.errors if o.checks else [*o.refusals, *o.errors]):
            print(f"  {error.splitlines()[0]}")
        for error in o.unexpected:
            print(f"  unexpected error (traceback on standard error): {error.splitlines()[0]}")
            print(error, file=sys.stderr)


def print_json(outcomes: Sequence[VersionOutcome]) -> None:
    """The outcome of each version as one JSON array on standard output."""
    print(json.dumps([o.as_json() for o in outcomes], indent=2))


def print_log_location(data_dir: Path) -> None:
    """Say where Dagster's per-event lines went."""
    print(f"Dagster event log of these runs: {runner.run_log_file(data_dir)} "
          "(-v shows it here)", file=sys.stderr)


def print_incidents(incidents: Sequence[Incident]) -> None:
    """One line per active incident: what, how bad, which versions, whose."""
    active = [i for i in incidents if i.active]
    print(f"\nactive incidents: {len(active)} "
          f"({sum(i.severity == 'high' for i in active)} high); "
          "`dataops incident list` shows them, `dataops incident show ID` the evidence")
    for i in active:
        # Versions in version order: parallel runs attach them in the order they end.
        versions = sorted(i.versions, key=version_number)
        print(f"  {i.id} {i.dataset} {i.key} ({i.type}, {i.severity}) "
              f"{', '.join(versions)}: {i.state}, owner {i.owner}")
