"""The planning concern of the code location."""
