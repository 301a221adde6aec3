"""The frozen PII regression set is well formed (checked without running any engine)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def test_frozen_sentences_are_well_formed() -> None:
    """300 templated sentences and 20 lookalike-heavy ones, spans inside their text, some
    quoting nobody, every main type present."""
    rows = [json.loads(line) for line in
            (DATA / "frozen_sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 320
    types = set()
    for r in rows:
        for start, end, kind in r["spans"]:
            assert 0 <= start < end <= len(r["text"])
            assert r["text"][start:end].strip() == r["text"][start:end]
            types.add(kind)
    assert sum(not r["spans"] for r in rows) >= 40
    assert {"PERSON", "LOCATION", "PHONE_NUMBER", "CREDIT_CARD", "DATE_OF_BIRTH"} <= types


def test_frozen_table_matches_its_truth() -> None:
    """The table's header is the truth's, with 24+ columns, both personal and not."""
    truth = json.loads((DATA / "frozen_table_truth.json").read_text(encoding="utf-8"))
    with (DATA / "frozen_table.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        n_rows = sum(1 for _ in reader)
    assert header == [c["header"] for c in truth["columns"]]
    assert len(header) >= 24
    assert n_rows == truth["rows"]
    assert {c["personal"] for c in truth["columns"]} == {True, False}
    assert all(c["entities"] for c in truth["columns"] if c["personal"])
