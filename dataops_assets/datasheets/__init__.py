"""Datasheet per dataset version, regenerated after every pipeline run."""
