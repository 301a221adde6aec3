"""Personal data in the asset graph: the per-version scan and the policy check."""
