"""Quality checks wired into the demo: counts, masked samples, blocking, metrics per version."""

from __future__ import annotations

import dagster as dg

from governance.contracts import load_contracts
from governance.identifiers import qualified
from governance.quality.metrics import DIMENSIONS
from governance.quality.pandera_engine import load_frame, validate_frame
from governance.quality.rules import quality_spec
from governance.quality.sql_engine import validate_table
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR


def _evaluations(instance: dg.DagsterInstance, dataset: str, version: str) -> dict:
    key = dg.AssetKey([dataset, "validated"])
    records = instance.get_records_for_run(
        run_id=_run_for(instance, dataset, version),
        of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    out = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.asset_key == key:
            out[evaluation.check_name] = evaluation
    return out


def _run_for(instance: dg.DagsterInstance, dataset: str, version: str) -> str:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": version},
                                                   job_name=f"{dataset}_pipeline"))
    return runs[0].run_id


def test_defective_loan_version_fails_checks_with_counts_and_masked_samples(demo):
    instance = demo.instance
    evals = _evaluations(instance, "loan_applications", "v2")
    failed = {name for name, e in evals.items() if not e.passed}
    assert failed == {"intake_complete", "required_values", "unique_keys", "allowed_values",
                      "value_ranges", "cross_field_consistency", "quality_targets"}
    ranges = evals["value_ranges"].metadata
    assert ranges["failures"].value == 2
    assert ranges["failures_by_rule"].value["loan_amount.in_range"] == 1
    assert ranges["failing_row_ids"].value == {"loan_amount.in_range": [704],
                                               "credit_score.in_range": [1290]}
    assert "-2500.0" in ranges["details"].value
    required = evals["required_values"].metadata["details"].value
    assert "applicant_name.not_null | 1 | 1977 | <null>" in required
    assert evals["intake_complete"].metadata["quarantined"].value == 1
    assert evals["value_ranges"].severity == dg.AssetCheckSeverity.ERROR


def test_clean_versions_pass_every_check_and_are_delivered(demo):
    data_dir, instance = demo.data_dir, demo.instance
    for dataset in ("support_tickets", "loan_applications"):
        evals = _evaluations(instance, dataset, "v1")
        assert evals and all(e.passed for e in evals.values()), dataset
        assert Layout(data_dir).delivered_file(dataset, "v1").exists()
        assert not Layout(data_dir).delivered_file(dataset, "v2").exists()
    key = dg.AssetKey(["loan_applications", "delivered"])
    assert instance.get_materialized_partitions(key) == {"v1"}


def test_warning_family_does_not_block(demo):
    instance = demo.instance
    evals = _evaluations(instance, "support_tickets", "v1")
    assert evals["text_patterns"].severity == dg.AssetCheckSeverity.WARN


def test_quality_metrics_hold_every_dimension_for_every_version(demo):
    data_dir, instance = demo.data_dir, demo.instance
    with open_warehouse(Layout(data_dir)).reader() as conn:
        rows = conn.execute("SELECT dataset, version, dimension FROM quality_metrics "
                            "WHERE \"column\" = '*' AND value IS NOT NULL").fetchall()
        missed = conn.execute("SELECT dataset, version, dimension FROM quality_metrics "
                              "WHERE passed = false ORDER BY 1, 2, 3").fetchall()
    got = {(d, v): set() for d, v, _ in rows}
    for d, v, dim in rows:
        got[(d, v)].add(dim)
    versions = [("support_tickets", "v1"), ("support_tickets", "v2"), ("support_tickets", "v3"),
                ("loan_applications", "v1"), ("loan_applications", "v2"),
                ("support_ticket_labels", "v1"), ("support_ticket_labels", "v2")]
    assert got == {key: set(DIMENSIONS) for key in versions}
    # Clean first versions meet every target, except the labeling batch whose audit found
    # the weak annotator's labels.
    assert {(d, v, m) for d, v, m in missed if v == "v1"} == {
        ("support_ticket_labels", "v1", "accuracy")}
    mat = instance.get_latest_materialization_event(
        dg.AssetKey(["loan_applications", "validated"])).asset_materialization
    assert {f"quality/{d}" for d in DIMENSIONS} <= set(mat.metadata)


def test_pandera_and_sql_engines_agree_on_the_demo(demo):
    data_dir = demo.data_dir
    contracts = {c.name: c for c in load_contracts(CONTRACTS_DIR)}
    with open_warehouse(Layout(data_dir)).reader() as conn:
        for name, contract in contracts.items():
            spec = quality_spec(contract)
            table = qualified(name, "validated")
            for version in ("v1", "v2"):
                sql = validate_table(conn, table, version, spec)
                frame = load_frame(conn, table, version, contract.column_names)
                pandas_report = validate_frame(frame, contract, spec)
                assert sql.comparable() == pandas_report.comparable(), (name, version)
                assert sql.rows == pandas_report.rows > 0


def test_freshness_sla_is_a_policy_on_validated_and_a_check_per_version(defs, contracts, demo):
    graph = defs.resolve_asset_graph()
    for contract in contracts.values():
        sla = contract.sla("freshness")
        policy = graph.get(dg.AssetKey([contract.name, "validated"])).freshness_policy
        assert sla is not None and policy.fail_window.to_timedelta() == sla.duration
    # Per version, the check compares the newest record's age with the same SLA.
    loans = contracts["loan_applications"]
    check = _evaluations(demo.instance, "loan_applications", "v1")["freshness_within_sla"]
    meta = {k: v.value for k, v in check.metadata.items()}
    assert meta["sla_hours"] == loans.sla("freshness").duration.total_seconds() / 3600
    assert check.passed == (meta["newest_record_age_hours"] <= meta["sla_hours"])
