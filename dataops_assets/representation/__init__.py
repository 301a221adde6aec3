"""The representation concern of the code location."""
