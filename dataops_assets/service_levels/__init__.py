"""Service levels in Dagster: SLO checks per version and pipeline health from the event log."""
