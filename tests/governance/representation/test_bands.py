"""Age bands from a birth date as of another date: edges, birthdays, leap days, gaps."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from governance.representation.bands import MISSING, age_bands, completed_years
from governance.representation.spec import Band, band_labels

BAND = Band("born", "at", (18, 25, 35, 50, 65))


def bands(pairs: list[tuple[str | None, str | None]]) -> list[str]:
    born = pd.Series([b for b, _ in pairs], dtype=object)
    at = pd.Series([a for _, a in pairs], dtype=object)
    return list(age_bands(born, at, BAND))


def test_band_labels():
    assert band_labels((18, 25, 35, 50, 65)) == ["<18", "18-24", "25-34", "35-49", "50-64",
                                                 "65+"]
    assert band_labels((0, 18)) == ["0-17", "18+"]


def test_a_birthday_on_the_as_of_date_counts():
    assert bands([("2000-06-15", "2018-06-15"), ("2000-06-15", "2018-06-14"),
                  ("2000-06-15", "2018-06-15 23:59:00"), ("1960-01-01", "2025-01-01"),
                  ("1960-01-02", "2025-01-01")]) == ["18-24", "<18", "18-24", "65+", "50-64"]


def test_leap_day_births_turn_older_on_march_first():
    born = pd.Series(["2004-02-29", "2004-02-29"])
    at = pd.Series(["2022-02-28", "2022-03-01"])
    assert list(completed_years(born, at)) == [17.0, 18.0]


def test_missing_or_impossible_dates_are_the_missing_group():
    assert bands([(None, "2020-01-01"), ("2000-01-01", None),
                  ("2021-01-01", "2020-01-01")]) == [MISSING] * 3


def test_edges_from_zero_have_no_band_below():
    born = pd.Series(["2020-01-01", "1990-01-01"])
    at = pd.Series(["2020-06-01", "2020-06-01"])
    assert list(age_bands(born, at, Band("b", "a", (0, 18)))) == ["0-17", "18+"]


@pytest.mark.parametrize("dtype", ["datetime64[ns]", "object"])
def test_date_typed_columns(dtype):
    born = pd.Series(pd.to_datetime(["1990-03-10"])).astype(dtype)
    at = pd.Series(pd.to_datetime(["2024-03-09 10:00"])).astype(dtype)
    assert list(age_bands(born, at, BAND)) == ["25-34"]  # 33 the day before turning 34


def test_python_dates_as_the_warehouse_returns_them():
    born = pd.Series([date(2000, 6, 15), None], dtype=object)
    at = pd.Series([datetime(2018, 6, 15, 3), datetime(2018, 1, 1)], dtype=object)
    assert list(age_bands(born, at, BAND)) == ["18-24", MISSING]
