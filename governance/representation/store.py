"""Representation of one stored version: read from the cleaned stage, written to `main`.

The rows are the validated stage's (validation only reorders the cleaned columns, then
judges them), read from the cleaned table so that a version blocked by a validation check,
whose pipeline stops there, is measured too, as drift is. That stage still holds the
sensitive columns (a birth date is dropped only at delivery), so bands are derived here and
only group labels and counts leave.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from governance.contracts import DatasetContract
from governance.drift.measure import read_stage
from governance.identifiers import qualified
from governance.representation.bands import members
from governance.representation.bounds import Breach, breaches
from governance.representation.figures import GroupFigures, group_figures, share_drift
from governance.representation.spec import RepresentationSpec
from governance.stages import CLEANED, delivered_versions
from governance.storage import records, replace_rows, table_exists
from governance.tables import (
    MAIN,
    REPRESENTATION,
    REPRESENTATION_COLUMNS,
    REPRESENTATION_SUMMARY,
    REPRESENTATION_SUMMARY_COLUMNS,
    version_number,
)


@dataclass(frozen=True)
class Measured:
    """A version's figures per watched group and the bounds they breach."""

    version: str
    reference_version: str | None
    groups: tuple[GroupFigures, ...]
    breaches: tuple[Breach, ...]

    @property
    def rows(self) -> int:
        """Rows the figures count (the version's cleaned, and so validated, rows)."""
        return self.groups[0].total if self.groups else 0


def reference_version(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                      spec: RepresentationSpec, version: str) -> str | None:
    """The version shares are compared with: the declared one, else the first delivered one
    before this version; None when there is none (or it is this version)."""
    if spec.pinned is not None:
        return None if spec.pinned == version else spec.pinned
    earlier = [v for v in delivered_versions(conn, contract.name)
               if version_number(v) < version_number(version)]
    return earlier[0] if earlier else None


def _frame(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
           spec: RepresentationSpec, version: str) -> pd.DataFrame:
    columns = spec.columns()
    if not table_exists(conn, contract.name, CLEANED):
        return pd.DataFrame(columns=columns)
    return read_stage(conn, contract, columns, version, CLEANED)


def figures_of(frame: pd.DataFrame, spec: RepresentationSpec,
               reference: pd.DataFrame | None = None,
               reference_version: str | None = None) -> tuple[GroupFigures, ...]:
    """Every watched group's figures for the rows of one version (a plain DataFrame)."""
    out = []
    outcome = spec.outcome
    for group in spec.groups:
        labels = members(frame, group)
        figures = group_figures(group.name, labels, spec.min_count,
                                frame[outcome.column] if outcome else None,
                                outcome.favorable if outcome else None, group.reference)
        if reference is not None and reference_version is not None:
            figures = replace(figures, drift=share_drift(
                labels, members(reference, group), spec.min_count, reference_version))
        out.append(figures)
    return tuple(out)


def measure(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
            spec: RepresentationSpec, version: str) -> Measured:
    """Figures of one version's rows, drift against the reference, breaches."""
    reference = reference_version(conn, contract, spec, version)
    ref_frame = _frame(conn, contract, spec, reference) if reference else None
    if ref_frame is not None and ref_frame.empty:
        ref_frame, reference = None, None  # the reference's rows are gone (retention)
    groups = figures_of(_frame(conn, contract, spec, version), spec, ref_frame, reference)
    found = tuple(b for g in groups for b in breaches(g, spec.bounds, spec.min_count))
    return Measured(version, reference, groups, found)


def write(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
          spec: RepresentationSpec, measured: Measured, measured_at: datetime) -> None:
    """Replace the version's rows in both representation tables (call in a transaction)."""
    key = {"dataset": contract.name, "version": measured.version}
    outcome = spec.outcome
    replace_rows(conn, MAIN, REPRESENTATION, REPRESENTATION_COLUMNS, key, [
        [contract.name, measured.version, g.group, m.member, m.rows, m.share, m.share_low,
         m.share_high, m.outcome_rows, m.outcome_rate, m.rate_low, m.rate_high,
         m.disparate_impact, m.parity_difference, m.is_reference, m.merged, measured_at]
        for g in measured.groups for m in g.members])
    replace_rows(conn, MAIN, REPRESENTATION_SUMMARY, REPRESENTATION_SUMMARY_COLUMNS, key, [
        [contract.name, measured.version, g.group, g.total, spec.min_count, g.small,
         g.withheld, g.reference_member, outcome.column if outcome else None,
         json.dumps(outcome.favorable) if outcome else None,
         g.drift.reference_version if g.drift else None,
         g.drift.statistic if g.drift else None, g.drift.p_value if g.drift else None,
         g.drift.psi if g.drift else None, g.drift.categories if g.drift else None,
         json.dumps([b.as_dict() for b in measured.breaches if b.group == g.group]),
         g.note, measured_at]
        for g in measured.groups])


def stored(conn: duckdb.DuckDBPyConnection, dataset: str,
           version: str) -> list[dict[str, Any]]:
    """The stored figures of a version: one dict per watched group, its members inside."""
    if not table_exists(conn, MAIN, REPRESENTATION_SUMMARY):
        return []
    groups = records(conn, f"SELECT * FROM {qualified(MAIN, REPRESENTATION_SUMMARY)} WHERE "
                     "dataset = ? AND version = ? ORDER BY group_name", [dataset, version])
    rows = records(conn, f"SELECT * FROM {qualified(MAIN, REPRESENTATION)} WHERE dataset = ? "
                   "AND version = ? ORDER BY group_name, merged, rows DESC, member",
                   [dataset, version]) if table_exists(conn, MAIN, REPRESENTATION) else []
    for g in groups:
        g["members"] = [r for r in rows if r["group_name"] == g["group_name"]]
        g["breaches"] = json.loads(g["breaches"] or "[]")
    return groups
