"""Hand-checked plans: the work formula, a bootstrap that collapses, exclusion, the mix."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from governance.contract_model import DatasetContract
from governance.labeling.spec import labeling_spec
from governance.planning.forecast import (
    Bootstrap,
    PlanningError,
    completion_date,
    draw_samples,
    working_days,
)
from governance.planning.mix import exclusions, grid
from governance.planning.plan import PlanRequest, make_plan
from governance.planning.spec import BatchPlan
from governance.planning.work import audit_reviews, gold_items, plan_work, split
from tests.governance.planning.builders import batch, history, spec, vendor

EXACT = Bootstrap(draws=200, seed=1, spread=0.0)
FRIDAY = date(2026, 12, 4)


def test_work_formula_with_the_demo_audit_plan(contracts: dict[str, DatasetContract]) -> None:
    labeling = labeling_spec(contracts["support_ticket_labels"])
    # 300 items at 3 ratings: the demo batches' 900 labels got a 489-label audit sample
    # (3 points at 95%), plus the 5% risk sample (45) and 20% calibration (98).
    assert audit_reviews(900, labeling) == 489 + 45 + 98
    assert gold_items(88, 0.12) == 12  # 12 of 100 items are gold
    work = plan_work(88, BatchPlan(3, 0.12, "in_house"), labeling, adjudication_share=0.05)
    assert (work.batch_items, work.labeling_ratings, work.gold_ratings) == (100, 300, 36)
    assert work.adjudications == pytest.approx(4.4)
    assert work.ratings == 88 * 3 + 36 + audit_reviews(300, labeling) + 4
    assert plan_work(10, BatchPlan(1, 0.0, "x"), None, 0.0).ratings == 10


def test_batches_are_audited_one_by_one(contracts: dict[str, DatasetContract]) -> None:
    labeling = labeling_spec(contracts["support_ticket_labels"])
    plan = BatchPlan(3, 0.12, "in_house", batch_items=300)
    # 264 items + 36 gold fill a batch of 300; 265 items need two batches (133 + 132).
    assert split(264, 300, 0.12) == [264] and split(265, 300, 0.12) == [133, 132]
    assert split(5000, None, 0.12) == [5000]  # no batch size: one batch
    work = plan_work(600, plan, labeling, 0.0, plan.batch_items)
    # Three batches of 200 items + 28 gold = 228 items, 684 labels each, audited apart.
    assert (work.batches, work.gold_items) == (3, 84)
    assert work.audit_reviews == 3 * audit_reviews(684, labeling)
    one = plan_work(600, plan, labeling, 0.0)
    assert one.batches == 1 and one.audit_reviews == audit_reviews((600 + 82) * 3, labeling)
    assert work.audit_reviews > one.audit_reviews  # small batches cost more reviews


def test_working_days_skip_weekends() -> None:
    assert completion_date(FRIDAY, 1.0) == FRIDAY
    assert completion_date(FRIDAY, 1.01) == date(2026, 12, 7)  # Monday
    assert completion_date(date(2026, 12, 5), 0.5) == date(2026, 12, 7)  # Saturday start
    assert completion_date(FRIDAY, 0) == FRIDAY
    assert working_days(FRIDAY, date(2026, 12, 11)) == 6
    assert working_days(FRIDAY, date(2026, 12, 1)) == 0


def test_one_annotator_collapses_to_a_known_date_and_cost() -> None:
    # One annotator at 60 labels an hour, 1 hour a day, paid 30 an hour: 100 labels take
    # 1 h 40 min, i.e. 1.67 working days from a Friday -> Monday, and cost 50.
    house = vendor("house", headcount=1, hours=1.0, price=30.0, unit="hour")
    past = history(batch("v1", {"house": (60.0,)}))
    plan = make_plan(PlanRequest(100, FRIDAY, settings=EXACT), spec(house), None, past)
    out = plan.to_json()
    assert out["ratings"] == 100
    assert out["working_days"] == {"p10": 1.67, "p50": 1.67, "p90": 1.67}
    assert out["completion_p50"] == out["completion_p90"] == "2026-12-07"
    assert out["cost_p50"] == out["cost_p90"] == 50.0
    assert out["cost_per_item_p50"] == 0.5
    assert out["vendors"]["house"] == {"share": 1.0, "items": 100, "ratings": 100,
                                       "reviews": 0, "hours": 1.7, "hours_p90": 1.7,
                                       "cost": 50.0, "cost_p90": 50.0}
    assert (out["seed"], out["draws"], out["excluded"]) == (1, 200, [])


def test_bootstrap_is_seeded_and_draws_whole_teams() -> None:
    team = vendor("team", headcount=2)
    past = history(batch("v1", {"team": (40.0, 80.0)}))
    one = draw_samples(past, {"team": team}, Bootstrap(draws=1000, seed=7, spread=0.0))
    two = draw_samples(past, {"team": team}, Bootstrap(draws=1000, seed=7, spread=0.0))
    np.testing.assert_array_equal(one.rates["team"], two.rates["team"])
    # Two annotators drawn from {40, 80}: the team's mean rate is 40, 60 or 80.
    assert set(np.unique(one.rates["team"])) == {40.0, 60.0, 80.0}


def test_vendor_surely_below_target_is_excluded_with_its_figures() -> None:
    past = history(batch("v1", {"good": (60.0,), "weak": (90.0,)}),
                   gold={"good": (97, 100), "weak": (70, 100)})
    out = exclusions(past, ["good", "weak", "unseen"], 0.95)
    assert [e.vendor for e in out] == ["weak", "unseen"]
    reason = out[0].reason
    assert "70.0% on 100 gold answers" in reason and "95% target" in reason
    assert "upper bound 78.1%" in reason  # Wilson 95%: 70/100 -> [60.4%, 78.1%]
    assert "no measured throughput" in out[1].reason


def test_cheapest_mix_meets_the_deadline() -> None:
    # Both vendors label 100 an hour, 10 hours a day (1,000 labels a working day); cheap
    # costs 0.05 a label, dear 0.10. 10,000 labels: cheap alone takes 10 days.
    cheap, dear = vendor("cheap", 1, 10.0, 0.05), vendor("dear", 1, 10.0, 0.10)
    planning = spec(dear, cheap)
    past = history(batch("v1", {"cheap": (100.0,), "dear": (100.0,)}))
    no_deadline = make_plan(PlanRequest(10_000, FRIDAY, settings=EXACT), planning, None, past)
    assert no_deadline.to_json()["vendors"]["cheap"]["share"] == 1.0
    assert no_deadline.to_json()["cost_p50"] == 500.0
    assert no_deadline.to_json()["meets_deadline"] is None
    # Six working days (Fri..Fri) hold 6,000 of cheap's labels: 60/40 costs 300 + 400.
    deadline = make_plan(PlanRequest(10_000, FRIDAY, date(2026, 12, 11), settings=EXACT),
                         planning, None, past).to_json()
    assert (deadline["vendors"]["cheap"]["share"], deadline["vendors"]["dear"]["share"]) == (
        0.6, 0.4)
    assert deadline["cost_p50"] == 700.0 and deadline["meets_deadline"] is True
    assert deadline["completion_p90"] <= "2026-12-11"
    # Three working days cannot hold 10,000 labels: the fastest split (50/50), marked.
    late = make_plan(PlanRequest(10_000, FRIDAY, date(2026, 12, 8), settings=EXACT),
                     planning, None, past).to_json()
    assert late["meets_deadline"] is False
    assert late["vendors"]["cheap"]["share"] == late["vendors"]["dear"]["share"] == 0.5
    assert late["working_days"]["p90"] == 5.0


def test_grid_splits_add_up() -> None:
    splits = grid(["a", "b", "c"], 0.5)
    assert len(splits) == 6
    assert all(sum(s.values()) == pytest.approx(1.0) for s in splits)
    assert {"a": 0.5, "c": 0.5} in splits


def test_sensitivity_signs() -> None:
    hourly = vendor("hourly", 2, 6.0, 20.0, "hour")
    past = history(batch("v1", {"hourly": (50.0, 70.0)}, adjudicated=10),
                   batch("v2", {"hourly": (55.0, 65.0)}, adjudicated=20))
    plan = make_plan(PlanRequest(2000, FRIDAY, settings=Bootstrap(draws=2000, seed=3)),
                     spec(hourly), None, past).to_json()
    rows = {(s["factor"], s["change"]): s for s in plan["sensitivity"]}
    assert rows[("throughput", 0.2)]["completion_p90_days"] < 0
    assert rows[("throughput", 0.2)]["cost_p50"] < 0
    assert rows[("throughput", -0.2)]["completion_p90_days"] > 0
    assert rows[("adjudication rate", 0.2)]["completion_p90_days"] > 0
    assert rows[("adjudication rate", 0.2)]["cost_p50"] > 0
    assert rows[("price", 0.2)]["completion_p90_days"] == 0
    assert rows[("price", 0.2)]["cost_p50"] == pytest.approx(0.2 * plan["cost_p50"], abs=0.02)


def test_refusals(contracts: dict[str, DatasetContract]) -> None:
    labeling = labeling_spec(contracts["support_ticket_labels"])  # gold target 95%
    house = vendor("house")
    past = history(batch("v1", {"house": (60.0,)}))
    with pytest.raises(PlanningError, match="not declared"):
        make_plan(PlanRequest(10, FRIDAY, vendors=("ghost",)), spec(house), None, past)
    with pytest.raises(PlanningError, match="before the start"):
        make_plan(PlanRequest(10, FRIDAY, date(2026, 12, 1)), spec(house), None, past)
    with pytest.raises(PlanningError, match="no labeling batch and no vendor pilot"):
        make_plan(PlanRequest(10, FRIDAY), spec(house), None, history())
    weak = history(batch("v1", {"house": (60.0,)}), gold={"house": (10, 100)})
    with pytest.raises(PlanningError, match="no vendor is left"):
        make_plan(PlanRequest(10, FRIDAY), spec(house), labeling, weak)
