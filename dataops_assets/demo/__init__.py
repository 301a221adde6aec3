"""Deterministic synthetic demo data for the two demo datasets."""
