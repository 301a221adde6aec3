"""`dataops status`: why each version was delivered, blocked or failed, from the shell.

It reads Dagster's event log (SQLite under DAGSTER_HOME, readable while runs write) and
plain files of the data directory (raw manifests, holds.json). It never opens the DuckDB
warehouse, so a run holding the warehouse's write lock does not get in its way: what it
needs from a run (quarantine counts by reason, personal-data findings, drift verdict) is
in the run's materialization metadata.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import dagster as dg

from dataops_assets.cli._common import add_verb, dagster_instance
from dataops_assets.keys import (
    DRIFT,
    LABELING_STAGES,
    META_DATASET_DRIFT,
    META_DRIFTED_COLUMNS,
    META_REFERENCE,
    META_SHARE_DRIFTED,
    PII_SCAN,
    STAGE_CHAIN,
    job_name,
    partitions_name,
)
from dataops_assets.outcomes import outcome_from_events
from governance.contracts import DatasetContract, find_contract, load_contracts
from governance.errors import UnknownVersionError
from governance.holds import HoldBook
from governance.identifiers import check_version
from governance.rawstore import RawStore
from governance.retention import retention_plan
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env

_STAGES = (*STAGE_CHAIN, *LABELING_STAGES)
_STEP_STATES = {
    dg.DagsterEventType.STEP_START: "running",
    dg.DagsterEventType.STEP_SUCCESS: "succeeded",
    dg.DagsterEventType.STEP_FAILURE: "failed",
    dg.DagsterEventType.STEP_SKIPPED: "skipped",
}


def _latest_run(instance: dg.DagsterInstance, dataset: str,
                version: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(
        job_name=job_name(dataset), tags={"dagster/partition": version}), limit=1)
    return runs[0] if runs else None


def _drift(meta: dict[str, Any] | None) -> dict[str, Any] | None:
    if meta is None:
        return None
    return {"drifted": bool(meta.get(META_DATASET_DRIFT)),
            "reference": meta.get(META_REFERENCE),
            "share_drifted": meta.get(META_SHARE_DRIFTED),
            "drifted_columns": meta.get(META_DRIFTED_COLUMNS) or []}


def version_status(instance: dg.DagsterInstance, layout: Layout, contract: DatasetContract,
                   version: str) -> dict[str, Any]:
    """Everything known about one version, as a JSON-ready dict (no personal values)."""
    dataset = contract.name
    out: dict[str, Any] = {"dataset": dataset, "version": version}
    raw_store = RawStore(layout.raw_dir)
    try:
        raw = raw_store.get(dataset, version)
    except UnknownVersionError:
        raw = None
    run = _latest_run(instance, dataset, version)
    if run is None:
        out.update(status="not run", run_id=None, stages={}, failed_checks=[],
                   quarantined=0, quarantine_by_reason={}, pii_findings=None, drift=None)
    else:
        events = [e.dagster_event for e in instance.all_logs(run.run_id)
                  if e.dagster_event is not None]
        outcome = outcome_from_events(dataset, version, run.run_id, events)
        stages: dict[str, str] = {}
        for event in events:
            state = _STEP_STATES.get(event.event_type)
            if state and event.step_key:
                # A graph-backed asset (delivered) has several steps: asset__name.op[chunk].
                stage = event.step_key.split("__", 1)[-1].split(".", 1)[0]
                if stage not in _STAGES:
                    continue  # a check run as its own step (service levels): not a stage
                if stages.get(stage) == "failed":
                    continue  # a later step of the same asset must not hide the failure
                error = getattr(event.event_specific_data, "error", None)
                if state == "failed" and stage in outcome.materialized and error is not None \
                        and error.cls_name == "DagsterAssetCheckFailedError":
                    state = "materialized, blocking check failed"
                stages[stage] = state
        finished = run.status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                                  dg.DagsterRunStatus.CANCELED)
        pii = outcome.metadata.get(PII_SCAN)
        out.update(
            status=outcome.status if finished else f"run {run.status.value.lower()}",
            run_id=run.run_id, stages=stages,
            failed_checks=[c.as_json() for c in outcome.checks],
            quarantined=outcome.quarantined,
            quarantine_by_reason=outcome.quarantine_by_reason,
            pii_findings=None if pii is None else pii.get("detected", {}),
            drift=_drift(outcome.metadata.get(DRIFT)),
            errors=outcome.refusals + outcome.errors
            + [u.splitlines()[0] for u in outcome.unexpected])
    holds = HoldBook(layout.holds_file)
    out["holds"] = [{"reason": h.reason, "placed_at": h.placed_at}
                    for h in holds.list(dataset) if h.version == version]
    out["retention"] = [] if raw is None else [
        {"scope": i.scope, "action": i.action, "due": i.due_at.date().isoformat(),
         "held": i.held} for i in retention_plan(contract, [raw], holds)]
    out["raw_purged"] = None if raw is None else raw.purged
    return out


def _print(entry: dict[str, Any]) -> None:
    print(f"{entry['dataset']} {entry['version']}: {entry['status']}"
          + (f" (run {entry['run_id'][:8]})" if entry.get("run_id") else ""))
    if entry["stages"]:
        print("  stages: " + ", ".join(f"{s} {st}" for s, st in entry["stages"].items()))
    for check in entry["failed_checks"]:
        kind = "" if check["blocking"] else " (warning)"
        count = "" if check["failures"] is None else f", {check['failures']} failure(s)"
        print(f"  failed check {check['name']}{kind}{count}: {check['first_reason']}")
    for error in entry.get("errors") or []:
        print(f"  error: {error.splitlines()[0]}")
    if entry["quarantined"]:
        print(f"  quarantined: {entry['quarantined']}")
        for reason, count in entry["quarantine_by_reason"].items():
            print(f"    {count} x {reason}")
    if entry["pii_findings"]:
        found = "; ".join(f"{c}: {t}" for c, t in entry["pii_findings"].items())
        print(f"  personal data found: {found}")
    if entry["drift"]:
        d = entry["drift"]
        verdict = "drifted" if d["drifted"] else "no drift"
        cols = f" ({', '.join(d['drifted_columns'])})" if d["drifted_columns"] else ""
        against = (f"against {d['reference']}" if d["reference"] not in (None, "none")
                   else "(no delivered version to compare with yet)")
        print(f"  drift: {verdict} {against}{cols}")
    for item in entry["retention"]:
        held = ", held" if item["held"] else ""
        print(f"  retention: {item['scope']} {item['action']} due {item['due']}{held}")
    for hold in entry["holds"]:
        print(f"  legal hold since {hold['placed_at'][:10]}: {hold['reason']}")
    if entry["raw_purged"]:
        print(f"  raw bytes purged: {entry['raw_purged']}")


def collect_status(instance: dg.DagsterInstance, dataset: str | None = None,
                   version: str | None = None) -> list[dict[str, Any]]:
    """The status of every version (of one dataset, or one version) from files and events."""
    layout = Layout(data_dir_from_env())
    contracts = ([find_contract(contracts_dir_from_env(), dataset)] if dataset
                 else load_contracts(contracts_dir_from_env()))
    out = []
    for contract in contracts:
        versions = instance.get_dynamic_partitions(partitions_name(contract.name))
        if version is not None:
            check_version(version)
            if version not in versions:
                raise UnknownVersionError(f"{contract.name} has no version {version}")
            versions = [version]
        out += [version_status(instance, layout, contract, v)
                for v in sorted(versions, key=lambda v: int(v[1:]))]
    return out


def cmd_status(args: argparse.Namespace) -> int:
    """Print each version's stages, failed checks, quarantine, findings, drift and retention."""
    entries = collect_status(dagster_instance(), args.dataset, args.version)
    if args.json:
        print(json.dumps(entries, indent=2, default=str))
        return 0
    if not entries:
        print("no versions yet")
    for i, entry in enumerate(entries):
        if i:
            print()
        _print(entry)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops status`."""
    parser = add_verb(
        subparsers, "status", help="why each version was delivered, blocked or failed",
        description="Reads Dagster's event log and the data directory's files, never the "
        "DuckDB warehouse, so it works while runs are writing.\n\nFor each version: its "
        "stages, failed checks, quarantined rows by reason, personal data found, drift, "
        "retention deadlines and legal holds.",
        examples=["dataops status",
                  "dataops status --dataset loan_applications --version v2 --json"])
    parser.add_argument("--dataset")
    parser.add_argument("--version")
    parser.add_argument("--json", action="store_true", help="print JSON on standard output")
    parser.set_defaults(func=cmd_status)
