"""Every job, sensor, schedule, asset and check name in the Definitions comes from keys.py."""

from __future__ import annotations

import ast
from pathlib import Path

from dataops_assets import keys
from governance.labeling.spec import labeling_spec
from governance.quality.rules import quality_spec
from governance.representation.spec import representation_spec

PACKAGE = Path(keys.__file__).parent


def _expected(contracts) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"jobs": {keys.RETENTION_JOB}, "schedules":
                                {keys.RETENTION_SCHEDULE},
                                "sensors": {keys.DATASHEET_AFTER_SUCCESS,
                                            keys.DATASHEET_AFTER_FAILURE,
                                            keys.INCIDENT_SENSOR},
                                "assets": set()}
    # Service levels: one pipeline-health job and its daily schedule for every dataset.
    out["jobs"].add(keys.PIPELINE_HEALTH_JOB)
    out["schedules"].add(keys.PIPELINE_HEALTH_SCHEDULE)
    # Reporting: the weekly report asset, its job and its Monday schedule.
    out["jobs"].add(keys.WEEKLY_REPORT_JOB)
    out["schedules"].add(keys.WEEKLY_REPORT_SCHEDULE)
    # The governance portal: one asset and its on-demand job.
    out["jobs"].add(keys.PORTAL_JOB)
    out["assets"].add(keys.PORTAL_KEY.to_user_string())
    out["assets"].add(keys.WEEKLY_REPORT_KEY.to_user_string())
    for contract in contracts:
        for kind, names in keys.dataset_names(
                contract.name, labeling_spec(contract) is not None,
                representation_spec(contract) is not None).items():
            out[kind] |= names
    return out


def test_every_definition_name_comes_from_the_keys_module(defs, contracts):
    found = {
        "jobs": {j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")},
        "schedules": {s.name for s in defs.schedules},
        "sensors": {s.name for s in defs.sensors},
        "assets": {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()},
    }
    assert found == _expected(contracts.values())


def test_every_check_name_comes_from_the_keys_module(defs, contracts):
    allowed = {keys.CHECK_INTAKE_COMPLETE, keys.CHECK_PII_DECLARED, keys.CHECK_PII_RESCAN,
               keys.CHECK_FRESHNESS, keys.CHECK_TARGETS, keys.CHECK_DRIFT_WITHIN,
               keys.CHECK_REPRESENTATION, *keys.CHECKS_LABELING}
    allowed |= set(keys.SERVICE_LEVEL_CHECKS)
    allowed.add(keys.CHECK_BUDGET)  # on every annotation dataset's labeling_budget
    # Quality rule families are named by the contract's rules (governance.quality.rules).
    for contract in contracts.values():
        allowed |= set(quality_spec(contract).families)
    graph = defs.resolve_asset_graph()
    checks = {c.name for c in graph.asset_check_keys}
    assert checks <= allowed
    assert keys.CHECK_FRESHNESS in checks  # the demo contracts declare a freshness SLA


def test_no_module_spells_a_name_suffix_by_hand():
    # Names like f"{dataset}_pipeline" are built in keys.py only.
    suffixes = ("_pipeline", "_datasheet", "_landing", "_drift_refresh", "_versions", "_refresh")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(
                    node.values[-1], ast.Constant) and str(node.values[-1].value).endswith(
                    suffixes):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders
