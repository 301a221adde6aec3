"""Representation figures of one version: group shares, outcome rates, disparity, drift.

Small-group suppression happens here, before anything is returned: a member with fewer
than k rows never leaves this module with its count, share or rate. When exactly one
member is that small (or the small ones add up to fewer than k), the next smallest
members are withheld with it, so no small count follows from the total by subtraction;
the withheld members are shown as one "other (suppressed)" row, by their combined count
only, and only when that count reaches k. Drift is tested on the same merged categories,
so its statistic depends on published figures alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from governance.drift.columns import psi_counts

OTHER = "other (suppressed)"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class MemberFigures:
    """The published figures of one group member (or of the merged suppressed members)."""

    member: str
    rows: int
    share: float
    share_low: float
    share_high: float
    outcome_rows: int | None = None  # rows whose outcome is known
    outcome_rate: float | None = None  # share of known outcomes that are favorable
    rate_low: float | None = None
    rate_high: float | None = None
    disparate_impact: float | None = None  # rate / reference member's rate
    parity_difference: float | None = None  # rate - reference member's rate
    is_reference: bool = False
    merged: int = 0  # OTHER: how many members it stands for


@dataclass(frozen=True)
class ShareDrift:
    """Group shares against the reference version: chi-square of homogeneity and PSI."""

    reference_version: str
    statistic: float
    p_value: float
    psi: float
    categories: int


@dataclass(frozen=True)
class GroupFigures:
    """One watched group of one version, suppression applied."""

    group: str
    total: int
    members: tuple[MemberFigures, ...]
    small: int  # members below k (withheld)
    withheld: int  # members withheld in all: small ones and their complements
    reference_member: str | None
    note: str = ""
    drift: ShareDrift | None = None

    def member(self, name: str) -> MemberFigures | None:
        """The shown figures of one member, if shown."""
        return next((m for m in self.members if m.member == name), None)


def wilson(count: int, total: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of count / total."""
    low, high = proportion_confint(count, total, alpha=1 - CONFIDENCE, method="wilson")
    return float(low), float(high)


def withheld_members(counts: Mapping[str, int], k: int) -> set[str]:
    """Members whose figures are withheld: those below k, and complements (see module doc)."""
    withheld = {m for m, n in counts.items() if n < k}
    if not withheld:
        return withheld
    shown = sorted((n, m) for m, n in counts.items() if m not in withheld)
    while (len(withheld) < 2 or sum(counts[m] for m in withheld) < k) and shown:
        withheld.add(shown.pop(0)[1])
    return withheld


def other_shown(counts: Mapping[str, int], withheld: set[str], k: int) -> bool:
    """Whether the withheld members' combined row may be shown (two or more, k rows)."""
    return len(withheld) >= 2 and sum(counts[m] for m in withheld) >= k


def _rates(members: pd.Series, outcome: pd.Series, favorable: object,
           k: int) -> dict[str, tuple[int, int]]:
    """(known outcomes, favorable outcomes) per member, for members with at least k known."""
    known = outcome.notna()
    hits = known & (outcome == favorable)
    frame = pd.DataFrame({"m": members, "known": known, "hit": hits})
    sums = frame.groupby("m")[["known", "hit"]].sum()
    return {str(m): (int(r.known), int(r.hit)) for m, r in sums.iterrows() if r.known >= k}


def _reference(declared: str | None, shown: list[str], rates: dict[str, tuple[int, int]],
               counts: Mapping[str, int]) -> tuple[str | None, str]:
    if declared is not None:
        if declared in shown and declared in rates:
            return declared, ""
        return None, (f"the reference group {declared!r} is not shown in this version "
                      "(absent or suppressed): no disparity figures")
    ranked = sorted((m for m in shown if m in rates), key=lambda m: (-counts[m], m))
    return (ranked[0], "") if ranked else (None, "no group has k known outcomes")


def group_figures(name: str, members: pd.Series, k: int, outcome: pd.Series | None = None,
                  favorable: object = None, reference: str | None = None) -> GroupFigures:
    """The published figures of one watched group (members: one label per row)."""
    counts = {str(m): int(n) for m, n in members.value_counts().items()}
    total = int(sum(counts.values()))
    withheld = withheld_members(counts, k)
    shown = sorted((m for m in counts if m not in withheld), key=lambda m: (-counts[m], m))
    rates = {} if outcome is None else {
        m: r for m, r in _rates(members, outcome, favorable, k).items() if m in shown}
    ref, note = (None, "") if outcome is None else _reference(reference, shown, rates, counts)
    ref_rate = rates[ref][1] / rates[ref][0] if ref is not None else None
    out = []
    for m in shown:
        n = counts[m]
        row = {"member": m, "rows": n, "share": n / total, "is_reference": m == ref}
        row["share_low"], row["share_high"] = wilson(n, total)
        if m in rates:
            known, hit = rates[m]
            rate = hit / known
            row.update(outcome_rows=known, outcome_rate=rate)
            row["rate_low"], row["rate_high"] = wilson(hit, known)
            if ref_rate is not None:
                row["parity_difference"] = rate - ref_rate
                row["disparate_impact"] = rate / ref_rate if ref_rate > 0 else None
        out.append(MemberFigures(**row))
    if other_shown(counts, withheld, k):
        n = sum(counts[m] for m in withheld)
        out.append(MemberFigures(OTHER, n, n / total, *wilson(n, total), merged=len(withheld)))
    small = sum(1 for n in counts.values() if n < k)
    return GroupFigures(name, total, tuple(out), small, len(withheld), ref, note)


def _merged_counts(counts: Mapping[str, int], withheld: set[str]) -> dict[str, int]:
    merged = {m: n for m, n in counts.items() if m not in withheld}
    if withheld:
        merged[OTHER] = sum(counts.get(m, 0) for m in withheld)
    return merged


def share_drift(current: pd.Series, reference: pd.Series, k: int,
                reference_version: str) -> ShareDrift | None:
    """Drift of the member shares from the reference version's, on published categories.

    Members withheld in either version are merged into one category in both, so the
    statistic is a function of figures that are shown anyway. None: a side is empty."""
    cur = {str(m): int(n) for m, n in current.value_counts().items()}
    ref = {str(m): int(n) for m, n in reference.value_counts().items()}
    if not cur or not ref:
        return None
    withheld = withheld_members(cur, k) | withheld_members(ref, k)
    cur, ref = _merged_counts(cur, withheld), _merged_counts(ref, withheld)
    names = sorted(set(cur) | set(ref))
    table = np.array([[ref.get(m, 0) for m in names], [cur.get(m, 0) for m in names]],
                     dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        statistic, p_value = 0.0, 1.0  # one shared category: nothing can differ
    else:
        result = stats.chi2_contingency(table, correction=False)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    return ShareDrift(reference_version, statistic, p_value, psi_counts(table[0], table[1]),
                      int(table.shape[1]))
