"""What a datasheet may show of a watched column's values: nothing below the minimum count."""

from __future__ import annotations

from governance.representation.figures import OTHER
from governance.representation.report import published_counts, watched_columns


def test_distributions_of_watched_columns_withhold_small_values():
    counts = [("employed", 1669), ("self_employed", 343), ("unemployed", 200),
              ("student", 197), ("retired", 89), ("contractor", 1)]
    assert published_counts(counts, 10) == [
        ("employed", 1669), ("self_employed", 343), ("unemployed", 200), ("student", 197),
        (OTHER, 90)]
    assert published_counts([("a", 30), ("b", 12)], 10) == [("a", 30), ("b", 12)]
    assert published_counts([("a", 4), ("b", 3)], 10) == []


def test_only_column_groups_are_watched_columns(loans, tickets):
    assert watched_columns(loans) == {"employment_status": 10}
    assert watched_columns(tickets) == {}
