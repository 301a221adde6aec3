"""The governance portal in Dagster: its asset and job, rebuilt after datasheets."""
