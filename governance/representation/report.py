"""What a datasheet says about subpopulations: the declaration in words and the stored figures.

Everything here comes from the representation tables, which hold no group smaller than
the contract's minimum count, and from the contract; nothing is computed from rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from governance.contracts import DatasetContract
from governance.representation.bands import MISSING
from governance.representation.figures import OTHER, other_shown, withheld_members
from governance.representation.spec import (
    RepresentationSpec,
    band_labels,
    representation_spec,
)
from governance.representation.store import stored


def _how(spec: RepresentationSpec) -> dict[str, str]:
    out = {}
    for g in spec.groups:
        if g.band is not None:
            out[g.name] = (f"age in whole years on `{g.band.as_of}`, from `{g.band.source}` "
                           f"(never shown), in bands {', '.join(band_labels(g.band.edges))}")
        else:
            out[g.name] = f"the values of `{g.column}`"
    return out


def _bounds(spec: RepresentationSpec) -> list[str]:
    b = spec.bounds
    out = [f"share of `{name}` groups at least {share:.1%}" if name != "*" else
           f"share of every group at least {share:.1%}" for name, share in b.min_share.items()]
    if spec.outcome and b.disparate_impact:
        out.append(f"disparate impact within [{b.disparate_impact[0]:g}, "
                   f"{b.disparate_impact[1]:g}]")
    if spec.outcome and b.parity_difference is not None:
        out.append(f"statistical parity difference within ±{b.parity_difference:g}")
    if b.drift_p_value is not None:
        out.append(f"share drift chi-square p-value at least {b.drift_p_value:g}")
    if b.psi is not None:
        out.append(f"share drift PSI below {b.psi:g}")
    return out


def subpopulations(conn: duckdb.DuckDBPyConnection, contract: DatasetContract,
                   version: str) -> dict[str, Any] | None:
    """The datasheet's subpopulation facts of a version; None when no groups are declared."""
    spec = representation_spec(contract)
    if spec is None:
        return None
    groups = stored(conn, contract.name, version)
    outcome = spec.outcome
    return {"min_count": spec.min_count, "groups": groups, "missing": MISSING,
            "other": OTHER, "how": _how(spec),
            "reference": "the first delivered version" if spec.pinned is None
            else spec.pinned,
            "outcome": None if outcome is None else
            {"column": outcome.column, "favorable": str(outcome.favorable).lower()
             if isinstance(outcome.favorable, bool) else str(outcome.favorable)},
            "bounds": _bounds(spec)}


def watched_columns(contract: DatasetContract) -> dict[str, int]:
    """Columns shown as groups, with the minimum count below which a value is withheld."""
    spec = representation_spec(contract)
    if spec is None:
        return {}
    return {g.column: spec.min_count for g in spec.groups if g.column}


def published_counts(counts: Sequence[tuple[str, int]], k: int) -> list[tuple[str, int]]:
    """A value distribution as it may be shown: withheld values merged into OTHER (if it
    reaches k rows), largest first."""
    by_value = dict(counts)
    withheld = withheld_members(by_value, k)
    shown = sorted(((v, n) for v, n in by_value.items() if v not in withheld),
                   key=lambda x: (-x[1], x[0]))
    if other_shown(by_value, withheld, k):
        shown.append((OTHER, sum(by_value[v] for v in withheld)))
    return shown
