"""Every name the code location defines, in one place.

Asset keys, partitions, jobs, sensors, schedules, checks, resources, pools, tags and the
metadata keys that one step writes and another reads. Nothing else in `dataops_assets/`
builds such a name by hand: a test compares every name in the Definitions with this module.
"""

from __future__ import annotations

import dagster as dg

from governance.drift.spec import CHECK_DRIFT, refresh_job_name
from governance.identifiers import check_dataset_name
from governance.labeling.spec import LABELING_CHECKS
from governance.quality.evaluate import TARGETS_CHECK
from governance.stages import CLEANED, DELIVERED, INTAKE, VALIDATED

# Stage (asset) names: the last part of every asset key, [dataset, stage].
PII_SCAN = "pii_scan"
DRIFT = "drift"
REFRESH_REQUEST = "refresh_request"
LABELING = "labeling"
VENDOR_SCORECARD = "vendor_scorecard"
DATASHEET = "datasheet"
INCIDENTS = "incidents"              # observed by the incident sensor (no run)
PIPELINE_HEALTH = "pipeline_health"  # read from the instance's event log
STAGE_CHAIN = (INTAKE, CLEANED, VALIDATED, PII_SCAN, DRIFT, DELIVERED)
LABELING_STAGES = (LABELING, VENDOR_SCORECARD)
# Planning (dataops_assets/planning/): per annotation dataset, not partitioned; they follow
# the labeling runs (a sensor) instead of belonging to a version's pipeline run.
LABELING_BUDGET = "labeling_budget"      # spend to date vs budget, forecast at completion
VENDOR_COMPARISON = "vendor_comparison"  # every vendor over all batches (and pilots)
PLANNING_STAGES = (LABELING_BUDGET, VENDOR_COMPARISON)
# Representation of subgroups per version (dataops_assets/representation/).
REPRESENTATION = "representation"
# Assets of a dataset's group that its `<ds>_pipeline` job does not run: the datasheet has
# its own job, refresh requests run when the drift sensor asks, incidents are observed by
# the incident sensor and pipeline health is read on its own schedule.
NOT_IN_PIPELINE = (DATASHEET, REFRESH_REQUEST, INCIDENTS, PIPELINE_HEALTH)

# Every asset that writes DuckDB runs in this pool; dagster.yaml limits it to 1 slot.
DUCKDB_POOL = "duckdb_writer"
WAREHOUSE_RESOURCE = "warehouse"
STORE_RESOURCE = "store"
PRIVACY_RESOURCE = "privacy"
NOTIFIER_RESOURCE = "notifier"

# Ops of the chunked delivered graph (dataops_assets/stages/delivered.py), per dataset.
DELIVERY_PLAN = "plan"
DELIVERY_TREAT = "treat"
DELIVERY_COMBINE = "combine"
DELIVERY_OPS = (DELIVERY_PLAN, DELIVERY_TREAT, DELIVERY_COMBINE)

# Asset check names.
CHECK_INTAKE_COMPLETE = "intake_complete"
CHECK_PII_DECLARED = "pii_declared"
CHECK_PII_RESCAN = "pii_rescan_clean"
CHECK_FRESHNESS = "freshness_within_sla"
CHECK_TARGETS = TARGETS_CHECK
CHECK_DRIFT_WITHIN = CHECK_DRIFT
CHECKS_LABELING = LABELING_CHECKS
CHECK_BUDGET = "labeling_budget_on_track"  # warning: forecast at completion within budget
CHECK_REPRESENTATION = "representation_within_bounds"  # warning: group shares within bounds

