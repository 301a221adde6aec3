"""The weekly report in Dagster: its asset, job and Monday schedule."""
