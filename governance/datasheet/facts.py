"""Measured facts about one dataset version, gathered for its datasheet (no personal values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from governance.consent.purposes import contract_purposes
from governance.consent.scope import recorded_coverage
from governance.contracts import DatasetContract
from governance.drift.measure import RESULTS, SUMMARY
from governance.holds import HoldBook
from governance.identifiers import qualified, quote_ident
from governance.labeling.scorecard import scorecard_context
from governance.labeling.tables import BATCHES
from governance.lineage import personal_columns_by_stage, stage_edges
from governance.rawstore import RawStore, RawVersion
from governance.representation.report import published_counts, subpopulations, watched_columns
from governance.retention import retention_plan
from governance.settings import Layout
from governance.stages import delivery_blockers
from governance.storage import records, table_exists
from governance.tables import (
    CHECK_RESULTS,
    MAIN,
    PII_FINDINGS,
    QUALITY_METRICS,
    QUARANTINE,
    STAGES,
    version_number,
)

NOT_PROVIDED = "not provided"
_TOP = 8


@dataclass
class VersionFacts:
    """Everything the pipeline knows about one version, safe to publish."""

    contract: DatasetContract
    version: str
    raw: RawVersion | None
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    columns: list[dict[str, Any]] = field(default_factory=list)
    distributions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    numeric: dict[str, dict[str, float | None]] = field(default_factory=dict)
    quality: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    delivery: dict[str, Any] = field(default_factory=dict)
    retention: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    lineage: list[dict[str, str]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    drift: dict[str, Any] | None = None
    drift_columns: list[dict[str, Any]] = field(default_factory=list)
    labeling: dict[str, Any] = field(default_factory=dict)
    labeled_by: list[dict[str, Any]] = field(default_factory=list)
    subpopulations: dict[str, Any] | None = None  # governance/representation/report.py
    # Purposes with their legal basis, and the consent coverage counted at delivery.
    purposes: list[dict[str, Any]] = field(default_factory=list)


def _count(conn: duckdb.DuckDBPyConnection, dataset: str, table: str, version: str) -> int:
    if not table_exists(conn, dataset, table):
        return 0
    return conn.execute(f"SELECT count(*) FROM {qualified(dataset, table)} WHERE _version = ?",
                        [version]).fetchall()[0][0]


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def gather(conn: duckdb.DuckDBPyConnection, layout: Layout, contract: DatasetContract,
           version: str) -> VersionFacts:
    """Collect the facts of one version from the warehouse, raw store, holds and contract."""
    store = RawStore(layout.raw_dir)
    raws = store.versions(contract.name)
    raw = next((r for r in raws if r.version == version), None)
    facts = VersionFacts(contract, version, raw)
    name = contract.name
    facts.rows = {stage: _count(conn, name, stage, version) for stage in STAGES}
    facts.quarantined = _count(conn, name, QUARANTINE, version)
    source = "validated" if facts.rows["validated"] else "intake"
    table = qualified(name, source)
    detected: dict[str, str] = {}
    if table_exists(conn, name, PII_FINDINGS):
        for column, entity, prevalence, personal in _rows(
                conn, f"SELECT column_name, entity, prevalence, detected_personal FROM "
                f"{qualified(name, PII_FINDINGS)} WHERE _version = ? ORDER BY column_name, "
                "prevalence DESC NULLS LAST", [version]):
            if personal and entity:
                facts.findings.append({"column": column, "entity": entity,
                                       "prevalence": prevalence})
                detected.setdefault(column, entity)
    lineage_personal = personal_columns_by_stage(contract)["delivered"]
    watched = watched_columns(contract)
    total = facts.rows[source]
    for col in contract.columns:
        missing = None
        if total:
            present = _rows(conn, f"SELECT count({quote_ident(col.name)}) FROM {table} "
                            "WHERE _version = ?", [version])[0][0]
            missing = 1 - present / total
        facts.columns.append({
            "name": col.name, "type": col.logical_type, "classification": col.classification,
            "required": col.required, "description": col.description or NOT_PROVIDED,
            "pii": detected.get(col.name, "none"),
            "treatment": col.treatment if col.personal else "-",
            "personal_on_delivery": col.name in lineage_personal,
            "missing": missing})
        # Distributions only for columns that cannot hold personal data.
        if col.personal or not total:
            continue
        if col.name in watched:
            # A watched group column: values below the minimum count are never shown.
            facts.distributions[col.name] = published_counts([(str(v), n) for v, n in _rows(
                conn, f"SELECT {quote_ident(col.name)}, count(*) FROM {table} WHERE "
                "_version = ? GROUP BY 1", [version])], watched[col.name])[:_TOP]
        elif col.allowed_values is not None or col.logical_type == "boolean":
            facts.distributions[col.name] = [(str(v), n) for v, n in _rows(
                conn, f"SELECT {quote_ident(col.name)}, count(*) FROM {table} WHERE "
                f"_version = ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {_TOP}", [version])]
        elif col.logical_type in ("integer", "number"):
            lo, med, hi, mean = _rows(
                conn, f"SELECT min({quote_ident(col.name)}), median({quote_ident(col.name)}), "
                f"max({quote_ident(col.name)}), avg({quote_ident(col.name)}) FROM {table} "
                "WHERE _version = ?", [version])[0]
            facts.numeric[col.name] = {"min": lo, "median": med, "max": hi, "mean": mean}
    if table_exists(conn, MAIN, QUALITY_METRICS):
        facts.quality = records(
            conn, "SELECT dimension, \"column\", value, target, passed, measured_at FROM "
            "quality_metrics WHERE dataset = ? AND version = ? ORDER BY dimension, \"column\"",
            [name, version])
        facts.history = records(
            conn, "SELECT version, dimension, value FROM quality_metrics WHERE dataset = ? "
            "AND \"column\" = '*' ORDER BY version, dimension", [name])
    if table_exists(conn, MAIN, CHECK_RESULTS):
        facts.checks = records(
            conn, "SELECT check_name AS name, severity, blocking, passed, failures, "
            "evaluated_at FROM check_results WHERE dataset = ? AND version = ? "
            "ORDER BY check_name", [name, version])
    _drift_and_labeling(conn, facts)
    facts.subpopulations = subpopulations(conn, contract, version)
    blockers = delivery_blockers(conn, contract, version)
    facts.delivery = {"delivered": facts.rows["delivered"] > 0, "blockers": blockers,
                      "export": str(layout.delivered_file(name, version).name)
                      if facts.rows["delivered"] else None}
    facts.purposes = purpose_facts(conn, contract, version)
    holds = HoldBook(layout.holds_file)
    facts.retention = [{"scope": i.scope, "action": i.action, "due": i.due_at.date(),
                        "basis": i.legal_basis, "held": i.held, "done": i.done}
                       for i in retention_plan(contract, [raw] if raw else [], holds, conn)]
    # Only this version and earlier ones: a datasheet must not change when later ones arrive.
    number = version_number(version)
    facts.versions = [{"version": r.version, "sha256": r.sha256, "arrived_at": r.arrived_at,
                       "size": r.size} for r in raws if r.number <= number]
    facts.history = [h for h in facts.history if version_number(h["version"]) <= number]
    facts.lineage = [{"stage": e.stage, "column": e.column, "from": f"{e.upstream_stage}."
                      f"{e.upstream_column}", "transform": e.transform}
                     for e in stage_edges(contract)]
    return facts


def purpose_facts(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                  version: str) -> list[dict[str, Any]]:
    """Each declared purpose, its legal basis and, for consent, the coverage at delivery."""
    coverage = {c["purpose"]: c for c in recorded_coverage(conn, contract.name, version)}
    return [{"purpose": p.name, "basis": p.legal_basis, "description": p.description,
             "consent": p.needs_consent, "coverage": coverage.get(p.name)}
            for p in contract_purposes(contract)]


def _drift_and_labeling(conn: duckdb.DuckDBPyConnection, facts: VersionFacts) -> None:
    """Drift against the reference, this batch's labeling results, batches labeling this data."""
    name, version = facts.contract.name, facts.version
    if table_exists(conn, "main", SUMMARY):
        found = records(conn, f"SELECT * FROM main.{SUMMARY} WHERE dataset = ? AND "
                         "version = ?", [name, version])
        facts.drift = found[0] if found else None
        facts.drift_columns = records(
            conn, f"SELECT \"column\", kind, test, statistic, p_value, threshold, drifted, psi, "
            f"psi_band FROM main.{RESULTS} WHERE dataset = ? AND version = ? "
            "ORDER BY drifted DESC, \"column\"", [name, version])
    facts.labeling = scorecard_context(conn, name, version)
    if table_exists(conn, "main", BATCHES):
        # Batches of another dataset that label this one, newest first.
        facts.labeled_by = records(
            conn, f"SELECT dataset, version, items, krippendorff_alpha, gold_accuracy, "
            f"audit_accuracy, flagged_annotators FROM main.{BATCHES} WHERE labels_dataset = ? "
            "ORDER BY dataset, version DESC", [name])


def previous_version(contract: DatasetContract, layout: Layout, version: str) -> str | None:
    """The version stored just before this one, if any."""
    earlier = [r.version for r in RawStore(layout.raw_dir).versions(contract.name)
               if r.number < version_number(version)]
    return earlier[-1] if earlier else None
