"""Names shared across the code location: pools, partitions, tags, check names."""

from __future__ import annotations

from governance.identifiers import check_dataset_name

# Every asset that writes DuckDB runs in this pool; dagster.yaml limits it to 1 slot.
DUCKDB_POOL = "duckdb_writer"
DUCKDB_RESOURCE = "duckdb"
STORE_RESOURCE = "store"
CHECK_INTAKE_COMPLETE = "intake_complete"
CHECK_PII_DECLARED = "pii_declared"
CHECK_PII_RESCAN = "pii_rescan_clean"
TAG_DATASET = "dataops/dataset"


def partitions_name(dataset: str) -> str:
    """Name of the dynamic partitions definition holding a dataset's versions."""
    return f"{check_dataset_name(dataset)}_versions"


def job_name(dataset: str) -> str:
    """Name of the job that runs a dataset's whole stage chain for one version."""
    return f"{check_dataset_name(dataset)}_pipeline"
DRIFT = "drift"
REFRESH_REQUEST = "refresh_request"
LABELING = "labeling"
VENDOR_SCORECARD = "vendor_scorecard"
# Metadata keys the drift sensor reads from drift materializations.
META_DATASET_DRIFT = "drift/dataset_drift"
META_SHARE_DRIFTED = "drift/share_drifted"
META_REFERENCE = "drift/reference_version"
META_DRIFTED_COLUMNS = "drift/drifted_columns"
META_LABEL_DRIFT = "drift/label_drift"
META_EVIDENCE = "drift/evidence"
