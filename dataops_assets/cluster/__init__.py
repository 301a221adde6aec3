"""The cluster profile: the same code location, run by dagster-celery's executor."""
