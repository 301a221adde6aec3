"""Representation of subgroups per version: shares, outcome rates, disparity, drift."""
