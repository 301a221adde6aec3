"""Incidents in Dagster: the per-dataset incidents asset, the incident sensor, the notifier."""
