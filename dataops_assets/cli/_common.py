"""Helpers shared by the verbs: the Dagster instance, verb parsers, outcome output, exit codes."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dataops_assets import runner
from dataops_assets.outcomes import VersionOutcome
from governance.errors import GovernanceError

EXIT_DELIVERED = 0
EXIT_FAILED = 1
EXIT_BLOCKED = 3
EXIT_REFUSED = 2  # a GovernanceError (unknown dataset, unsafe name, missing file), or argparse


def add_verb(subparsers: argparse._SubParsersAction, name: str, *, help: str,
             description: str, examples: Sequence[str],
             exit_codes: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Add a verb's parser with its one-line help, description, examples and exit codes."""
    # Raw formatting keeps the examples' lines; the description's paragraphs are wrapped here.
    text = "\n\n".join(textwrap.fill(para, 79) for para in description.split("\n\n"))
    epilog = "examples:\n" + "".join(f"  {example}\n" for example in examples)
    if exit_codes:
        epilog += "\nexit codes:\n" + "".join(f"  {line}\n" for line in exit_codes)
    return subparsers.add_parser(name, help=help, description=text, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """The --json and -v flags of the verbs that run versions (ingest, demo)."""
    parser.add_argument("--json", action="store_true",
                        help="print each version's outcome as JSON on standard output")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show Dagster's per-event log lines on standard error too")


def dagster_instance() -> dg.DagsterInstance:
    """The Dagster instance under DAGSTER_HOME; a GovernanceError (exit 2) when it is unset."""
    try:
        return dg.DagsterInstance.get()
    except dg.DagsterInvariantViolationError:
        raise GovernanceError("DAGSTER_HOME is not set; run through make, or export "
                              "DAGSTER_HOME=$PWD/.dataops/dagster_home") from None


def exit_code(outcome: VersionOutcome) -> int:
    """0 when delivered, 3 when blocked by checks, 1 when the run failed."""
    return {"delivered": EXIT_DELIVERED, "blocked": EXIT_BLOCKED}.get(outcome.status,
                                                                        EXIT_FAILED)


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
        detail = ", ".join(o.materialized)
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
        for error in o.errors:
            if not o.checks or "is blocked" not in error:
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
