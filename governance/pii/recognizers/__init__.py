"""Presidio recognizers of ours, for names, places and numbers that identify people."""
