"""A batch's audit sample and checks, on a synthetic batch with one weak annotator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pandas as pd
import pytest

from governance.labeling.batch import BatchResult, draw_audit, judge
from governance.labeling.metrics import compute_batch
from governance.labeling.spec import (
    CHECK_AGREEMENT,
    CHECK_AUDIT_ACCURACY,
    CHECK_GOLD_ACCURACY,
    CHECK_GUIDELINES,
    labeling_spec,
)

LABELS = ("billing", "technical", "account", "shipping", "other")
TEAM = {"IH-01": ("in_house", 1.0), "IH-02": ("in_house", 1.0), "AC-01": ("acme", 1.0),
        "AC-02": ("acme", 1.0)}
T0 = datetime(2026, 11, 20, 9)


def _batch(items: int = 300, weak: float = 0.6) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = random.Random(5)
    truth = {f"T-{n:06d}": LABELS[n % 5] for n in range(items)}
    rows = []
    for n, (item, label) in enumerate(truth.items()):
        for who in rng.sample(sorted(TEAM), 3):
            vendor, accuracy = TEAM[who]
            accuracy = weak if who == "AC-02" else accuracy
            given = label if rng.random() < accuracy else LABELS[(LABELS.index(label) + 1) % 5]
            start = T0 + timedelta(minutes=n)
            rows.append({"item": item, "annotator": who, "vendor": vendor, "label": given,
                         "started_at": start, "finished_at": start + timedelta(seconds=40),
                         "cost": 0.1, "guidelines_version": "2.2"})
    return pd.DataFrame(rows), truth


def test_audit_sample_size_strata_and_seed(contracts) -> None:
    plan = labeling_spec(contracts["support_ticket_labels"])
    frame, truth = _batch()
    sample, audit = draw_audit(frame, plan, "support_ticket_labels", "v1", truth)
    # N = 900 ratings: n0 = 1.959964² · 0.25 / 0.03² = 1067.07; n = n0 / (1 + 1066.07/900)
    # = 488.5 -> 489.
    assert (audit.population, audit.size, len(sample)) == (900, 489, 489)
    # Stratified by vendor, in proportion to each vendor's share of the ratings.
    shares = frame["vendor"].value_counts() / len(frame)
    counts = sample["vendor"].value_counts()
    for vendor, share in shares.items():
        assert abs(counts[vendor] - 489 * share) <= 1
    # Same batch, same seed: the same sample, whatever the row order.
    again, _ = draw_audit(frame.sample(frac=1, random_state=3), plan, "support_ticket_labels",
                          "v1", truth)
    key = ["item", "annotator"]
    assert sample[key].reset_index(drop=True).equals(again[key].reset_index(drop=True))
    other, _ = draw_audit(frame, plan, "support_ticket_labels", "v2", truth)
    assert not sample[key].reset_index(drop=True).equals(other[key].reset_index(drop=True))
    # Every sampled rating has a verdict; accuracy = confirmed / audited.
    assert audit.audited == 489
    assert audit.accuracy == pytest.approx(sample["correct"].mean())


def test_audit_without_verdicts_is_pending(contracts) -> None:
    frame, _ = _batch(60)
    sample, audit = draw_audit(frame, labeling_spec(contracts["support_ticket_labels"]),
                               "support_ticket_labels", "v1", {})
    assert audit.audited == 0 and audit.accuracy is None
    assert sample["verdict"].isna().all()


def test_checks_single_out_the_weak_annotator(contracts) -> None:
    spec = labeling_spec(contracts["support_ticket_labels"])
    frame, truth = _batch()
    gold = dict(list(truth.items())[:60])
    metrics = compute_batch(frame, gold, label_set=LABELS)
    sample, audit = draw_audit(frame, spec, "support_ticket_labels", "v1", truth)
    result = BatchResult(frame, metrics, sample, audit, {"2.2": len(frame)})
    checks = {c.name: c for c in judge(spec, result, accuracy_target=0.95)}
    flagged = metrics.annotators.loc[metrics.annotators["flagged"], "annotator"].tolist()
    assert flagged == ["AC-02"]
    gold_check = checks[CHECK_GOLD_ACCURACY]
    assert not gold_check.passed and gold_check.blocking
    assert gold_check.failures == 1  # the acme vendor only
    assert gold_check.details == {"flagged_annotators": ["AC-02"]}
    assert "acme" in gold_check.description and "in_house" not in gold_check.description
    # Three annotators per item, one of four often wrong: agreement stays above 0.667.
    assert checks[CHECK_AGREEMENT].passed
    assert checks[CHECK_AGREEMENT].value == pytest.approx(metrics.krippendorff_alpha)
    assert not checks[CHECK_AUDIT_ACCURACY].passed and not checks[CHECK_AUDIT_ACCURACY].blocking
    assert checks[CHECK_GUIDELINES].passed
    stale = BatchResult(frame, metrics, sample, audit, {"2.0": 10, "2.2": len(frame) - 10})
    guideline = {c.name: c for c in judge(spec, stale, 0.95)}[CHECK_GUIDELINES]
    assert not guideline.passed and guideline.failures == 10


def test_agreement_below_target_fails_the_blocking_check(contracts) -> None:
    spec = labeling_spec(contracts["support_ticket_labels"])
    frame, _ = _batch(weak=0.4)
    metrics = compute_batch(frame, {}, label_set=LABELS)
    sample, audit = draw_audit(frame, spec, "support_ticket_labels", "v1", {})
    checks = {c.name: c for c in judge(spec, BatchResult(frame, metrics, sample, audit,
                                                         {"2.2": len(frame)}), 0.95)}
    agreement = checks[CHECK_AGREEMENT]
    assert agreement.value < 0.667 and not agreement.passed and agreement.blocking
    # No gold items: the gold check cannot pass on no evidence.
    assert not checks[CHECK_GOLD_ACCURACY].passed
    assert checks[CHECK_GOLD_ACCURACY].description == "no gold items in this batch"
