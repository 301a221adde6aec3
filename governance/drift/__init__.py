"""Data drift between a reference version and a new version, Evidently-style, in plain Python."""
