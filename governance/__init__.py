"""Plain-Python governance core: contracts, raw store, intake parsing and stage storage.

Nothing in this package imports Dagster, so every rule can be tested on its own.
"""
