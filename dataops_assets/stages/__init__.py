"""The stage chain intake -> cleaned -> validated -> delivered, built from contracts."""
