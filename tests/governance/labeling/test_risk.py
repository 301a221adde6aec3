"""The risk audit sample: settings, cleanlab scores, and how it sits beside the random sample."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from governance.errors import ContractError
from governance.labeling.batch import draw_audit
from governance.labeling.confusion import judged_labels
from governance.labeling.metrics import compute_batch
from governance.labeling.risk import label_quality
from governance.labeling.risk_audit import draw_risk_sample, ratio, risk_audit
from governance.labeling.risk_plan import RiskAuditPlan, risk_audit_plan
from governance.labeling.spec import labeling_spec

DATASET = "support_ticket_labels"
LABELS = ("billing", "technical", "account", "shipping", "other")
WORDS = {
    "billing": "invoice charged twice refund payment card bill",
    "technical": "app crashes error bug sync loading export",
    "account": "login password reset locked two-factor e-mail account",
    "shipping": "parcel delivery tracking order late damaged courier",
    "other": "suggestion feedback discount partnership question policy",
}
TEAM = {"IH-01": "in_house", "IH-02": "in_house", "AC-01": "acme", "AC-02": "acme"}
T0 = datetime(2026, 11, 20, 9)


def _text(rng: random.Random, label: str) -> str:
    return " ".join(rng.sample(WORDS[label].split(), 4))


def _batch(items: int = 100, errors: int = 8, seed: int = 7):
    """Items with text, 3 labels each; `errors` labels are planted wrong, at most one per
    item (so the item's other two labels agree on the truth)."""
    rng = random.Random(seed)
    truth = {f"T-{n:06d}": LABELS[n % 5] for n in range(items)}
    texts = {item: _text(rng, label) for item, label in truth.items()}
    planted_items = set(rng.sample(sorted(truth), errors))
    rows, planted = [], set()
    for n, (item, label) in enumerate(truth.items()):
        for k, who in enumerate(rng.sample(sorted(TEAM), 3)):
            given = label
            if item in planted_items and k == 0:
                given = LABELS[(LABELS.index(label) + 1) % 5]
                planted.add((item, who))
            start = T0 + timedelta(minutes=n)
            rows.append({"item": item, "annotator": who, "vendor": TEAM[who], "label": given,
                         "started_at": start, "finished_at": start + timedelta(seconds=40),
                         "cost": 0.1, "guidelines_version": "2.2"})
    return pd.DataFrame(rows), truth, texts, planted


def _tickets(texts: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose support_tickets.delivered holds the items' text."""
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA support_tickets")
    conn.execute('CREATE TABLE support_tickets.delivered (ticket_id VARCHAR, subject VARCHAR, '
                 'body VARCHAR, "_version" VARCHAR)')
    conn.executemany("INSERT INTO support_tickets.delivered VALUES (?, ?, ?, 'v1')",
                     [(i, "Help", t) for i, t in texts.items()])
    return conn


def test_risk_settings_are_read_checked_and_sized(contracts) -> None:
    plan = labeling_spec(contracts[DATASET]).risk_audit
    assert plan == RiskAuditPlan("ticket_id", ("subject", "body"), 0.05, None, 5)
    assert plan.size(900) == 45 and plan.size(10) == 1
    fail = ContractError
    counted = risk_audit_plan({"size": 40, "key": "id", "textColumn": "body"},
                              lambda w, r: fail("c", w, r))
    assert (counted.count, counted.text_columns, counted.size(30)) == (40, ("body",), 30)
    assert risk_audit_plan(None, lambda w, r: fail("c", w, r)) is None
    for bad, where in (({"key": "id"}, "riskAudit.textColumn"),
                       ({"textColumn": "body"}, "riskAudit.key"),
                       ({"key": "id", "textColumn": "body", "size": 1.5}, "riskAudit.size"),
                       ({"key": "id", "textColumn": "body", "size": -1}, "riskAudit.size"),
                       ({"key": "id", "textColumn": "b; drop", "size": 3},
                        "riskAudit.textColumn"),
                       ({"key": "id", "textColumn": "body", "folds": 1}, "riskAudit.folds"),
                       ({"key": "id", "textColumn": "body", "sise": 3}, "riskAudit")):
        with pytest.raises(ContractError) as err:
            risk_audit_plan(bad, lambda w, r: fail("c", f"customProperties.labeling.{w}", r))
        assert where in str(err.value)


def test_planted_errors_rank_below_clean_labels() -> None:
    frame, _, texts, planted = _batch()
    consensus = compute_batch(frame, {}, label_set=LABELS).consensus
    agreed = dict(zip(consensus["item"], consensus["label"], strict=True))
    scores = label_quality(frame, texts, agreed, LABELS, seed=11)
    assert len(scores) == len(frame)  # one score per given label, nothing else
    lowest = scores.sort_values("score").head(len(planted))
    assert set(zip(lowest["item"], lowest["annotator"], strict=True)) == planted
    clean = scores[[(i, a) not in planted for i, a in zip(scores["item"], scores["annotator"],
                                                          strict=True)]]
    assert lowest["score"].max() < clean["score"].min()
    # Same batch, same seed: the same scores.
    again = label_quality(frame.sample(frac=1, random_state=2), texts, agreed, LABELS, seed=11)
    merged = scores.merge(again, on=["item", "annotator"])
    assert merged["score_x"].to_numpy() == pytest.approx(merged["score_y"].to_numpy())


def test_risk_sample_is_seeded_and_leaves_out_the_random_sample() -> None:
    frame, _, _, _ = _batch(60, 0)
    # Many equal scores: the order among them comes from the seed alone.
    scores = frame[["item", "annotator"]].assign(score=[0.5 if n % 3 else 0.9
                                                         for n in range(len(frame))])
    random_sample = frame.iloc[::4]
    first = draw_risk_sample(scores, frame, random_sample, 20, seed=3)
    again = draw_risk_sample(scores, frame.sample(frac=1, random_state=1), random_sample, 20,
                             seed=3)
    other = draw_risk_sample(scores, frame, random_sample, 20, seed=4)
    key = ["item", "annotator"]
    assert first[key].equals(again[key]) and not first[key].equals(other[key])
    assert list(first["rank"]) == list(range(1, 21)) and (first["score"] == 0.5).all()
    taken = set(zip(random_sample["item"], random_sample["annotator"], strict=True))
    assert not taken & set(zip(first["item"], first["annotator"], strict=True))
    # Asking for more than is left gives what is left.
    assert len(draw_risk_sample(scores, frame, random_sample, 10_000, seed=3)) == \
        len(frame) - len(random_sample)


def test_risk_verdicts_find_errors_but_leave_accuracy_alone(contracts) -> None:
    spec = labeling_spec(contracts[DATASET])
    frame, truth, texts, planted = _batch(100, 12)
    metrics = compute_batch(frame, {}, label_set=LABELS)
    conn = _tickets(texts)
    # Verdicts on every item: the risk sample's labels get verdicts too.
    sample, audit = draw_audit(frame, spec, DATASET, "v1", truth)
    risk, outcome = risk_audit(conn, spec, frame, metrics.consensus, sample, truth, audit.seed)
    assert outcome.drawn and outcome.size == len(risk) == 15  # 5% of 300 labels
    assert outcome.items_with_text == outcome.items == 100
    # The planted errors the random sample missed are at the top of the risk sample.
    missed = planted - set(zip(sample["item"], sample["annotator"], strict=True))
    assert missed and set(zip(risk["item"], risk["annotator"], strict=True)) >= missed
    assert outcome.errors == len(missed) and outcome.error_rate == len(missed) / 15
    # The accuracy estimate is the random sample's, with or without verdicts on risk items.
    only_random = {i: truth[i] for i in set(sample["item"])}
    _, without = draw_audit(frame, spec, DATASET, "v1", only_random)
    assert (without.audited, without.correct) == (audit.audited, audit.correct)
    random_rate = (audit.audited - audit.correct) / audit.audited
    assert ratio(outcome.error_rate, random_rate) == pytest.approx(
        (len(missed) / 15) / random_rate)
    assert ratio(0.2, 0.0) is None and ratio(None, 0.1) is None
    # ... while the risk verdicts join the judged labels that feed errors and feedback.
    judged = judged_labels(frame, sample, {}, risk)
    assert (judged["source"] == "risk_audit").sum() == 15
    assert len(judged) == len(sample) + 15


def test_no_text_means_no_risk_sample(contracts) -> None:
    spec = labeling_spec(contracts[DATASET])
    frame, truth, _, _ = _batch(40, 2)
    metrics = compute_batch(frame, {}, label_set=LABELS)
    sample, audit = draw_audit(frame, spec, DATASET, "v1", truth)
    for conn in (duckdb.connect(), _tickets({"T-999999": "unrelated"})):
        risk, outcome = risk_audit(conn, spec, frame, metrics.consensus, sample, truth,
                                   audit.seed)
        assert not outcome.drawn and risk.empty and outcome.reason
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA support_tickets")
    conn.execute("CREATE TABLE support_tickets.delivered (ticket_id VARCHAR, _version VARCHAR)")
    _, outcome = risk_audit(conn, spec, frame, metrics.consensus, sample, truth, audit.seed)
    assert "no column(s) subject, body" in outcome.reason
