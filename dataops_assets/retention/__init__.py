"""Retention enforcement: a scheduled job that purges expired versions and their partitions."""
