"""Group members of each row: a column's value, or an age band from a birth date.

Only the member label leaves this module; birth dates and ages stay inside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from governance.representation.spec import Band, Group, band_labels

MISSING = "(missing)"  # rows without a group value are a group of their own


def completed_years(born: pd.Series, as_of: pd.Series) -> pd.Series:
    """Age in whole years on the as-of date (a birthday on that date counts); NaN if unknown."""
    born = pd.to_datetime(born, errors="coerce", format="mixed")
    as_of = pd.to_datetime(as_of, errors="coerce", format="mixed")
    years = as_of.dt.year - born.dt.year
    # Not yet had this year's birthday: month and day before the birth's (Feb 29 births
    # turn a year older on Mar 1 in common years).
    before = (as_of.dt.month < born.dt.month) | (
        (as_of.dt.month == born.dt.month) & (as_of.dt.day < born.dt.day))
    return (years - before.astype(float)).astype(float)


def age_bands(born: pd.Series, as_of: pd.Series, band: Band) -> pd.Series:
    """The band of every row; MISSING where either date is missing or birth follows as-of."""
    ages = completed_years(born, as_of).to_numpy()
    labels = np.array(band_labels(band.edges), dtype=object)
    first = 0 if band.edges[0] > 0 else 1  # edges[0] == 0: no "<0" band
    index = np.searchsorted(np.array(band.edges), np.nan_to_num(ages, nan=-1), side="right")
    out = labels[np.clip(index - first, 0, len(labels) - 1)]
    out[np.isnan(ages) | (ages < 0)] = MISSING
    return pd.Series(out, index=born.index, dtype=object)


def member_label(value: object) -> str:
    """The name a group value is shown under (booleans as true/false, as contracts write)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def members(frame: pd.DataFrame, group: Group) -> pd.Series:
    """The member of each row for one watched group; MISSING where the value is missing."""
    if group.band is not None:
        return age_bands(frame[group.band.source], frame[group.band.as_of], group.band)
    values = frame[group.column]
    return pd.Series([MISSING if pd.isna(v) else member_label(v) for v in values],
                     index=frame.index, dtype=object)
