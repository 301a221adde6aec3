"""Audit sampling: sample size for a proportion, Z1.4 plans, and stratified draws."""

from __future__ import annotations

import pandas as pd
import pytest

from governance.labeling import LabelingError
from governance.labeling.sampling import (
    Z14Plan,
    allocate,
    sample_size_for_proportion,
    seed_for,
    stratified_sample,
    z14_plan,
)

# z(95%) = 1.959964, z^2 = 3.841459; with p = 0.5 and margin 0.03:
# n0 = 3.841459 * 0.25 / 0.0009 = 1067.07, and n = n0 / (1 + (n0 - 1) / N).


@pytest.mark.parametrize(("population", "expected"), [
    (1000, 517),            # 1067.07 / (1 + 1066.07 / 1000) = 1067.07 / 2.06607 = 516.47
    (10_000, 965),          # 1067.07 / 1.106607 = 964.27
    (50, 48),               # 1067.07 / (1 + 21.3214) = 47.80
    (1, 1),                 # 1067.07 / 1067.07 = 1
    (1_000_000_000, 1068),  # the correction vanishes: ceil(1067.07)
    (0, 0),
])
def test_sample_size_for_proportion(population: int, expected: int) -> None:
    assert sample_size_for_proportion(population) == expected


def test_sample_size_is_capped_at_the_population_and_follows_its_inputs() -> None:
    # margin 0.1%: n0 = 960,365, n for N = 20 is 19.9996 -> 20, never above N.
    assert sample_size_for_proportion(20, margin=0.001) == 20
    # 99% (z = 2.575829, z^2 = 6.634897), +/-5 points, p = 0.1:
    # n0 = 6.634897 * 0.09 / 0.0025 = 238.86 -> N = 5000: 238.86 / (1 + 237.86/5000) = 228.01 -> 229
    assert sample_size_for_proportion(5000, margin=0.05, confidence=0.99,
                                      expected_rate=0.1) == 229


@pytest.mark.parametrize("kwargs", [
    {"population": -1}, {"population": 10, "margin": 0}, {"population": 10, "margin": 1.5},
    {"population": 10, "confidence": 95}, {"population": 10, "expected_rate": 0},
])
def test_sample_size_rejects_bad_inputs(kwargs: dict[str, float]) -> None:
    with pytest.raises(LabelingError):
        sample_size_for_proportion(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("lot", "aql", "level", "expected"), [
    # Level II, lot 1201-3200 -> K, n = 125; Table II-A row K.
    (2000, 1.0, "II", Z14Plan("K", 125, 3, 4, "K")),
    (2000, 2.5, "II", Z14Plan("K", 125, 7, 8, "K")),
    (2000, 0.65, "II", Z14Plan("K", 125, 2, 3, "K")),
    (2000, 4.0, "II", Z14Plan("K", 125, 10, 11, "K")),
    (2000, 6.5, "II", Z14Plan("K", 125, 14, 15, "K")),
    (2000, 10, "II", Z14Plan("K", 125, 21, 22, "K")),
    # Level II, lot 501-1200 -> J, n = 80.
    (1000, 1.0, "II", Z14Plan("J", 80, 2, 3, "J")),
    # Level II, lot 91-150 -> F; F at 1.0 is an up arrow to E: n = 13, 0/1.
    (120, 1.0, "II", Z14Plan("F", 13, 0, 1, "E")),
    # Level II, lot 151-280 -> G; G at 1.0 is a down arrow to H: n = 50, 1/2.
    (200, 1.0, "II", Z14Plan("G", 50, 1, 2, "H")),
    # Level II, lot 3201-10000 -> L, n = 200. At 0.10 L is the up arrow just below K's
    # "0 1"; at 10 L is above the last plan of the column, so it points up to K's 21/22.
    (5000, 2.5, "II", Z14Plan("L", 200, 10, 11, "L")),
    (5000, 0.10, "II", Z14Plan("L", 125, 0, 1, "K")),
    (5000, 10, "II", Z14Plan("L", 125, 21, 22, "K")),
    # Levels I and III at lot 2000: H (n = 50) and L (n = 200).
    (2000, 1.0, "I", Z14Plan("H", 50, 1, 2, "H")),
    (2000, 1.0, "III", Z14Plan("L", 200, 5, 6, "L")),
    # The largest lots.
    (600_000, 0.65, "III", Z14Plan("R", 2000, 21, 22, "R")),
    (600_000, 0.010, "II", Z14Plan("Q", 1250, 0, 1, "Q")),
    # Row R at 0.015 points up twice (R, Q) to P: n = 800, 0/1.
    (600_000, 0.015, "III", Z14Plan("R", 800, 0, 1, "P")),
])
def test_z14_plans(lot: int, aql: float, level: str, expected: Z14Plan) -> None:
    assert z14_plan(lot, aql, level) == expected


