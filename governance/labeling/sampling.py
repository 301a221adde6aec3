"""Audit sampling plans: sample size for a proportion, ANSI/ASQ Z1.4 plans, stratified draws."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from governance.labeling import LabelingError

# --- ANSI/ASQ Z1.4 (= MIL-STD-105E) single sampling, normal inspection -------------------
CODE_LETTERS = "ABCDEFGHJKLMNPQR"  # the standard skips I and O
SAMPLE_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
# Table I: upper bound of each lot size range, and the code letter per general level.
LOT_UPPER = (8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10_000, 35_000, 150_000, 500_000)
LEVEL_LETTERS = {
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}
AQLS = (0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
        4.0, 6.5, 10.0)
# Table II-A is diagonal: moving one code letter down or one AQL column right is the same
# step. With d = letter index + AQL index - 14, every column reads, top to bottom:
# down arrows (d < 0), "0 1" (d = 0), up arrow (d = 1), down arrow (d = 2), then the
# acceptance numbers below (d = 3..10), then up arrows (d > 10).
_ACCEPT_BELOW = (1, 2, 3, 5, 7, 10, 14, 21)
_UP, _DOWN = "up", "down"
# The two cells where that pattern would point off the table: the standard prints a down
# arrow in row A at AQL 10 and an up arrow in row R at AQL 0.015.
_EDGE_ARROWS = {(0, 15): _DOWN, (15, 1): _UP}


@dataclass(frozen=True)
class Z14Plan:
    """A Z1.4 single sampling plan: inspect sample_size units, accept the lot at <= accept."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    # The letter whose plan is used after following the table's arrows (may differ from
    # code_letter), and whether the sample is the whole lot.
    plan_letter: str = ""
    full_inspection: bool = False


def _cell(letter: int, aql: int) -> int | str:
    if (letter, aql) in _EDGE_ARROWS:
        return _EDGE_ARROWS[(letter, aql)]
    d = letter + aql - 14
    if d < 0 or d == 2:
        return _DOWN
    if d == 0:
        return 0
    if d == 1 or d > 10:
        return _UP
    return _ACCEPT_BELOW[d - 3]


def _aql_index(aql: float) -> int:
    for index, value in enumerate(AQLS):
        if math.isclose(aql, value, rel_tol=1e-9):
            return index
    supported = ", ".join(f"{v:g}" for v in AQLS)
    raise LabelingError(f"AQL {aql:g} is not a standard Z1.4 AQL; use one of {supported} "
                        "(percent nonconforming).")


def z14_plan(lot_size: int, aql: float, level: str = "II") -> Z14Plan:
    """The Z1.4 normal-inspection single sampling plan for a lot, AQL and general level."""
    if level not in LEVEL_LETTERS:
        raise LabelingError(f"Inspection level '{level}' is not a Z1.4 general level; "
                            "use I, II or III.")
    if lot_size < 1:
        raise LabelingError(f"A lot of {lot_size} units has nothing to inspect.")
    column = _aql_index(aql)
    row = next((i for i, upper in enumerate(LOT_UPPER) if lot_size <= upper), len(LOT_UPPER))
    code = LEVEL_LETTERS[level][row]
    letter = CODE_LETTERS.index(code)
    # "Use the first sampling plan below/above the arrow": walk until a cell holds a plan.
    cell = _cell(letter, column)
    while isinstance(cell, str):
        letter += 1 if cell == _DOWN else -1
        cell = _cell(letter, column)
    size = SAMPLE_SIZES[letter]
    full = size >= lot_size
    return Z14Plan(code_letter=code, sample_size=lot_size if full else size, accept=cell,
                   reject=cell + 1, plan_letter=CODE_LETTERS[letter], full_inspection=full)


# --- Sample size to estimate a proportion --------------------------------------------------

