"""Regression floors for PII detection on a frozen slice of the HELD-OUT evaluation data.

The data (tests/governance/pii/data, written by bench/freeze_pii_regression.py) comes from
the held-out half of bench/pii_eval_data.py: locales en_GB, it_IT, no_NO, pl_PL, pt_BR and
sentence templates the engine is not tuned on. Scoring is bench/pii_metrics.py's, the same
as bench/pii.py's. Failure messages carry figures and entity types only, never values.

The floors are the targets of issue 11; a recall drop below them fails the suite.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from governance.pii.redact import redact_texts
from governance.pii.scan import scan_file

FLOOR_RECALL = 0.95           # overall span recall (gold values not surviving redaction)
FLOOR_TYPE_RECALL = 0.90      # per entity type below
FLOOR_TYPES = ("PERSON", "LOCATION", "PHONE_NUMBER", "CREDIT_CARD", "DATE_OF_BIRTH")
MAX_CLEAN_CHANGED = 0.05      # share of sentences quoting nobody that redaction may change
FLOOR_F1 = 0.95               # column-level F1 of the personal verdict
FLOOR_ENTITY_ACC = 0.90       # personal columns flagged with an acceptable main entity

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]
TODAY_FOR_AGES = "2026-11-25"  # bench/pii_eval_data.REFERENCE_DATE


def _metrics() -> ModuleType:
    """bench/pii_metrics.py, loaded by path (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("pii_metrics", REPO / "bench" / "pii_metrics.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("pii_metrics", module)
    spec.loader.exec_module(module)
    return module


METRICS = _metrics()


@pytest.fixture(scope="module")
def span_score() -> Any:
    """Redact the frozen sentences once and score the leaks."""
    rows = [json.loads(line) for line in
            (DATA / "frozen_sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in rows]
    spans = [[tuple(s) for s in r["spans"]] for r in rows]
    redacted, _ = redact_texts(texts)
    return METRICS.score_spans(texts, spans, redacted)


@pytest.fixture(scope="module")
def column_scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Scan the frozen table with named headers and an anonymised copy; score both."""
    from datetime import date

    truth = json.loads((DATA / "frozen_table_truth.json").read_text(encoding="utf-8"))
    cols = [METRICS.ColumnTruthLike(c["key"], c["personal"], frozenset(c["entities"]))
            for c in truth["columns"]]
    named = DATA / "frozen_table.csv"
    anon = tmp_path_factory.mktemp("pii") / "frozen_table_anonymised.csv"
    lines = named.read_text(encoding="utf-8").split("\n", 1)
    anon.write_text(",".join(c["anonymised"] for c in truth["columns"]) + "\n" + lines[1],
                    encoding="utf-8")
    today = date.fromisoformat(TODAY_FOR_AGES)
    out = {}
    for mode, path, hints, key in (("named", named, True, "header"),
                                   ("anonymised", anon, False, "anonymised")):
        to_key = {c[key]: c["key"] for c in truth["columns"]}
        result = scan_file(path, use_name_hints=hints, today=today)
        verdicts = {to_key[f.name]: (bool(f.pii), f.main_entity if f.pii else None)
                    for f in result.columns}
        out[mode] = METRICS.score_columns(cols, verdicts)
    return out


def _span_summary(s: Any) -> str:
    per_type = ", ".join(f"{t} {k}/{n}" for t, (k, n) in s.by_type.items())
    leaked = Counter(t for t, _ in s.leaks)
    return (f"overall recall {s.recall:.3f}; kept/total by type: {per_type}; "
            f"leaked values by type: {dict(leaked.most_common())}; no-person sentences "
            f"changed {s.clean_changed}/{s.clean_total}")


def _column_summary(c: Any) -> str:
    wrong = "; ".join(f"{k} (expected {want}, got {got})" for k, want, got in c.wrong)
    return (f"precision {c.precision:.3f}, recall {c.recall:.3f}, F1 {c.f1:.3f}, entity acc "
            f"{c.entity_accuracy:.3f}; wrong columns: {wrong or '-'}")


def test_overall_span_recall(span_score: Any) -> None:
    """At least 95% of the gold personal values are gone after redaction."""
    recall = span_score.recall  # a plain float: pytest then prints no object repr
    assert recall >= FLOOR_RECALL, _span_summary(span_score)


@pytest.mark.parametrize("entity", FLOOR_TYPES)
def test_span_recall_per_type(span_score: Any, entity: str) -> None:
    """At least 90% of each main entity type's gold values are gone."""
    recall = span_score.type_recall(entity)
    assert recall >= FLOOR_TYPE_RECALL, f"{entity} recall {recall:.3f}; " + \
        _span_summary(span_score)


def test_sentences_quoting_nobody_stay_unchanged(span_score: Any) -> None:
    """Redaction leaves at least 95% of the sentences without personal data untouched."""
    total, changed = span_score.clean_total, span_score.clean_changed_share
    assert total > 0
    assert changed <= MAX_CLEAN_CHANGED, (
        f"{changed:.1%} of no-person sentences changed; " + _span_summary(span_score))


@pytest.mark.parametrize("mode", ["named", "anonymised"])
def test_column_f1(column_scores: dict[str, Any], mode: str) -> None:
    """The personal verdict per column reaches F1 0.95 with and without header names."""
    score = column_scores[mode]
    f1 = score.f1
    assert f1 >= FLOOR_F1, f"{mode}: " + _column_summary(score)


@pytest.mark.parametrize("mode", ["named", "anonymised"])
def test_column_entity_accuracy(column_scores: dict[str, Any], mode: str) -> None:
    """At least 90% of personal columns are flagged with an acceptable main entity."""
    score = column_scores[mode]
    accuracy = score.entity_accuracy
    assert accuracy >= FLOOR_ENTITY_ACC, f"{mode}: " + _column_summary(score)
