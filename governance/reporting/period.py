"""The weeks a report covers: the week to its as-of time, the week before and an 8-week baseline.

For as-of T: this week is (T-7d, T], the previous week (T-14d, T-7d], the baseline
(T-63d, T-7d]. The report is named after the ISO week of the day before T, so a Monday
08:00 run reports on the week just ended and a mid-week run on the current week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from governance.errors import GovernanceError

WEEK = timedelta(days=7)
BASELINE_WEEKS = 8
DUE_AHEAD = timedelta(days=30)     # retention purges listed as due soon
WAIVER_AHEAD = timedelta(days=7)   # waivers listed as expiring soon
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ReportDateError(GovernanceError):
    """The report's as-of date or time cannot be read."""


@dataclass(frozen=True)
class Period:
    """The report's as-of time (aware) and the windows derived from it."""

    as_of: datetime

    @property
    def start(self) -> datetime:
        """Start (exclusive) of the week reported on."""
        return self.as_of - WEEK

    @property
    def previous_start(self) -> datetime:
        """Start (exclusive) of the week before."""
        return self.as_of - 2 * WEEK

    @property
    def baseline_start(self) -> datetime:
        """Start (exclusive) of the 8-week baseline, which ends where this week starts."""
        return self.start - BASELINE_WEEKS * WEEK

    @property
    def name(self) -> str:
        """The report's file stem, weekly-YYYY-WW (ISO year and week of the day before)."""
        return f"weekly-{(self.as_of - timedelta(days=1)):%G-%V}"

    @property
    def label(self) -> str:
        """The week in words for the title: 'ISO week 2026-49, to 2026-12-07 08:00 UTC'."""
        return (f"ISO week {(self.as_of - timedelta(days=1)):%G-%V}, "
                f"{self.start:%Y-%m-%d %H:%M} to {self.as_of:%Y-%m-%d %H:%M %Z}")

    def in_week(self, at: datetime | None) -> bool:
        """True when `at` (aware) falls in (start, as_of]."""
        return at is not None and self.start < at <= self.as_of


def period_for(as_of: datetime) -> Period:
    """The period of a report as of an aware time."""
    if as_of.tzinfo is None:
        raise ReportDateError("the report's as-of time needs a time zone")
    return Period(as_of)


def parse_as_of(text: str, zone: tzinfo) -> datetime:
    """An as-of from the command line: a DATE means the end of that day in `zone`
    (midnight after it), a DATETIME without offset is read in `zone`."""
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1), time(0), zone)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ReportDateError(f"--as-of {text!r} is not a date (YYYY-MM-DD) or a date and "
                              "time (YYYY-MM-DDTHH:MM)") from None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


def utc_naive(at: datetime) -> datetime:
    """An aware time as the warehouse stores times: naive UTC."""
    return at.astimezone(UTC).replace(tzinfo=None)
