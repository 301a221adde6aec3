"""Datasheets for Datasets (Gebru et al.) per dataset version: facts, rendering, index."""
