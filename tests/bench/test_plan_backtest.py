"""The plan backtest's functions run on a tiny synthetic history (figures: bench/README.md)."""

from __future__ import annotations

import numpy as np

from bench.plan_backtest import FIRST_FORECAST, score, synthetic_cases, tune
from governance.planning.forecast import Bootstrap


def test_synthetic_history_has_its_known_changes() -> None:
    cases = synthetic_cases(seed=3, batches=14)
    assert len(cases) == 14 - FIRST_FORECAST + 1
    past = cases[-1].history.batches  # batches 1..13
    assert [b.version for b in past] == [f"v{k}" for k in range(1, 14)]
    assert len(past[6].rates["B"]) == 4 and len(past[7].rates["B"]) == 6  # hired at 8
    before = np.mean([np.mean(b.rates["B"]) for b in past[8:11]])
    after = np.mean([np.mean(b.rates["B"]) for b in past[11:13]])
    assert after < 0.85 * before  # the 30% drop at batch 12
    assert all(c.days > 0 and c.cost > 0 for c in cases)


def test_score_and_tune_run() -> None:
    cases = synthetic_cases(seed=1, batches=6)
    result = score(cases, Bootstrap(draws=200, seed=2))
    assert result["cases"] == 4
    for key in ("time_p90", "time_in", "cost_p90", "cost_in"):
        assert 0.0 <= result[key] <= 1.0
    assert result["time_in"] <= result["time_p90"]
    assert result["time_mdape"] >= 0 and result["cost_mdape"] >= 0
    assert isinstance(tune(cases[:2], draws=100), Bootstrap)
