"""`dataops plan` on the demo: the fields, the weak pilot vendor excluded, the refusals."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from dataops_assets.cli import main

FIELDS = ("ratings", "completion_p50", "completion_p90", "cost_p50", "cost_p90",
          "cost_per_item_p50", "currency", "vendors", "excluded", "deadline",
          "meets_deadline", "budget", "sensitivity", "refresh", "seed", "draws", "history")


@pytest.fixture
def demo_env(demo, monkeypatch):
    """The demo's data directory as the command's."""
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(demo.data_dir))
    return demo


def test_plan_prints_the_fields_and_excludes_the_weak_vendor(demo_env, capsys) -> None:
    deadline = date.today() + timedelta(days=30)
    code = main(["plan", "--dataset", "support_ticket_labels", "--items", "5000",
                 "--deadline", deadline.isoformat(), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert all(field in out for field in FIELDS)
    assert out["deadline"] == deadline.isoformat()
    assert out["completion_p50"] <= out["completion_p90"]
    assert out["cost_p50"] <= out["cost_p90"] and out["currency"] == "USD"
    assert out["history"]["batches"] == 2 and out["history"]["pilots"] >= 1
    assert [e["vendor"] for e in out["excluded"]] == ["swift_annotate"]
    reason = out["excluded"][0]["reason"]
    assert "surely below the 95% target" in reason and "upper bound" in reason
    assert set(out["vendors"]) <= {"in_house", "acme_labeling"}
    # acme_labeling stays in the plan (its gold answers are not surely below target), but
    # the vendor comparison's audited-accuracy mark travels with it as a caution.
    assert [(c["vendor"], c["reason"].split(" ")[:2]) for c in out["cautions"]] == [
        ("acme_labeling", ["audited", "accuracy"])]
    assert all({"hours", "items", "ratings", "cost"} <= set(v) for v in out["vendors"].values())
    assert out["ratings"] > 5000 * 3
    assert out["refresh"]["dataset"] == "support_tickets"


def test_plan_table_and_refusals(demo_env, capsys) -> None:
    assert main(["plan", "--dataset", "support_ticket_labels", "--items", "800",
                 "--start", "2026-12-07"]) == 0
    table = capsys.readouterr().out
    assert "Plan for 800 items of support_ticket_labels" in table and "sensitivity" in table
    for argv, message in (
            (["--dataset", "support_ticket_labels", "--items", "10", "--vendors", "ghost"],
             "vendor ghost is not declared"),
            (["--dataset", "support_ticket_labels", "--items", "10", "--deadline",
              "2020-01-01"], "already past"),
            (["--dataset", "support_tickets", "--items", "10"], "declares no labeling vendors"),
            (["--dataset", "no_such_dataset", "--items", "10"], "No contract defines")):
        assert main(["plan", *argv]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1
