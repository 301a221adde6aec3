"""Gather a post-mortem's evidence and write it: `dataops incident postmortem ID` calls this.

Evidence comes from where it is recorded, never re-measured by hand: the Dagster event log
(runs, materializations and check evaluations of the incident's versions), the warehouse
(check outcomes, quarantine reasons as counts, drift statistics, labeling batches; failing
samples are re-read and masked), the audit trail (arrivals, requests, refusals, exports and
their roles) and column lineage (what is downstream of the failing columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from dataops_assets.keys import (
    CHECK_INTAKE_COMPLETE,
    META_BLOCKED,
    datasheet_job_name,
    default_refresh_job_name,
    job_name,
    stage_key,
)
from governance.audit import AuditLog, audit_path
from governance.contracts import DatasetContract, find_contract
from governance.datasheet.render import write_text
from governance.drift.spec import CHECK_DRIFT, drift_spec
from governance.errors import InvalidNameError, UnknownVersionError
from governance.identifiers import qualified
from governance.incidents.model import DRIFT, KEY_DRIFT_REFRESH, Incident, IncidentEvent
from governance.incidents.postmortem import (
    ARRIVAL,
    AUDIT,
    CHECK_FAILURE,
    RUN,
    STAGE,
    DownstreamAsset,
    DriftColumn,
    ExportRecord,
    FailedCheck,
    LabelingBatch,
    PostmortemFacts,
    QuarantineReason,
    RuleEvidence,
    TimelineEntry,
    downstream_columns,
    render_postmortem,
    render_postmortem_html,
)
from governance.lineage import CHAIN
from governance.masking import mask_value
from governance.quality.evaluate import run_rules
from governance.quality.results import MAX_SAMPLES, RuleResult
from governance.quality.rules import quality_spec
from governance.rawstore import RawStore
from governance.settings import Layout, contracts_dir_from_env, datasheets_dir_for
from governance.stages import INTAKE, VALIDATED
from governance.tables import version_number
from governance.warehouse import open_warehouse

POSTMORTEMS_FOLDER = "postmortems"
_INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_LINEAGE_STAGES = {stage for stage, _ in CHAIN}
# Audit actions that say something about a version beyond what the event log shows.
_AUDIT_ACTIONS = ("request", "refuse", "purge", "erase", "hold_add", "hold_remove")
_RUN_EVENTS = {dg.DagsterEventType.RUN_START: "started", dg.DagsterEventType.RUN_SUCCESS:
               "succeeded", dg.DagsterEventType.RUN_FAILURE: "failed"}


@dataclass
class _Log:
    """What the event log says about the incident's versions."""

    timeline: list[TimelineEntry] = field(default_factory=list)
    checks: dict[tuple[str, str, str], FailedCheck] = field(default_factory=dict)
    rules: dict[tuple[str, str, str], int] = field(default_factory=dict)  # failures per rule


def _value(entry: Any) -> Any:
    return getattr(entry, "value", entry)


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _runs(instance: dg.DagsterInstance, contract: DatasetContract, versions: list[str],
          run_ids: Iterable[str]) -> list[tuple[dg.DagsterRun, str]]:
    """Runs of the dataset's jobs for the versions, plus runs the evidence names."""
    jobs = {job_name(contract.name), datasheet_job_name(contract.name),
            default_refresh_job_name(contract.name), drift_spec(contract).refresh_job}
    found: dict[str, tuple[dg.DagsterRun, str]] = {}
    for version in versions:
        for job in jobs:
            for run in instance.get_runs(filters=dg.RunsFilter(
                    job_name=job, tags={"dagster/partition": version})):
                found[run.run_id] = (run, version)
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.run_id not in found:
            found[run.run_id] = (run, run.tags.get("dagster/partition", ""))
    return [found[k] for k in sorted(found)]


def _read_log(instance: dg.DagsterInstance, contract: DatasetContract, versions: list[str],
              run_ids: Iterable[str]) -> _Log:
    log = _Log()
    for run, version in _runs(instance, contract, versions, run_ids):
        short = run.run_id[:8]
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None:
                continue
            at = _when(record.timestamp)
            if event.event_type in _RUN_EVENTS:
                what = f"run {short} of {run.job_name} {_RUN_EVENTS[event.event_type]}"
                log.timeline.append(TimelineEntry(at, RUN, version or None, what))
            elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                mat = event.event_specific_data.materialization
                rows = _value(mat.metadata.get("dagster/row_count"))
                count = f" ({rows} rows)" if isinstance(rows, int) else ""
                log.timeline.append(TimelineEntry(at, STAGE, version or None,
                                                  f"{mat.asset_key.path[-1]} materialized{count}"))
            elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                _check(log, event.event_specific_data, at, version)
            elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
                log.timeline.append(TimelineEntry(at, RUN, version or None,
                                                  _step_failure(event)))
    return log


