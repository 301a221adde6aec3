"""Incidents: one record per (dataset, check or service level) problem, from opening to
resolution, with escalation, notifications and post-mortems. Plain Python, no Dagster."""
