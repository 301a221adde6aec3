"""`make demo`: generate the demo batches, ingest them and run every version end to end."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import dagster as dg

from dataops_assets.console import (
    print_incidents,
    print_json,
    print_log_location,
    print_summary,
    progress,
)
from dataops_assets.definitions import build_definitions
from dataops_assets.demo.consent import DATASET as CONSENT_DATASET
from dataops_assets.demo.consent import write_consent_file
from dataops_assets.demo.generate import audit_path, generate_demo
from dataops_assets.demo.labels import DATASET as LABELS_DATASET
from dataops_assets.demo.labels import PILOT_ID, gold_path, pilot_path, qualification_path
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.keys import (
    LABELING_BUDGET,
    PORTAL_KEY,
    VENDOR_COMPARISON,
    WEEKLY_REPORT_KEY,
    stage_key,
)
from dataops_assets.portal.resources import portal_base_url
from dataops_assets.privacy.consent import import_consent
from dataops_assets.runner import (
    VersionOutcome,
    run_version,
    run_weekly_report,
    tick_drift_sensor,
    tick_incident_sensor,
    tick_planning_sensor,
)
from governance.contracts import DatasetContract, load_contracts
from governance.incidents.book import IncidentBook
from governance.labeling.files import save_gold, save_qualification, save_verdicts
from governance.labeling.spec import labeling_spec
from governance.planning.pilot import take_in_pilot
from governance.rawstore import RawStore
from governance.reference import save_reference
from governance.settings import Layout
from governance.storage import now_utc
from governance.warehouse import open_warehouse


def ingest_demo(data_dir: Path, contracts: dict[str, DatasetContract],
                instance: dg.DagsterInstance) -> list[tuple[str, str]]:
    """Generate the demo batches and ingest each with its reviewers' files; (dataset, version)."""
    layout = Layout(data_dir)
    # The demo's dates follow the day it runs, so freshness SLAs hold for a fresh demo.
    batches = generate_demo(data_dir / "demo_source", datetime.now(UTC).date())
    raw_store = RawStore(layout.raw_dir)
    versions: list[tuple[str, str]] = []
    for dataset, paths in batches.items():
        for path in paths:
            result = ingest_file(instance, raw_store, contracts[dataset], path)
            _save_audit(layout, contracts[dataset], result.raw.version, path)
            versions.append((dataset, result.raw.version))
    return versions


