"""Feedback packs per annotator and vendor, the scorecard's review section, and proposals.

Everything here reads the tables the labeling stage wrote (governance/labeling/tables.py),
so a pack always shows what was stored. Packs cite items by id and guideline rules by
heading; they never hold item text, which may be personal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment

from governance.atomic import atomic_write_text
from governance.identifiers import check_version, quote_ident
from governance.labeling import LabelingError
from governance.labeling.confusion import BATCH_MEMBER
from governance.labeling.gold import upper_bound
from governance.labeling.guidelines import rule_for
from governance.labeling.spec import LabelingSpec
from governance.labeling.taxonomy import UNCATEGORIZED
from governance.storage import records, table_exists
from governance.tables import (
    ANNOTATOR_QUALIFICATION,
    ANNOTATOR_RETRAINING,
    AUDIT_SAMPLE,
    GUIDELINE_PROPOSALS,
    LABELING_ANNOTATORS,
    LABELING_CONFUSIONS,
    LABELING_ERROR_CATEGORIES,
    LABELING_ERRORS,
    LABELING_REVIEWERS,
    LABELING_VENDORS,
)
from governance.templating import package_environment

TEMPLATES_PACKAGE = "governance.labeling"
TOP_CONFUSIONS = 5
MAX_EXAMPLES = 60  # a pack is read by a person; the table holds every error
_FILE_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _env() -> Environment:
    env = package_environment(TEMPLATES_PACKAGE)
    env.globals.update(pct=_pct)
    return env


def _rows(conn: duckdb.DuckDBPyConnection, table: str, sql: str,
          params: list[Any]) -> list[dict[str, Any]]:
    return records(conn, sql, params) if table_exists(conn, "main", table) else []


def guideline_proposals(conn: duckdb.DuckDBPyConnection, dataset: str,
                        version: str) -> list[dict[str, Any]]:
    """The guideline-change proposals drafted for a labeling batch, most errors first."""
    return _rows(conn, GUIDELINE_PROPOSALS, f"SELECT * FROM main.{GUIDELINE_PROPOSALS} "
                 "WHERE dataset = ? AND version = ? ORDER BY errors DESC, label_a, label_b",
                 [dataset, version])


def _verdict(value: float | None, target: float | None, upper: float | None = None) -> str:
    if value is None or target is None:
        return "-"
    if value >= target:
        return "meets target"
    # As in the checks: only a 95% upper bound below target is a sure miss; a few items
    # can put a good annotator under the target by chance.
    if upper is not None and upper >= target:
        return f"below target, within chance (95% upper bound {upper:.1%})"
    return "below target" + (f" (95% upper bound {upper:.1%})" if upper is not None else "")


def _measures(spec: LabelingSpec, row: dict[str, Any], audited: tuple[int, int],
              accuracy_target: float | None) -> list[dict[str, Any]]:
    t = spec.targets
    n, correct = audited
    accuracy = correct / n if n else None
    return [
        {"measure": f"gold accuracy ({row['gold_items']} gold labels)",
         "value": _pct(row["gold_accuracy"]), "target": _pct(t["goldAccuracy"]),
         "verdict": _verdict(row["gold_accuracy"], t["goldAccuracy"], row["gold_upper"])},
        {"measure": "agreement with consensus", "value": _pct(row["agreement_rate"]),
         "target": _pct(t["annotatorAgreement"]),
         "verdict": _verdict(row["agreement_rate"], t["annotatorAgreement"])},
        {"measure": f"audited accuracy ({n} audited labels)", "value": _pct(accuracy),
         "target": _pct(accuracy_target),
         "verdict": _verdict(accuracy, accuracy_target, upper_bound(correct, n) if n else None)},
    ]


def _audited(conn: duckdb.DuckDBPyConnection, dataset: str, version: str, scope: str,
             member: str) -> tuple[int, int]:
    if not table_exists(conn, dataset, AUDIT_SAMPLE):
        return 0, 0
    (n, correct), = conn.execute(
        f"SELECT count(verdict), coalesce(sum(correct::INT), 0) FROM "
        f"{quote_ident(dataset)}.{AUDIT_SAMPLE} WHERE _version = ? AND {quote_ident(scope)} = ?",
        [version, member]).fetchall()
    return int(n), int(correct)


def _confusions(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec, dataset: str,
                version: str, scope: str, member: str) -> list[dict[str, Any]]:
    cells = _rows(conn, LABELING_CONFUSIONS, f"SELECT true_label, given_label, labels FROM "
                  f"main.{LABELING_CONFUSIONS} WHERE dataset = ? AND version = ? AND scope = ? "
                  "AND member = ? AND true_label <> given_label ORDER BY labels DESC, "
                  "true_label, given_label LIMIT ?",
                  [dataset, version, scope, member, TOP_CONFUSIONS])
    for cell in cells:
        rule = rule_for((cell["true_label"], cell["given_label"]), spec.guidelines.headings,
                        spec.review.rules)
        cell["rule"] = " and ".join(f"'{h}'" for h in rule) or "no heading names these labels"
    return cells


def _categories(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec, dataset: str,
                version: str, scope: str, member: str) -> list[dict[str, Any]]:
    counts = {r["error_category"]: r["errors"] for r in _rows(
        conn, LABELING_ERROR_CATEGORIES, f"SELECT error_category, errors FROM "
        f"main.{LABELING_ERROR_CATEGORIES} WHERE dataset = ? AND version = ? AND scope = ? "
        "AND member = ?", [dataset, version, scope, member])}
    return [{"category": c, "errors": counts.get(c, 0)}
            for c in (*spec.review.categories, UNCATEGORIZED)]


def _examples(conn: duckdb.DuckDBPyConnection, dataset: str, version: str, scope: str,
              member: str) -> list[dict[str, Any]]:
    if not table_exists(conn, dataset, LABELING_ERRORS):
        return []
    return records(conn, f"SELECT item, annotator, truth, label, source, error_category FROM "
                   f"{quote_ident(dataset)}.{LABELING_ERRORS} WHERE _version = ? AND "
                   f"{quote_ident(scope)} = ? ORDER BY item, annotator", [version, member])


def pack_context(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec, dataset: str,
                 version: str, scope: str, member: str,
                 accuracy_target: float | None) -> dict[str, Any]:
    """What one feedback pack shows: measures vs targets, confusions, categories, examples."""
    table = LABELING_ANNOTATORS if scope == "annotator" else LABELING_VENDORS
    row, = records(conn, f"SELECT * FROM main.{table} WHERE dataset = ? AND version = ? AND "
                   f"{quote_ident(scope)} = ?", [dataset, version, member])
    examples = _examples(conn, dataset, version, scope, member)
    proposals = [p for p in guideline_proposals(conn, dataset, version)
                 if scope == "vendor" or member in p["annotators"].split(",")]
    team = records(conn, f"SELECT annotator, labels, gold_accuracy, agreement_rate, flagged "
                   f"FROM main.{LABELING_ANNOTATORS} WHERE dataset = ? AND version = ? AND "
                   "vendor = ? ORDER BY annotator", [dataset, version, member]) \
        if scope == "vendor" else []
    # Whose labels did not count, and who is due for retraining (the vendor's people too).
    where = "annotator = ?" if scope == "annotator" else "annotator IN (SELECT annotator FROM " \
        f"main.{LABELING_ANNOTATORS} WHERE dataset = ? AND version = ? AND vendor = ?)"
    extra = [member] if scope == "annotator" else [dataset, version, member]
    unqualified = _rows(conn, ANNOTATOR_QUALIFICATION, f"SELECT annotator, reason FROM "
                        f"main.{ANNOTATOR_QUALIFICATION} WHERE dataset = ? AND version = ? AND "
                        f"status <> 'qualified' AND {where} ORDER BY annotator",
                        [dataset, version, *extra])
    retrain = _rows(conn, ANNOTATOR_RETRAINING, f"SELECT annotator, reason, guidelines_version "
                    f"FROM main.{ANNOTATOR_RETRAINING} WHERE dataset = ? AND version = ? AND "
                    f"{where} ORDER BY annotator", [dataset, version, *extra])
    return {"dataset": dataset, "version": version, "scope": scope, "member": member,
            "unqualified": unqualified, "retrain": retrain,
            "guidelines": spec.guidelines.version, "row": row,
            "measures": _measures(spec, row, _audited(conn, dataset, version, scope, member),
                                  accuracy_target),
            "confusions": _confusions(conn, spec, dataset, version, scope, member),
            "categories": _categories(conn, spec, dataset, version, scope, member),
            "examples": examples[:MAX_EXAMPLES], "more": max(0, len(examples) - MAX_EXAMPLES),
            "proposals": proposals, "team": team}


def render_pack(context: dict[str, Any]) -> str:
    """One feedback pack as Markdown."""
    return _env().get_template("feedback.md.j2").render(**context)


def pack_name(scope: str, member: str) -> str:
    """The file name of a pack: annotator-<id>.md or vendor-<name>.md."""
    # Annotator ids and vendor names come from the batch; the check keeps a stray value
    # from naming a path outside the packs' folder.
    if not _FILE_SAFE.fullmatch(member):
        raise LabelingError(f"The {scope} id {member!r} cannot name a feedback pack file: use "
                            "letters, digits, '-' and '_' (at most 64).")
    return f"{scope}-{member}.md"


def write_feedback_packs(conn: duckdb.DuckDBPyConnection, folder: Path, spec: LabelingSpec,
                         dataset: str, version: str,
                         accuracy_target: float | None) -> list[Path]:
    """Write a pack per annotator and vendor of a batch into folder/<version>/ (atomically)."""
    target = folder / check_version(version)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for scope, table in (("vendor", LABELING_VENDORS), ("annotator", LABELING_ANNOTATORS)):
        members = [r[0] for r in conn.execute(
            f"SELECT DISTINCT {quote_ident(scope)} FROM main.{table} WHERE dataset = ? AND "
            f"version = ? ORDER BY 1", [dataset, version]).fetchall()]
        for member in members:
            text = render_pack(pack_context(conn, spec, dataset, version, scope, str(member),
                                            accuracy_target))
            path = target / pack_name(scope, str(member))
            atomic_write_text(path, text)
            paths.append(path)
    return paths


def review_context(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec, dataset: str,
                   version: str, packs: list[str]) -> dict[str, Any]:
    """What the scorecard's review section shows: the batch matrix, categories, proposals."""
    cells = {(r["true_label"], r["given_label"]): r["labels"] for r in _rows(
        conn, LABELING_CONFUSIONS, f"SELECT true_label, given_label, labels FROM "
        f"main.{LABELING_CONFUSIONS} WHERE dataset = ? AND version = ? AND scope = 'batch' "
        "AND member = ?", [dataset, version, BATCH_MEMBER])}
    labels = list(spec.label_set)
    matrix = [{"truth": t, "cells": [cells.get((t, g), 0) for g in labels],
               "total": sum(cells.get((t, g), 0) for g in labels)} for t in labels]
    counts = _rows(conn, LABELING_ERROR_CATEGORIES, f"SELECT scope, member, error_category, "
                   f"errors FROM main.{LABELING_ERROR_CATEGORIES} WHERE dataset = ? AND "
                   "version = ? AND scope <> 'batch'", [dataset, version])
    categories = [*spec.review.categories, UNCATEGORIZED]
    members: dict[tuple[str, str], dict[str, int]] = {}
    for r in counts:
        members.setdefault((r["scope"], r["member"]), {})[r["error_category"]] = r["errors"]
    by_member = [{"scope": s, "member": m, "counts": [c.get(k, 0) for k in categories],
                  "errors": sum(c.values())}
                 for (s, m), c in sorted(members.items(), key=lambda x: (x[0][0] != "vendor",
                                                                         x[0][1]))]
    judged = sum(cells.values())
    errors = sum(n for (t, g), n in cells.items() if t != g)
    return {"labels": labels, "matrix": matrix, "judged": judged, "errors": errors,
            "categories": categories, "by_member": by_member,
            "proposals": guideline_proposals(conn, dataset, version),
            "rule": spec.review.proposals, "packs": packs,
            "guidelines": spec.guidelines.version}


