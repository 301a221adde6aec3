"""Dagster code location: wires the governance library into assets, checks and sensors."""