def _check(log: _Log, evaluation: Any, at: datetime, version: str) -> None:
    if evaluation.passed:
        return
    meta = {k: _value(v) for k, v in evaluation.metadata.items()}
    failures = meta.get("failures", meta.get("quarantined", meta.get("failed_rows")))
    failures = int(failures) if isinstance(failures, int | float) else None
    asset = evaluation.asset_key.to_user_string()
    severity = "error" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warning"
    counted = "" if failures is None else f": {failures} failure(s)"
    log.timeline.append(TimelineEntry(at, CHECK_FAILURE, version, f"{evaluation.check_name} "
                                      f"({severity}) failed on {asset}{counted}"))
    # The latest evaluation of a check on a version is its evidence (a refresh re-checks).
    reason = (evaluation.description or "")[:160]
    log.checks[(version, asset, evaluation.check_name)] = FailedCheck(
        version, asset, evaluation.check_name, severity, failures, reason)
    for rule, count in (meta.get("failures_by_rule") or {}).items():
        if count:
            log.rules[(version, evaluation.check_name, str(rule))] = int(count)


def _step_failure(event: dg.DagsterEvent) -> str:
    data = event.event_specific_data
    stage = (event.step_key or "").split("__", 1)[-1].split(".", 1)[0]
    flags = data.user_failure_data.metadata if data.user_failure_data is not None else {}
    if _value((flags or {}).get(META_BLOCKED)):
        return f"{stage} refused by the delivery gate"
    if data.error is not None and data.error.cls_name == "DagsterAssetCheckFailedError":
        return f"{stage} stopped the run: a blocking check failed, nothing downstream ran"
    # Only the error's class: an unexpected message could quote a data value.
    return f"{stage} failed ({data.error.cls_name if data.error else 'no error recorded'})"


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple]:
    """Rows of a query, none when its table was never written (e.g. no labeling yet)."""
    try:
        return conn.execute(sql, params).fetchall()
    except duckdb.CatalogException:
        return []


def _marks(versions: list[str]) -> str:
    return ", ".join("?" for _ in versions)


def _sample(result: RuleResult) -> tuple[tuple[str, ...], str]:
    """Masked samples of a rule (every value masked, personal or not), or why there are none."""
    if result.rule.kind == "row_count":
        return (), "the rule counts rows; it has no values"
    if not result.raw_samples:
        return (), "no failing row is left in the warehouse (purged or erased)"
    if result.rule.kind == "compare":
        left, right = result.rule.params["left"], result.rule.params["right"]
        return tuple(f"{left}={mask_value(a)}, {right}={mask_value(b)}"
                     for a, b in result.raw_samples[:MAX_SAMPLES]), ""
    return tuple(mask_value(v) for v in result.raw_samples[:MAX_SAMPLES]), ""


def _rule_evidence(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                   log: _Log) -> list[RuleEvidence]:
    spec = quality_spec(contract)
    out = []
    versions = sorted({v for v, check, _ in log.rules} |
                      {v for v, _, check in log.checks if check in spec.families})
    for version in versions:
        try:
            results = run_rules(conn, qualified(contract.name, VALIDATED), version, contract,
                                spec).results
        except duckdb.CatalogException:
            results = {}
        counted = {(c, r): n for (v, c, r), n in log.rules.items() if v == version}
        if not counted:  # the event log is gone: the warehouse's re-run still counts
            counted = {(res.rule.family, rid): res.failures for rid, res in results.items()
                       if res.failures}
        for (check, rule), failures in counted.items():
            samples, why = _sample(results[rule]) if rule in results else (
                (), "the version's rows are no longer in the warehouse")
            out.append(RuleEvidence(version, check, rule, failures, samples, why))
    return out