def test_z14_full_inspection_when_the_plan_sample_exceeds_the_lot() -> None:
    # Lot 10 at level II is B; at AQL 0.65 the arrows lead down to F (n = 20, 0/1) >= 10.
    assert z14_plan(10, 0.65) == Z14Plan("B", 10, 0, 1, "F", full_inspection=True)
    # Row A at AQL 10 points down (B is a down arrow too) to C: n = 5, 1/2 -> whole lot of 5.
    assert z14_plan(5, 10) == Z14Plan("A", 5, 1, 2, "C", full_inspection=True)


def test_z14_refuses_unknown_aql_and_level() -> None:
    with pytest.raises(LabelingError, match=r"0\.065, 0\.1, 0\.15, .* 6\.5, 10"):
        z14_plan(1000, 3.0)
    with pytest.raises(LabelingError, match="I, II or III"):
        z14_plan(1000, 1.0, level="S-1")
    with pytest.raises(LabelingError):
        z14_plan(0, 1.0)


def _population() -> pd.DataFrame:
    rows = [{"item": f"i{n:03d}", "annotator": "ann", "vendor": vendor}
            for vendor, count in (("big", 60), ("mid", 30), ("tiny", 10))
            for n in range(count)]
    return pd.DataFrame(rows)


def test_allocation_is_proportional_and_exact() -> None:
    counts = {"big": 60, "mid": 30, "tiny": 10}
    assert allocate(counts, 10) == {"big": 6, "mid": 3, "tiny": 1}
    # quotas 4.2, 2.1, 0.7 -> floors 4, 2, 0; the one leftover goes to the largest
    # remainder (tiny, 0.7).
    assert allocate(counts, 7) == {"big": 4, "mid": 2, "tiny": 1}
    # quotas 3, 1.5, 0.5 -> floors 3, 1, 0; leftover tie 0.5/0.5 -> bigger stratum (mid);
    # tiny would get 0, so it takes one from the largest allocation (big 3 -> 2).
    assert allocate(counts, 5) == {"big": 2, "mid": 2, "tiny": 1}
    # Fewer units than strata: no minimum, largest remainders win.
    assert allocate(counts, 2) == {"big": 1, "mid": 1, "tiny": 0}
    assert allocate(counts, 500) == counts
    assert allocate(counts, 0) == {"big": 0, "mid": 0, "tiny": 0}


def test_stratified_sample_sizes_and_order() -> None:
    sample = stratified_sample(_population(), 10, "vendor", seed=7)
    assert len(sample) == 10
    assert sample["stratum"].value_counts().to_dict() == {"big": 6, "mid": 3, "tiny": 1}
    ordered = sample.sort_values(["stratum", "item", "annotator"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(sample, ordered)
    assert len(stratified_sample(_population(), 1000, "vendor", seed=7)) == 100
    assert stratified_sample(_population(), 0, "vendor", seed=7).empty


def test_stratified_sample_is_reproducible() -> None:
    frame = _population()
    first = stratified_sample(frame, 10, "vendor", seed=7)
    again = stratified_sample(frame, 10, "vendor", seed=7)
    shuffled = stratified_sample(frame.sample(frac=1, random_state=3), 10, "vendor", seed=7)
    other = stratified_sample(frame, 10, "vendor", seed=8)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, shuffled)
    assert list(first["item"]) != list(other["item"])


def test_stratified_sample_refuses_unknown_column() -> None:
    with pytest.raises(LabelingError, match="no such column"):
        stratified_sample(_population(), 5, "region", seed=1)


def test_seed_for_is_stable_and_distinct_per_version() -> None:
    # First 8 bytes of sha256(b"tickets:v1:0"), read big-endian.
    assert seed_for("tickets", "v1") == seed_for("tickets", "v1", 0)
    assert seed_for("tickets", "v1") != seed_for("tickets", "v2")
    assert seed_for("tickets", "v1") != seed_for("tickets", "v1", base_seed=1)
    assert 0 <= seed_for("tickets", "v1") < 2**64