# Service-level checks (dataops_assets/service_levels/checks.py): from the contract's
# slaProperties (latency, frequency, timeOfAvailability) and labeling targets with units.
CHECK_LATENCY = "latency_within_slo"              # on <ds>/delivered
CHECK_AVAILABILITY = "available_by_time"          # on <ds>/delivered
CHECK_ARRIVAL = "arrival_on_schedule"             # on <ds>/intake
CHECK_LABELING_TURNAROUND = "labeling_turnaround_p90"  # on <ds>/labeling
CHECK_LABELING_THROUGHPUT = "labeling_throughput"      # on <ds>/labeling
CHECK_LABELING_COST = "labeling_cost_per_item"         # on <ds>/labeling
# Each service-level check and the stage whose asset it is declared on.
SERVICE_LEVEL_CHECK_STAGES = {
    CHECK_LATENCY: DELIVERED, CHECK_AVAILABILITY: DELIVERED, CHECK_ARRIVAL: INTAKE,
    CHECK_LABELING_TURNAROUND: LABELING, CHECK_LABELING_THROUGHPUT: LABELING,
    CHECK_LABELING_COST: LABELING}
SERVICE_LEVEL_CHECKS = tuple(SERVICE_LEVEL_CHECK_STAGES)
# Metadata every service-level check result carries (the incident sensor reads them): the
# contract's SLO name, observed value and target in `slo/unit` (s, labels/h or a currency),
# the contract's severity, and the error budget's remaining share over the window.
META_SLO_NAME = "slo/name"
META_SLO_OBSERVED = "slo/observed"
META_SLO_TARGET = "slo/target"
META_SLO_UNIT = "slo/unit"
META_SLO_SEVERITY = "slo/severity"
META_SLO_COUNTED = "slo/counted"  # False: nothing to judge yet (a dataset's first arrival)
META_SLO_BUDGET_REMAINING = "slo/error_budget_remaining"

# The audit trail's witnessed checkpoints: runless observations in the Dagster instance.
AUDIT_TRAIL_KEY = dg.AssetKey(["governance", "audit_trail"])
META_AUDIT_SEQ = "audit/seq"
META_AUDIT_HEAD = "audit/head"
META_AUDIT_AT = "audit/at"
META_AUDIT_KEY_ID = "audit/key_id"
META_AUDIT_SIGNATURE = "audit/signature"

# Jobs, sensors and schedules that are not per dataset.
RETENTION_JOB = "retention_enforcement"
RETENTION_SCHEDULE = "retention_daily"
DATASHEET_AFTER_SUCCESS = "datasheet_after_success"
DATASHEET_AFTER_FAILURE = "datasheet_after_failure"
INCIDENT_SENSOR = "incident_watch"
PIPELINE_HEALTH_JOB = "pipeline_health_refresh"
PIPELINE_HEALTH_SCHEDULE = "pipeline_health_daily"
# Reporting (dataops_assets/reporting/) and the governance portal (dataops_assets/portal/):
# not per dataset, so their assets sit in one group of their own.
REPORTS_GROUP = "reports"
WEEKLY_REPORT_KEY = dg.AssetKey([REPORTS_GROUP, "weekly_report"])
WEEKLY_REPORT_JOB = "weekly_report_job"
WEEKLY_REPORT_SCHEDULE = "weekly_report_monday"
PORTAL_KEY = dg.AssetKey([REPORTS_GROUP, "governance_portal"])
PORTAL_JOB = "governance_portal_build"
PORTAL_RESOURCE = "portal"

# Run tags.
TAG_DATASET = "dataops/dataset"
TAG_PARTITION = "dagster/partition"
TAG_SOURCE_FILE = "dataops/source_file"
TAG_REASON = "dataops/reason"

# Metadata keys one step writes and another reads.
META_REFRESH_REQUEST = "drift/refresh_request"  # RefreshRequest.to_json(), or null
META_BLOCKED = "blocked"  # on a dg.Failure: a refusal by the delivery gate, not a bug
META_QUARANTINE_BY_REASON = "quarantine_by_reason"
# Drift figures `dataops status` shows beside the request.
META_DATASET_DRIFT = "drift/dataset_drift"
META_SHARE_DRIFTED = "drift/share_drifted"
META_REFERENCE = "drift/reference_version"
META_DRIFTED_COLUMNS = "drift/drifted_columns"
META_RECORDS_QUARANTINED = "records_quarantined"
# What the incident sensor records on `<ds>/incidents` (the UI plots the counts).
META_INCIDENTS_ACTIVE = "incidents/active"
META_INCIDENTS_HIGH = "incidents/active_high"
META_INCIDENTS_TABLE = "incidents/table"
# The portal page of a datasheet (a URL the UI opens in one click).
META_PORTAL_PAGE = "portal_page"