def _warehouse(layout: Layout, contract: DatasetContract, versions: list[str], log: _Log,
               facts: dict[str, Any]) -> None:
    name, marks = contract.name, _marks(versions)
    with open_warehouse(layout).reader() as conn:
        facts["failing_rules"] = tuple(_rule_evidence(conn, contract, log))
        for version, check, severity, failures in _rows(
                conn, "SELECT version, check_name, severity, failures FROM main.check_results "
                f"WHERE dataset = ? AND version IN ({marks}) AND NOT passed",
                [name, *versions]):
            asset = stage_key(name, VALIDATED).to_user_string()
            log.checks.setdefault((version, asset, check), FailedCheck(
                version, asset, check, "error" if severity == "error" else "warning",
                int(failures)))
        # Reasons and counts only: the quarantined record text never leaves the table.
        facts["quarantine"] = tuple(
            QuarantineReason(v, s, c or "", r, int(n)) for v, s, c, r, n in _rows(
                conn, "SELECT _version, stage, column_name, reason, count(*) FROM "
                f"{qualified(name, 'quarantine')} WHERE _version IN ({marks}) GROUP BY ALL",
                versions))
        facts["drift"] = tuple(DriftColumn(*row) for row in _rows(
            conn, "SELECT version, reference_version, \"column\", test, statistic, p_value, psi, "
            f"psi_band FROM main.drift_results WHERE dataset = ? AND version IN ({marks}) "
            "AND drifted", [name, *versions]))
        facts["schema_changes"] = tuple((v, s) for v, s in _rows(
            conn, "SELECT version, schema_changes FROM main.drift_summary WHERE dataset = ? "
            f"AND version IN ({marks})", [name, *versions]) if s)
        vendors: dict[str, list[str]] = {}
        for version, vendor in _rows(conn, "SELECT version, vendor FROM main.labeling_vendors "
                                     f"WHERE dataset = ? AND version IN ({marks})",
                                     [name, *versions]):
            vendors.setdefault(version, []).append(vendor)
        facts["labeling"] = tuple(
            LabelingBatch(v, tuple(sorted(vendors.get(v, []))), g or "-", int(i), int(n))
            for v, g, i, n in _rows(conn, "SELECT version, guidelines_version, items, labels "
                                    f"FROM main.labeling_batches WHERE dataset = ? AND version "
                                    f"IN ({marks})", [name, *versions]))


def _audit(data_dir: Path, contract: DatasetContract, versions: list[str],
           timeline: list[TimelineEntry]) -> tuple[ExportRecord, ...]:
    """Timeline entries and exports from the audit trail (arrival only if the raw store lost it)."""
    newest = max(version_number(v) for v in versions) if versions else 0
    arrived = {e.version for e in timeline if e.kind == ARRIVAL}
    exports = []
    for entry in AuditLog(audit_path(data_dir)).entries(dataset=contract.name):
        if entry.version is None:
            continue
        at = datetime.fromisoformat(entry.at)
        if entry.action == "export" and version_number(entry.version) <= newest:
            rows = entry.details.get("rows")
            exports.append(ExportRecord(entry.at, entry.version,
                                        str(entry.details.get("role", "-")),
                                        rows if isinstance(rows, int) else None,
                                        entry.version in versions))
        if entry.version not in versions:
            continue
        if entry.action == "ingest" and entry.version not in arrived:
            timeline.append(TimelineEntry(at, ARRIVAL, entry.version, "raw batch ingested"))
        elif entry.action == "export":
            timeline.append(TimelineEntry(at, AUDIT, entry.version, "exported to role "
                                          f"{entry.details.get('role', '-')}"))
        elif entry.action in _AUDIT_ACTIONS:
            # Details were vetted when audited (names and counts); digests are left out.
            shown = ", ".join(f"{k}={v}" for k, v in sorted(entry.details.items())
                              if not (isinstance(v, str) and len(v) == 64))
            timeline.append(TimelineEntry(at, AUDIT, entry.version, f"{entry.action}: {shown}"))
    return tuple(exports)


def _arrivals(layout: Layout, contract: DatasetContract,
              versions: list[str]) -> list[TimelineEntry]:
    out = []
    for version in versions:
        try:
            raw = RawStore(layout.raw_dir).get(contract.name, version)
        except UnknownVersionError:
            continue  # purged: the audit trail's ingest entry stands in
        out.append(TimelineEntry(datetime.fromisoformat(raw.arrived_at), ARRIVAL, version,
                                 f"raw batch stored ({raw.size} bytes)"))
    return out


