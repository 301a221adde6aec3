"""Quality metrics on a small hand-computed case, and the evaluation that records them."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from governance.identifiers import qualified
from governance.quality.evaluate import evaluate_version
from governance.quality.metrics import OVERALL
from governance.quality.rules import quality_spec
from governance.stages import delivery_blockers
from governance.storage import ensure_stage_table, transaction
from tests.governance.quality.test_engines import T0, _row

NOW = datetime(2026, 11, 2, 9)


@pytest.fixture
def conn(loans):
    conn = duckdb.connect()
    table = ensure_stage_table(conn, loans, "validated")
    rows = [_row(i) for i in range(1, 201)]
    rows[0]["phone"] = "555-0100"                    # phone is the only sparse column
    rows[1]["credit_score"] = 900                    # 1 invalid row
    rows[2]["employment_status"] = "contractor"      # and another
    rows[3]["application_id"] = rows[4]["application_id"]  # 2 rows share a key
    rows[5]["decision_at"] = T0 - timedelta(hours=1)       # 1 inconsistent row
    frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB's replacement scan
    conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    return conn


def _metrics(quality) -> dict[tuple[str, str], float | None]:
    return {(m.dimension, m.column): m.value for m in quality.metrics}


def test_dimensions_match_hand_computed_values(conn, loans, tmp_path):
    reference = tmp_path / "ref.csv"
    # 4 audited rows: employment agrees 4/4, credit score 3/4 (row 2 holds 900).
    reference.write_text("application_id,employment_status,credit_score\n"
                         "A-0000001,employed,700\nA-0000002,employed,700\n"
                         "A-0000007,employed,700\nA-0000008,employed,700\n")
    spec = quality_spec(loans)
    with transaction(conn):
        quality = evaluate_version(conn, qualified("loan_applications", "validated"), "v1",
                                   loans, spec, arrived_at=NOW - timedelta(hours=3),
                                   reference=reference, now=NOW)
    m = _metrics(quality)
    assert m[("completeness", "phone")] == pytest.approx(1 / 200)
    assert m[("completeness", "email")] == 1.0
    assert m[("completeness", OVERALL)] == pytest.approx((14 * 200 - 199) / (14 * 200))
    assert m[("validity", OVERALL)] == pytest.approx(198 / 200)
    assert m[("uniqueness", OVERALL)] == pytest.approx(198 / 200)
    assert m[("consistency", OVERALL)] == pytest.approx(199 / 200)
    assert m[("freshness", "arrival_age_hours")] == pytest.approx(3.0)
    assert m[("freshness", OVERALL)] == pytest.approx(24.0)  # newest applied_at is T0
    assert m[("accuracy", "credit_score")] == pytest.approx(0.75)
    assert m[("accuracy", "employment_status")] == 1.0
    assert m[("accuracy", OVERALL)] == pytest.approx(7 / 8)
    missed = {x.dimension for x in quality.missed_targets}
    assert missed == {"completeness", "validity", "uniqueness", "consistency", "accuracy"}
    rows = conn.execute("SELECT dimension, count(*) FROM quality_metrics GROUP BY 1 "
                        "ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == ["accuracy", "completeness", "consistency", "freshness",
                                    "uniqueness", "validity"]
    # The failed blocking checks are recorded, and delivery reads them.
    assert delivery_blockers(conn, loans, "v1")[0].startswith(
        "blocking check(s) failed: allowed_values, cross_field_consistency, unique_keys, "
        "value_ranges")


def test_accuracy_without_a_reference_is_recorded_as_unmeasured(conn, loans):
    with transaction(conn):
        quality = evaluate_version(conn, qualified("loan_applications", "validated"), "v1",
                                   loans, quality_spec(loans), NOW, None, NOW)
    accuracy = quality.dimension("accuracy")
    assert accuracy.value is None and accuracy.passed is None and accuracy.target == 0.95