def render_review(context: dict[str, Any]) -> str:
    """The scorecard's section on errors, confusions and guideline proposals (Markdown)."""
    return _env().get_template("review.md.j2").render(**context)


def people_context(conn: duckdb.DuckDBPyConnection, spec: LabelingSpec, dataset: str,
                   version: str) -> dict[str, Any]:
    """What the scorecard shows on reviewer calibration, qualification and retraining."""
    key = [dataset, version]
    reviewers = _rows(conn, LABELING_REVIEWERS, f"SELECT * FROM main.{LABELING_REVIEWERS} "
                      "WHERE dataset = ? AND version = ? ORDER BY reviewer", key)
    items = max((r["calibration_items"] for r in reviewers), default=0)
    return {"reviewers": reviewers, "plan": spec.calibration, "calibration_items": items,
            "below": [r["reviewer"] for r in reviewers if r["below_target"]],
            "required": spec.qualification is not None,
            "unqualified": _rows(conn, ANNOTATOR_QUALIFICATION, f"SELECT * FROM "
                                 f"main.{ANNOTATOR_QUALIFICATION} WHERE dataset = ? AND "
                                 "version = ? AND status <> 'qualified' ORDER BY annotator",
                                 key),
            "retraining": _rows(conn, ANNOTATOR_RETRAINING, f"SELECT * FROM "
                                f"main.{ANNOTATOR_RETRAINING} WHERE dataset = ? AND "
                                "version = ? ORDER BY annotator", key)}


def render_people(context: dict[str, Any]) -> str:
    """The scorecard's section on reviewers, qualification and retraining (Markdown)."""
    return _env().get_template("people.md.j2").render(**context)