def stage_key(dataset: str, stage: str) -> dg.AssetKey:
    """Asset key of one stage of a dataset: [dataset, stage]."""
    return dg.AssetKey([check_dataset_name(dataset), stage])


def partitions_name(dataset: str) -> str:
    """Name of the dynamic partitions definition holding a dataset's versions."""
    return f"{check_dataset_name(dataset)}_versions"


def dataset_partitions(dataset: str) -> dg.DynamicPartitionsDefinition:
    """The dynamic partitions (one per version) shared by a dataset's assets."""
    return dg.DynamicPartitionsDefinition(name=partitions_name(dataset))


def delivery_op_name(dataset: str, op: str) -> str:
    """Name of one op of a dataset's chunked delivery; op names must differ across datasets."""
    if op not in DELIVERY_OPS:
        raise ValueError(f"unknown delivery op {op!r}")
    return f"{check_dataset_name(dataset)}_delivery_{op}"


def delivery_cleanup_hook_name(dataset: str) -> str:
    """Name of the failure hook that removes a failed delivery's staged chunk files."""
    return f"{check_dataset_name(dataset)}_delivery_staging_cleanup"


def delivery_chunk_key(index: int) -> str:
    """Mapping key of one chunk's treat step (shown in the step key: treat[chunk_00003])."""
    return f"chunk_{index:05d}"


def job_name(dataset: str) -> str:
    """Name of the job that runs a dataset's whole stage chain for one version."""
    return f"{check_dataset_name(dataset)}_pipeline"


def datasheet_job_name(dataset: str) -> str:
    """Name of the job that regenerates one dataset's datasheet for a version."""
    return f"{check_dataset_name(dataset)}_datasheet"


def default_refresh_job_name(dataset: str) -> str:
    """Name of the default job a drifted version requests (a contract may name another)."""
    return refresh_job_name(dataset)


def planning_job_name(dataset: str) -> str:
    """Name of the job that refreshes an annotation dataset's budget and vendor comparison."""
    return f"{check_dataset_name(dataset)}_planning"


def planning_sensor_name(dataset: str) -> str:
    """Name of the sensor that refreshes the planning assets after a labeling run."""
    return f"{check_dataset_name(dataset)}_planning_after_labeling"


def landing_sensor_name(dataset: str) -> str:
    """Name of the sensor that watches a dataset's landing folder."""
    return f"{check_dataset_name(dataset)}_landing"


def drift_sensor_name(dataset: str) -> str:
    """Name of the sensor that turns a drifted version into a refresh request."""
    return f"{check_dataset_name(dataset)}_drift_refresh"


def dataset_names(dataset: str, labeling: bool,
                  representation: bool = False) -> dict[str, set[str]]:
    """Every job and sensor name one dataset contributes (the names test compares these);
    `representation`: the contract declares groups to watch."""
    return {
        "jobs": {job_name(dataset), datasheet_job_name(dataset),
                 default_refresh_job_name(dataset),
                 *((planning_job_name(dataset),) if labeling else ())},
        "sensors": {landing_sensor_name(dataset), drift_sensor_name(dataset),
                    *((planning_sensor_name(dataset),) if labeling else ())},
        "assets": {stage_key(dataset, s).to_user_string() for s in
                   (*STAGE_CHAIN, *NOT_IN_PIPELINE,
                    *((*LABELING_STAGES, *PLANNING_STAGES) if labeling else ()),
                    *((REPRESENTATION,) if representation else ()))},
    }
