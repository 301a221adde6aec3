"""`dataops report weekly`: write (and optionally send) the weekly status report."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dataops_assets.cli._common import add_verb, dagster_instance
from dataops_assets.incidents.resources import notifier_from_env
from dataops_assets.reporting.assets import REPORTS_FOLDER
from dataops_assets.reporting.gather import run_outcomes, slo_evaluations
from governance.contracts import load_contracts
from governance.errors import GovernanceError
from governance.reporting.build import build_report
from governance.reporting.period import parse_as_of, period_for
from governance.reporting.render import write_report
from governance.reporting.send import send_report
from governance.settings import (
    contracts_dir_from_env,
    data_dir_from_env,
    datasheets_dir_for,
    timezone_name,
)


class NoDataDirectoryError(GovernanceError):
    """The data directory the report would describe does not exist."""


def cmd_weekly(args: argparse.Namespace) -> int:
    """Build the report as of --as-of (default now), write it, print where (or its JSON)."""
    zone = ZoneInfo(timezone_name())
    as_of = parse_as_of(args.as_of, zone) if args.as_of else datetime.now(zone)
    data_dir = data_dir_from_env()
    if not data_dir.is_dir():
        raise NoDataDirectoryError(f"there is no data directory at {data_dir}; run `dataops "
                                   "demo` or `dataops ingest` first, or set DATAOPS_DATA_DIR")
    contracts = load_contracts(contracts_dir_from_env())
    instance = dagster_instance()
    report = build_report(data_dir, contracts, period_for(as_of),
                          run_outcomes(instance, contracts), slo_evaluations(instance, contracts))
    out = Path(args.out) if args.out else datasheets_dir_for(data_dir) / REPORTS_FOLDER
    md_path, html_path, _, page = write_report(out, report)
    sent = (send_report(notifier_from_env(data_dir), report, page, contracts, datetime.now(UTC))
            if args.send else [])
    if args.json:
        print(json.dumps({**report.headline_json(), "sections": report.sections_json()},
                         indent=2))
        return 0
    h = report.headline
    print(f"{report.period.name}: {h.received} received, {h.delivered} delivered, "
          f"{h.blocked} blocked, {h.failed} failed; {len(report.risks)} risk(s)")
    print(f"wrote {md_path} and {html_path}")
    for delivery in sent:
        print(f"sent to {delivery.recipient}: {delivery.status}"
              + (f" ({delivery.detail})" if delivery.detail else ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops report weekly`."""
    report = add_verb(
        subparsers, "report", help="status reports for stakeholders",
        description="Reports computed from the warehouse, the operations store, the data "
        "directory and the Dagster instance.",
        examples=["dataops report weekly", "dataops report weekly --as-of 2026-12-06 --json"])
    rsub = report.add_subparsers(dest="report_command", required=True)
    weekly = add_verb(
        rsub, "weekly", help="the weekly status report (Markdown and HTML)",
        description="Writes weekly-YYYY-WW.md and .html (the ISO week of the day before the "
        "as-of time) for the week up to --as-of: versions received, delivered, blocked and "
        "failed, first-pass yield, service levels, quality, privacy, labeling, drift, "
        "incidents, and the risks and decisions needed.\n\nA DATE means the end of that day, "
        "a DATETIME without offset is read in $DATAOPS_TIMEZONE (default UTC). The same "
        "--as-of on the same state writes the same bytes.",
        examples=["dataops report weekly", "dataops report weekly --as-of 2026-12-06 --out /tmp/r",
                  "dataops report weekly --json", "dataops report weekly --send"],
        exit_codes=["0  written", "2  refused: bad --as-of, no data directory, no DAGSTER_HOME"])
    weekly.add_argument("--as-of", help="DATE (YYYY-MM-DD) or DATETIME; default: now")
    weekly.add_argument("--out", help="folder for the files; default: <documents>/reports")
    weekly.add_argument("--json", action="store_true",
                        help="print the headline figures as JSON on standard output")
    weekly.add_argument("--send", action="store_true",
                        help="also send it to the contracts' announcement e-mail channels")
    weekly.set_defaults(func=cmd_weekly)