def _failing(incident: Incident, contract: DatasetContract, facts: dict[str, Any],
             log: _Log) -> tuple[str, tuple[str, ...]]:
    """The stage and columns the incident's check found failing; no columns: whole version."""
    spec = quality_spec(contract)
    if incident.key in spec.families:
        failed = {r.rule for r in facts["failing_rules"] if r.check == incident.key}
        rules = [r for r in spec.family_rules(incident.key) if r.id in failed] or list(
            spec.family_rules(incident.key))
        return VALIDATED, tuple(sorted({c for r in rules for c in r.columns}))
    if incident.key == CHECK_INTAKE_COMPLETE:
        return INTAKE, tuple(sorted({q.column for q in facts["quarantine"] if q.column}))
    if incident.key in (CHECK_DRIFT, KEY_DRIFT_REFRESH) or incident.type == DRIFT:
        return VALIDATED, tuple(sorted({d.column for d in facts["drift"]}))
    return "", ()


def downstream_assets(instance: dg.DagsterInstance, defs: dg.Definitions, start: dg.AssetKey,
                      versions: list[str]) -> list[DownstreamAsset]:
    """Assets downstream of the failing stage in the asset graph, and which of the
    incident's versions each was materialized for."""
    graph = defs.resolve_asset_graph()
    if not graph.has(start):
        return []
    keys: set[dg.AssetKey] = set()
    pending = [start]
    while pending:
        for child in graph.get(pending.pop()).child_keys:
            if child not in keys:
                keys.add(child)
                pending.append(child)
    out = []
    for key in keys:
        done = {r.partition_key for r in instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=versions), limit=1000).records}
        out.append(DownstreamAsset(key.to_user_string(),
                                   tuple(v for v in versions if v in done)))
    return out


def gather_postmortem(data_dir: Path, instance: dg.DagsterInstance, incident: Incident,
                      events: list[IncidentEvent],
                      defs: dg.Definitions | None = None) -> PostmortemFacts:
    """The facts of one incident's post-mortem, from the instance, warehouse, audit, lineage."""
    contract = find_contract(contracts_dir_from_env(), incident.dataset)
    layout = Layout(Path(data_dir))
    versions = sorted({*incident.versions, *(e.version for e in incident.evidence
                                            if e.version)}, key=version_number)
    log = _read_log(instance, contract, versions,
                    [e.ref for e in incident.evidence if e.kind == "run"])
    facts: dict[str, Any] = {}
    _warehouse(layout, contract, versions, log, facts)
    timeline = [*_arrivals(layout, contract, versions), *log.timeline]
    exports = _audit(layout.data_dir, contract, versions, timeline)
    stage, columns = _failing(incident, contract, facts, log)
    lineage_stage = stage if stage in _LINEAGE_STAGES else VALIDATED
    if defs is None:
        # Imported here: the definitions import every concern, this module is one of them.
        from dataops_assets.definitions import build_definitions
        defs = build_definitions(contracts_dir_from_env(), layout.data_dir)
    return PostmortemFacts(
        incident=incident, events=tuple(events), timeline=tuple(timeline),
        failed_checks=tuple(log.checks.values()), exports=exports,
        failing_columns=columns, failing_stage=stage,
        downstream_columns=tuple(downstream_columns(contract, lineage_stage, columns)),
        downstream_assets=tuple(downstream_assets(
            instance, defs, stage_key(contract.name, stage or INTAKE), versions)),
        **facts)


def postmortem_paths(data_dir: Path, incident_id: str, out: Path | None) -> tuple[Path, Path]:
    """Where the Markdown and HTML go: beside `out`, else <documents>/postmortems/<id>.md."""
    if not _INCIDENT_ID.fullmatch(incident_id):
        raise InvalidNameError(f"{incident_id!r} is not an incident id (e.g. INC-0001)")
    if out is None:
        md_path = datasheets_dir_for(Path(data_dir)) / POSTMORTEMS_FOLDER / f"{incident_id}.md"
    else:
        md_path = Path(out).with_suffix(".md") if Path(out).suffix == ".html" else Path(out)
    return md_path, md_path.with_suffix(".html")


def write_postmortem(data_dir: Path, instance: dg.DagsterInstance, incident: Incident,
                     events: list[IncidentEvent], out: Path | None = None) -> tuple[Path, Path]:
    """Draft an incident's post-mortem from the evidence; write Markdown and HTML atomically."""
    md_path, html_path = postmortem_paths(data_dir, incident.id, out)
    facts = gather_postmortem(data_dir, instance, incident, events)
    markdown = render_postmortem(facts)
    write_text(md_path, markdown)
    write_text(html_path, render_postmortem_html(facts, markdown))
    return md_path, html_path