def sample_size_for_proportion(population: int, margin: float = 0.03,
                               confidence: float = 0.95, expected_rate: float = 0.5) -> int:
    """Items to audit to estimate an error rate within +/- margin at the given confidence."""
    if population < 0:
        raise LabelingError(f"The population size cannot be negative (got {population}).")
    if not 0 < margin < 1:
        raise LabelingError(f"The margin of error must be a share between 0 and 1, e.g. 0.03 "
                            f"for +/-3 points (got {margin}).")
    if not 0 < confidence < 1:
        raise LabelingError(f"The confidence must be between 0 and 1, e.g. 0.95 "
                            f"(got {confidence}).")
    if not 0 < expected_rate < 1:
        raise LabelingError(f"The expected rate must be between 0 and 1 exclusive; use 0.5 "
                            f"when unsure (got {expected_rate}).")
    if population == 0:
        return 0
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    n0 = z * z * expected_rate * (1 - expected_rate) / (margin * margin)
    n = n0 / (1 + (n0 - 1) / population)
    # The tolerance keeps float noise (e.g. 42.000000000001) from adding a whole item.
    return min(population, math.ceil(n - 1e-9))


# --- Stratified sample ----------------------------------------------------------------------

def seed_for(dataset: str, version: str, base_seed: int = 0) -> int:
    """A stable per-batch seed: the first 8 bytes of sha256("dataset:version:base_seed")."""
    digest = hashlib.sha256(f"{dataset}:{version}:{base_seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def allocate(counts: dict[str, int], size: int) -> dict[str, int]:
    """Proportional allocation by largest remainder; every stratum gets 1 when size allows."""
    population = sum(counts.values())
    total = min(size, population)
    if total <= 0:
        return dict.fromkeys(counts, 0)
    quotas = {k: total * n / population for k, n in counts.items()}
    alloc = {k: math.floor(q) for k, q in quotas.items()}
    # Leftover units go to the largest fractional parts; ties to the bigger stratum, then
    # by name, so the result never depends on dict order.
    order = sorted(counts, key=lambda k: (-(quotas[k] - alloc[k]), -counts[k], k))
    for key in order[: total - sum(alloc.values())]:
        alloc[key] += 1
    nonempty = [k for k in counts if counts[k] > 0]
    if total >= len(nonempty):
        # A stratum with no sampled row cannot be audited at all, so it takes one unit from
        # the largest allocation (which has >= 2 by pigeonhole while some stratum has 0).
        for key in sorted((k for k in nonempty if alloc[k] == 0), key=lambda k: (-counts[k], k)):
            donor = max(sorted(alloc), key=lambda k: alloc[k])
            alloc[donor] -= 1
            alloc[key] += 1
    return alloc


def stratified_sample(frame: pd.DataFrame, size: int, strata: str, seed: int) -> pd.DataFrame:
    """A reproducible stratified random sample with proportional allocation per stratum."""
    if strata not in frame.columns:
        raise LabelingError(f"Cannot stratify by '{strata}': the file has no such column.")
    if size < 0:
        raise LabelingError(f"The sample size cannot be negative (got {size}).")
    rows = frame.copy()
    rows["stratum"] = rows[strata].astype(object).where(rows[strata].notna(), "(missing)")
    rows["stratum"] = rows["stratum"].astype(str)
    # Sorting first makes the draw independent of the row order the file arrived in; the
    # other columns only break ties when item/annotator do not identify a row.
    first = [c for c in ("item", "annotator") if c in rows.columns]
    rest = [c for c in frame.columns if c not in first and c != "stratum"]
    keys = ["stratum", *first, *rest]
    ordered = rows.assign(**{f"_key{i}": rows[k].astype(str) for i, k in enumerate(keys)})
    key_cols = [f"_key{i}" for i in range(len(keys))]
    ordered = ordered.sort_values(key_cols, kind="mergesort").drop(columns=key_cols)
    ordered = ordered.reset_index(drop=True)
    counts = ordered.groupby("stratum").size()
    alloc = allocate({str(k): int(v) for k, v in counts.items()}, size)
    rng = np.random.default_rng(seed)
    picked: list[int] = []
    for stratum in sorted(alloc):
        positions = np.flatnonzero((ordered["stratum"] == stratum).to_numpy())
        if alloc[stratum]:
            chosen = rng.choice(positions, size=alloc[stratum], replace=False)
            picked.extend(int(p) for p in chosen)
    return ordered.iloc[sorted(picked)].reset_index(drop=True)
