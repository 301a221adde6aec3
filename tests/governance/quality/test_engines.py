"""The Pandera and DuckDB engines: each rule kind, the same answers, masked samples."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from governance.identifiers import qualified
from governance.quality.pandera_engine import load_frame, validate_frame
from governance.quality.results import RuleResult
from governance.quality.rules import Rule, quality_spec
from governance.quality.sql_engine import validate_table
from governance.storage import ensure_stage_table

T0 = datetime(2026, 11, 1, 9)


def _row(i: int, **over) -> dict:
    row = {"_version": "v1", "_row_id": i, "application_id": f"A-{i:07d}", "applied_at": T0,
           "decision_at": T0.replace(hour=12), "applicant_name": "Maria Lopez",
           "email": f"maria{i}@example.com", "phone": None,
           "date_of_birth": datetime(1980, 1, 1).date(), "annual_income": 50000.0,
           "loan_amount": 10000.0, "term_months": 36, "employment_status": "employed",
           "credit_score": 700, "purpose": "car", "defaulted": False}
    row.update(over)
    return row


DEFECTS = {
    2: {"applicant_name": None},                        # required
    3: {"application_id": "A-0000004"},                 # duplicates row 4's id
    5: {"credit_score": 900},                           # above range
    6: {"loan_amount": 100.0},                          # below range
    7: {"employment_status": "contractor"},             # not in enum
    8: {"term_months": 18},                             # not in enum (integer)
    9: {"application_id": "B-1"},                       # pattern
    10: {"decision_at": T0.replace(hour=8)},            # decision before application
    11: {"decision_at": None, "credit_score": None},    # nulls pass non-null rules
}


@pytest.fixture
def conn(loans):
    conn = duckdb.connect()
    table = ensure_stage_table(conn, loans, "validated")
    rows = [_row(i, **DEFECTS.get(i, {})) for i in range(1, 121)]
    frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB's replacement scan
    conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    return conn


EXPECTED = {
    "applicant_name.not_null": (1, [2]),
    "application_id.unique": (2, [3, 4]),
    "credit_score.in_range": (1, [5]),
    "loan_amount.in_range": (1, [6]),
    "employment_status.isin": (1, [7]),
    "term_months.isin": (1, [8]),
    "application_id.pattern": (1, [9]),
    "decision_after_application": (1, [10]),
    "decision_at.not_null": (1, [11]),
    "credit_score.not_null": (1, [11]),
}


@pytest.mark.parametrize("engine", ["pandera", "sql"])
def test_each_rule_kind_finds_its_planted_defect(conn, loans, engine):
    spec = quality_spec(loans)
    table = qualified("loan_applications", "validated")
    if engine == "sql":
        report = validate_table(conn, table, "v1", spec)
    else:
        report = validate_frame(load_frame(conn, table, "v1", loans.column_names), loans, spec)
    failing = {rid: v for rid, v in report.comparable().items() if v[0]}
    assert failing == EXPECTED
    assert report.rows == 120


def test_engines_agree_and_row_count_rule(conn, loans):
    spec = quality_spec(loans)
    table = qualified("loan_applications", "validated")
    conn.execute(f"DELETE FROM {table} WHERE _row_id > 50")
    sql = validate_table(conn, table, "v1", spec)
    pandas_report = validate_frame(load_frame(conn, table, "v1", loans.column_names), loans, spec)
    assert sql.comparable() == pandas_report.comparable()
    assert sql.results["minimum_batch_size"].failures == 1  # 50 rows < 100


def test_samples_are_masked_for_personal_columns(conn, loans):
    spec = quality_spec(loans)
    table = qualified("loan_applications", "validated")
    conn.execute(f"UPDATE {table} SET email = NULL WHERE _row_id = 12")
    conn.execute(f"UPDATE {table} SET applicant_name = 'Maria Lopez' WHERE _row_id = 2")
    report = validate_table(conn, table, "v1", spec)
    assert report.results["employment_status.isin"].samples(loans) == ["contractor"]
    assert report.results["credit_score.in_range"].samples(loans) == ["900"]
    # A duplicated key is internal, shown as is; an e-mail or name would be masked.
    assert report.results["application_id.unique"].samples(loans) == ["A-0000004"] * 2
    assert report.results["email.not_null"].samples(loans) == ["<null>"]
    compare = report.results["decision_after_application"].samples(loans)
    assert compare == ["decision_at=2026-11-01 08:00:00, applied_at=2026-11-01 09:00:00"]


def test_personal_values_never_appear_unmasked(loans):
    rule = Rule("email.pattern", "text_patterns", "pattern", "email", {"pattern": "x"})
    result = RuleResult(rule, 2, [1, 2], ["maria.lopez@example.com", "jo"])
    assert result.samples(loans) == ["m********z@e********m", "**"]
