"""Sample sizes with a stated detection guarantee."""

from __future__ import annotations

import math

DEFAULT_CONFIDENCE = 0.999
DEFAULT_MIN_PREVALENCE = 0.01


def sample_size(confidence: float = DEFAULT_CONFIDENCE,
                min_prevalence: float = DEFAULT_MIN_PREVALENCE) -> int:
    """Values to scan so an entity in >= min_prevalence of values shows up with `confidence`.

    The chance that n independent draws all miss an entity of prevalence p is (1-p)^n;
    the smallest n with (1-p)^n <= 1-confidence is ceil(ln(1-confidence) / ln(1-p)).
    """
    if not 0 < confidence < 1 or not 0 < min_prevalence < 1:
        raise ValueError("confidence and prevalence must be between 0 and 1")
    return math.ceil(math.log(1 - confidence) / math.log(1 - min_prevalence))


def guarantee_text(confidence: float, min_prevalence: float, n: int, rows: int) -> str:
    """The guarantee a scan of n of rows values gives, in words."""
    if n >= rows:
        return (f"every row scanned ({rows} rows): any entity present in the data is in "
                "the sample")
    return (f"with {confidence:.1%} confidence, any entity present in at least "
            f"{min_prevalence:.0%} of a column's values is found ({n} sampled rows of {rows})")
