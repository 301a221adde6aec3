"""Vendor pilots: gold items only, counts per vendor and annotator, the side-by-side figures."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from governance.errors import IntakeError
from governance.labeling.spec import labeling_spec
from governance.planning.accuracy import Accuracy, accuracy_from_shares, cost_per_correct_label
from governance.planning.pilot import (
    PilotError,
    check_pilot_id,
    compare_pilots,
    read_pilot,
    stored_pilots,
    take_in_pilot,
)
from governance.settings import Layout
from governance.warehouse import BACKENDS, open_warehouse

COLUMNS = ("item_id", "annotator_id", "vendor", "label", "started_at", "finished_at", "cost",
           "guidelines_version")
GOLD = {f"T{i}": "billing" for i in range(10)}
AT = datetime(2026, 11, 20, 9, 0)


@pytest.fixture
def spec(contracts):
    return labeling_spec(contracts["support_ticket_labels"])


def _write(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def _rows(vendor: str, annotator: str, right: int, seconds: int, cost: float) -> list[tuple]:
    # Ten gold tickets, the first `right` labeled billing (right), the rest technical.
    return [(f"T{i}", annotator, vendor, "billing" if i < right else "technical",
             f"2026-11-20T09:{i:02d}:00", f"2026-11-20T09:{i:02d}:{seconds:02d}", cost,
             "2.2") for i in range(10)]


def test_wilson_interval_of_eight_in_ten_is_the_textbook_one():
    # Hand-checked: p = 0.8, n = 10, z = 1.96 -> centre 0.7167, half-width 0.2266.
    low, high = Accuracy(8, 10).interval
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert Accuracy(8, 10).surely_below(0.95)
    assert not Accuracy(8, 10).surely_below(0.9)
    assert Accuracy(0, 0).interval is None and not Accuracy(0, 0).surely_below(0.95)


def test_cost_per_correct_label_divides_by_accuracy():
    # 0.06 per label at 80 % accuracy: 0.075 per correct label; nothing right: undefined.
    assert cost_per_correct_label(0.06, 0.8) == pytest.approx(0.075)
    assert cost_per_correct_label(0.06, 0.0) is None
    assert cost_per_correct_label(None, 0.8) is None


def test_pooled_accuracy_rounds_each_batch_back_to_counts():
    # 38/40 and 57/60 stored as shares pool to 95 of 100; a batch without gold adds nothing.
    pooled = accuracy_from_shares([(0.95, 40), (0.95, 60), (None, 0)])
    assert (pooled.correct, pooled.total) == (95, 100)


def test_an_item_without_a_gold_answer_is_refused_with_file_and_line(tmp_path, spec):
    rows = _rows("acme", "AC-01", 10, 30, 0.06)
    rows[3] = ("X99", *rows[3][1:])
    path = _write(tmp_path / "pilot.csv", rows)
    with pytest.raises(IntakeError) as err:
        read_pilot(path, spec, GOLD)
    assert err.value.line == 5  # header is line 1, the fourth row is line 5
    assert err.value.column == "item_id"
    assert "pilot.csv" in str(err.value) and "'X99' has no gold answer" in str(err.value)


def test_a_label_outside_the_contract_is_refused(tmp_path, spec):
    rows = _rows("acme", "AC-01", 10, 30, 0.06)
    rows[0] = (*rows[0][:3], "weather", *rows[0][4:])
    with pytest.raises(IntakeError, match="line 2, column 'label'"):
        read_pilot(_write(tmp_path / "pilot.csv", rows), spec, GOLD)


def test_unusable_pilot_ids_are_refused():
    assert check_pilot_id("pilot-2026.11") == "pilot-2026.11"
    for bad in ("", "../x", "a b", "x" * 64):
        with pytest.raises(PilotError):
            check_pilot_id(bad)


@pytest.mark.parametrize("backend", BACKENDS)
def test_pilot_compares_vendors_on_the_same_gold_items(tmp_path, spec, data_dir):
    layout = Layout(data_dir)
    layout.gold_file("support_ticket_labels").parent.mkdir(parents=True)
    layout.gold_file("support_ticket_labels").write_text(
        "item_id,label\n" + "".join(f"{k},{v}\n" for k, v in GOLD.items()))
    path = _write(tmp_path / "p1.csv", _rows("acme", "AC-01", 10, 30, 0.06)
                  + _rows("acme", "AC-02", 9, 30, 0.06) + _rows("swift", "SW-01", 8, 12, 0.03))
    vendors = take_in_pilot(open_warehouse(layout), layout, "support_ticket_labels", spec, path,
                            "p1", 0.95, AT)
    acme, swift = vendors
    assert (acme.vendor, acme.annotators, acme.labels) == ("acme", 2, 20)
    assert (acme.accuracy.correct, acme.accuracy.total) == (19, 20)
    # 20 labels in 600 active seconds: 120 per hour; 1.20 spent on 19 right answers.
    assert acme.labels_per_hour == pytest.approx(120.0)
    assert acme.cost_per_correct_label == pytest.approx(1.20 / 19)
    assert acme.below_target is None
    # swift: 8 of 10 right, upper bound 94.3 % < 95 %: surely below, with the figures.
    assert swift.labels_per_hour == pytest.approx(300.0)
    assert swift.cost_per_correct_label == pytest.approx(0.03 / 0.8)
    assert "80.0%" in swift.below_target and "94.3%" in swift.below_target
    with open_warehouse(layout).reader() as conn:
        stored = stored_pilots(conn, "support_ticket_labels")
    assert [(r["vendor"], r["annotator"], r["gold_correct"]) for r in stored] == [
        ("acme", "AC-01", 10), ("acme", "AC-02", 9), ("swift", "SW-01", 8)]
    # The same pilot id again replaces its rows; the comparison from storage is the same.
    take_in_pilot(open_warehouse(layout), layout, "support_ticket_labels", spec,
                  _write(tmp_path / "p1b.csv", _rows("swift", "SW-01", 10, 12, 0.03)),
                  "p1", 0.95, AT + timedelta(days=1))
    with open_warehouse(layout).reader() as conn:
        again = compare_pilots(stored_pilots(conn, "support_ticket_labels"), 0.95)
    assert [(v.vendor, v.accuracy.correct) for v in again] == [("swift", 10)]


def test_a_pilot_without_gold_answers_is_refused(tmp_path, spec, data_dir):
    layout = Layout(data_dir)
    path = _write(tmp_path / "p1.csv", _rows("acme", "AC-01", 10, 30, 0.06))
    with pytest.raises(PilotError, match="no gold answers yet"):
        take_in_pilot(open_warehouse(layout), layout, "support_ticket_labels", spec, path,
                      "p1", 0.95, AT)


def test_the_pilot_verb_refuses_a_non_gold_item_in_one_line(tmp_path, data_dir, capsys):
    from dataops_assets import cli

    layout = Layout(data_dir)
    layout.gold_file("support_ticket_labels").parent.mkdir(parents=True)
    layout.gold_file("support_ticket_labels").write_text("item_id,label\nT0,billing\n")
    path = _write(tmp_path / "pilot.csv", _rows("acme", "AC-01", 1, 30, 0.06)[:2])
    assert cli.main(["pilot", str(path), "--dataset", "support_ticket_labels"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 3, column 'item_id'" in err and "'T1'" in err
    with open_warehouse(layout).reader() as conn:
        assert stored_pilots(conn, "support_ticket_labels") == []  # nothing was stored