def run_demo(data_dir: Path, contracts_dir: Path, instance: dg.DagsterInstance,
             as_json: bool = False) -> int:
    """Run the demo; exit code 0 when every version was delivered or blocked by a check."""
    say = sys.stderr if as_json else sys.stdout  # --json keeps standard output for JSON
    contracts = {c.name: c for c in load_contracts(contracts_dir)}
    versions = ingest_demo(data_dir, contracts, instance)
    print(f"ingested {len(versions)} demo batches of {len(contracts)} datasets", file=say)
    # Before any version runs, so each delivery's model_training export honours them.
    consent_file = write_consent_file(data_dir / "demo_source", datetime.now(UTC).date())
    parsed, recorded = import_consent(Layout(data_dir), contracts[CONSENT_DATASET],
                                      consent_file)
    print(f"recorded {recorded.added} demo consent records of {CONSENT_DATASET} "
          f"({len(parsed.refused)} refused)", file=say)
    defs = build_definitions(contracts_dir, data_dir)
    outcomes: list[VersionOutcome] = []
    with progress(len(versions)) as start:
        for ds, v in versions:
            start(ds, v)
            outcomes.append(run_version(defs, instance, ds, v))
        # `dagster dev` runs the drift sensors in its daemon; the demo ticks them itself so
        # the refresh requests exist before the UI starts (the daemon then finds them).
        requests = [r for contract in contracts.values()
                    for r in tick_drift_sensor(defs, instance, contract)]
        # Likewise the incident sensor: the blocked versions' incidents exist when it ends.
        tick_incident_sensor(defs, instance)
        # The vendor pilot, once the batches are measured (its gold answers came with them),
        # then the planning job its sensor requests after the latest labeling run.
        planning = tick_planning_sensor(defs, instance, LABELS_DATASET) \
            if take_in_demo_pilot(data_dir, contracts) else {}
        # The weekly report as its Monday schedule would write it, then the portal (each
        # datasheet rebuilt it; once more so it lists the incidents and the report too).
        recorded = run_weekly_report(defs, instance)
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        print_json(outcomes)
    else:
        print()
        print_summary(outcomes)
        print(f"\nrefresh requests raised by drift: {len(requests)}")
        for r in requests:
            print(f"  {r.dataset} {r.version}: {r.share_drifted:.0%} of columns drifted from "
                  f"{r.reference_version} ({', '.join(r.drifted_columns)}); {r.job} -> "
                  f"{r.status}")
        print_incidents(IncidentBook(Layout(data_dir), contracts).list())
        print(f"\n{len(outcomes)} versions: "
              f"{sum(o.delivered for o in outcomes)} delivered, "
              f"{sum(o.blocked for o in outcomes)} blocked by checks, {len(failed)} failed")
    report = recorded[WEEKLY_REPORT_KEY.to_user_string()]
    portal = recorded[PORTAL_KEY.to_user_string()]
    print(f"weekly report: {report['html_path']}", file=say)
    _print_planning(planning, say)
    print(f"governance portal: {portal['portal_pages']} pages in {portal['portal_site']} "
          f"(`make run` serves it at {portal_base_url()})", file=say)
    print_log_location(data_dir)
    return 1 if failed else 0


def _print_planning(recorded: dict[str, dict[str, object]], say: TextIO) -> None:
    """One line for the budget and one for the vendors surely below target."""
    budget = recorded.get(stage_key(LABELS_DATASET, LABELING_BUDGET).to_user_string())
    vendors = recorded.get(stage_key(LABELS_DATASET, VENDOR_COMPARISON).to_user_string())
    if budget and "budget/eac_p50" in budget:
        print(f"labeling budget of {LABELS_DATASET}: spent {budget['budget/spent']:.2f} of "
              f"{budget['budget/amount']:.2f} {budget['budget/currency']}, forecast at "
              f"completion P50 {budget['budget/eac_p50']:.2f} (P90 "
              f"{budget['budget/eac_p90']:.2f}); plots: {budget['plots']}", file=say)
    if vendors:
        marked = vendors.get("surely_below_target") or {}
        # Each reason reads "<figure> is surely below the <target>": the figure names it.
        below = "; ".join(f"{v} ({', '.join(r.split(' is surely below')[0] for r in why)})"
                          for v, why in sorted(marked.items()))
        print(f"vendor comparison: {vendors['vendors_compared']} vendors, surely below a "
              f"target: {below or 'none'}", file=say)


def take_in_demo_pilot(data_dir: Path, contracts: dict[str, DatasetContract]) -> bool:
    """Take in the demo's vendor pilot of support_ticket_labels; False without its contract."""
    contract = contracts.get(LABELS_DATASET)
    spec = labeling_spec(contract) if contract is not None else None
    if spec is None:
        return False
    layout = Layout(data_dir)
    take_in_pilot(open_warehouse(layout), layout, LABELS_DATASET, spec,
                  pilot_path(data_dir / "demo_source"), PILOT_ID,
                  spec.targets.get("goldAccuracy"), now_utc())
    return True


def _save_audit(layout: Layout, contract: DatasetContract, version: str, batch: Path) -> None:
    """Store what the demo's reviewers verified beside a batch (and a program's gold answers)."""
    spec = labeling_spec(contract)
    if spec is None:
        save_reference(layout, contract, version, audit_path(batch))
        return
    save_gold(layout, contract, spec, gold_path(batch.parent.parent))
    save_qualification(layout, contract, spec, qualification_path(batch.parent.parent))
    save_verdicts(layout, contract, spec, version, audit_path(batch))
