"""Definitions of the reporting concern: the weekly status report, its job and schedule."""

from __future__ import annotations

import dagster as dg

from dataops_assets.reporting.assets import (
    build_weekly_report,
    weekly_report_job,
    weekly_report_schedule,
)
from governance.contracts import DatasetContract
from governance.settings import timezone_name


def defs(contracts: list[DatasetContract]) -> dg.Definitions:
    """The weekly report asset, its job and the Monday 08:00 schedule ($DATAOPS_TIMEZONE)."""
    job = weekly_report_job()
    return dg.Definitions(assets=[build_weekly_report(contracts)], jobs=[job],
                          schedules=[weekly_report_schedule(job, timezone_name())])
