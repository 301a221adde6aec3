"""Which service-level checks, assets, job and schedule the contracts produce."""

from __future__ import annotations

import dataclasses

import dagster as dg

from dataops_assets import keys
from dataops_assets.service_levels.checks import build_service_level_checks


def _check_names(contract) -> set[tuple[str, str]]:
    return {(k.asset_key.path[-1], k.name) for c in build_service_level_checks(contract)
            for k in c.check_keys}


def test_checks_only_where_the_contract_declares_a_target(contracts) -> None:
    assert _check_names(contracts["loan_applications"]) == {
        ("delivered", keys.CHECK_LATENCY), ("intake", keys.CHECK_ARRIVAL)}
    assert ("delivered", keys.CHECK_AVAILABILITY) in _check_names(contracts["support_tickets"])
    assert {n for s, n in _check_names(contracts["support_ticket_labels"]) if s == "labeling"} \
        == {keys.CHECK_LABELING_TURNAROUND, keys.CHECK_LABELING_THROUGHPUT,
            keys.CHECK_LABELING_COST}
    bare = contracts["support_tickets"]
    bare = dataclasses.replace(
        bare, slas=tuple(s for s in bare.slas if s.name in ("freshness", "retention")),
        custom={k: v for k, v in bare.custom.items() if k != "serviceLevels"})
    assert build_service_level_checks(bare) == []


def test_checks_never_block_and_carry_the_contract_severity_in_results(contracts) -> None:
    for contract in contracts.values():
        for checks in build_service_level_checks(contract):
            for spec in checks.check_specs:
                assert not spec.blocking
                assert "Never blocks" in (spec.description or "")


def test_pipeline_health_has_its_own_job_and_schedule_outside_the_pipeline(defs,
                                                                            contracts) -> None:
    health = {keys.stage_key(name, keys.PIPELINE_HEALTH) for name in contracts}
    job = defs.resolve_job_def(keys.PIPELINE_HEALTH_JOB)
    assert set(job.asset_layer.selected_asset_keys) == health
    for name in contracts:
        pipeline = defs.resolve_job_def(keys.job_name(name))
        selected = set(pipeline.asset_layer.selected_asset_keys)
        assert keys.stage_key(name, keys.PIPELINE_HEALTH) not in selected
        assert keys.stage_key(name, keys.DELIVERED) in selected
        # The service-level checks run inside the dataset's pipeline job.
        check_names = {k.name for k in pipeline.asset_layer.asset_graph.asset_check_keys
                       if k.asset_key.path[0] == name}
        assert keys.CHECK_LATENCY in check_names
    schedule = defs.resolve_schedule_def(keys.PIPELINE_HEALTH_SCHEDULE)
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.job_name == keys.PIPELINE_HEALTH_JOB
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
