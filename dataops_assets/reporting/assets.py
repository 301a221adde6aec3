"""The weekly status report asset, its job and its Monday 08:00 schedule.

The asset gathers run outcomes and service-level evaluations from the instance (gather.py),
hands them to governance/reporting, writes `<documents>/reports/weekly-YYYY-WW.md|html`
atomically and sends the report to the contracts' announcement addresses. Its as-of is the
schedule's tick time (a manual run: now), so a late tick still reports the week it was for.
"""


from datetime import UTC, datetime
from typing import TYPE_CHECKING

import dagster as dg

from dataops_assets.incidents.resources import NotifierResource
from dataops_assets.keys import (
    REPORTS_GROUP,
    WEEKLY_REPORT_JOB,
    WEEKLY_REPORT_KEY,
    WEEKLY_REPORT_SCHEDULE,
)
from dataops_assets.reporting.gather import run_outcomes, slo_evaluations
from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract
from governance.reporting.build import build_report
from governance.reporting.model import WeeklyReport
from governance.reporting.period import period_for
from governance.reporting.render import write_report
from governance.reporting.send import send_report

if TYPE_CHECKING:  # not exported by dagster's public namespace
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

REPORTS_FOLDER = "reports"
WEEKLY_CRON = "0 8 * * 1"
# Dagster tags a scheduled run with the tick it was for (ISO 8601 with offset).
TAG_SCHEDULED_AT = "dagster/scheduled_execution_time"


def as_of_from_tags(tags: dict[str, str], now: datetime | None = None) -> datetime:
    """The report's as-of: the schedule tick the run was for, else now (aware)."""
    tick = tags.get(TAG_SCHEDULED_AT)
    if tick:
        at = datetime.fromisoformat(tick)
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return now or datetime.now(UTC)


def headline_metadata(report: WeeklyReport) -> dict[str, object]:
    """The headline figures as numeric metadata (absent figures are left out, not 0)."""
    return {f"report/{k}": (dg.MetadataValue.float(float(v)) if isinstance(v, float)
                            else dg.MetadataValue.int(v))
            for k, v in report.headline_json().items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


def build_weekly_report(contracts: list[DatasetContract]) -> dg.AssetsDefinition:
    """The `reports/weekly_report` asset for the contracts."""

    @dg.asset(key=WEEKLY_REPORT_KEY, group_name=REPORTS_GROUP,
              description="The weekly status report for stakeholders (Markdown and HTML with "
              "charts): versions received, delivered, blocked and failed, first-pass yield, "
              "service levels, quality against targets, privacy, labeling, drift, incidents, "
              "and the risks and decisions needed with their owners. Sent to each contract's "
              "announcement e-mail channel.")
    def weekly_report(context: dg.AssetExecutionContext, store: DataStore,
                      notifier: NotifierResource) -> dg.MaterializeResult:
        as_of = as_of_from_tags(dict(context.run.tags))
        report = build_report(store.layout.data_dir, contracts, period_for(as_of),
                              run_outcomes(context.instance, contracts),
                              slo_evaluations(context.instance, contracts))
        md_path, html_path, markdown, page = write_report(
            store.documents_dir / REPORTS_FOLDER, report)
        sent = send_report(notifier.notifier(store.layout), report, page, contracts,
                           datetime.now(UTC))
        return dg.MaterializeResult(metadata={
            **headline_metadata(report),
            "path": dg.MetadataValue.path(str(md_path)),
            "html_path": dg.MetadataValue.path(str(html_path)),
            "report/sent": dg.MetadataValue.int(sum(d.status == "sent" for d in sent)),
            "report/recipients": dg.MetadataValue.int(len(sent)),
            "report": dg.MetadataValue.md(markdown)})

    return weekly_report


def weekly_report_job() -> "UnresolvedAssetJobDefinition":
    """The report and everything downstream of it (the governance portal, once it exists)."""
    return dg.define_asset_job(
        WEEKLY_REPORT_JOB,
        selection=dg.AssetSelection.assets(WEEKLY_REPORT_KEY).downstream(),
        description="Writes and sends the weekly status report, then rebuilds what shows it.")


def weekly_report_schedule(job: "UnresolvedAssetJobDefinition",
                           timezone: str) -> dg.ScheduleDefinition:
    """Mondays at 08:00 in the instance's time zone ($DATAOPS_TIMEZONE)."""
    return dg.ScheduleDefinition(job=job, cron_schedule=WEEKLY_CRON, name=WEEKLY_REPORT_SCHEDULE,
                                 execution_timezone=timezone,
                                 default_status=dg.DefaultScheduleStatus.RUNNING)
