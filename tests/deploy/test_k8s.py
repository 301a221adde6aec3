"""The Kubernetes deployment (deploy/k8s/), checked offline: it has never run on a cluster.

Neither Docker nor Helm is on this machine, so nothing is built, rendered or installed. What is
checked instead:

- values.yaml against the chart's values schema, when $DATAOPS_HELM_SCHEMA names the chart's
  `values.schema.json` (from `helm pull dagster/dagster --version <dagster pin> --untar`). The
  schema is not kept in this repository (it is the Dagster project's file and comes with the
  chart), so without it those tests skip, saying so. Helm validates the chart's defaults
  merged with our values; the defaults are not here either, so a `required` key that is
  missing where maps merge (reached from the top through object keys only) is left to the
  defaults. Lists are replaced, not merged, so inside list items (a user deployment)
  `required` is enforced. The schema's remote `$ref`s to Kubernetes definitions cannot be
  fetched offline and are dropped, which makes them permissive: Kubernetes objects inside the
  values (env entries, volumes, probes, security contexts) are checked only for their declared
  JSON type.
- the Dockerfile: see tests/deploy/test_k8s_image.py.
- the environment of every pod that runs our code (code server and, through
  includeConfigInLaunchedRuns, run pods; Celery workers): each variable set is one the code
  reads, and each secret the code needs comes from a Kubernetes secret, never a literal.

Each check is a function returning the problems it found; the tests also feed it broken
copies to show it can fail.
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import REPO

K8S = REPO / "deploy" / "k8s"
SCHEMA_ENV = "DATAOPS_HELM_SCHEMA"
MODULE = "dataops_assets.cluster.definitions"
# Secrets the code location needs in every pod that runs its code.
NEEDED_SECRETS = {"DATAOPS_HASH_KEY", "DATAOPS_CELERY_BROKER", "DATAOPS_CELERY_BACKEND"}
# Variables whose value is a secret wherever they are set.
SECRET_NAMES = NEEDED_SECRETS | {"DAGSTER_PG_PASSWORD", "DATAOPS_PRINCIPAL_TOKEN"}
# Set in our manifests, read by Dagster rather than by our code, with the reason.
FRAMEWORK_ENV = {
    "DAGSTER_PG_PASSWORD": "the chart's instance dagster.yaml reads the PostgreSQL password",
    "DAGSTER_HOME": "Dagster's instance folder",
    "PYTHONPATH": "lets `celery -A dagster_celery.app` find dagster_celery_config",
}


def _yaml(name: str) -> Any:
    return yaml.safe_load((K8S / name).read_text())


def _code_env_names() -> set[str]:
    """Every DATAOPS_* variable named as a string in the code and the cluster profile."""
    names: set[str] = set()
    for folder in ("governance", "dataops_assets", "deploy/cluster"):
        for path in (REPO / folder).rglob("*.py"):
            names |= set(re.findall(r"[\"'](DATAOPS_[A-Z0-9_]+)[\"']", path.read_text()))
    return names


# --- values.yaml against the chart's schema ------------------------------------------------

def _without_remote_refs(node: Any) -> Any:
    """The schema with every `$ref` to an outside document removed (permissive offline)."""
    if isinstance(node, dict):
        return {k: _without_remote_refs(v) for k, v in node.items()
                if not (k == "$ref" and not str(v).startswith("#"))}
    if isinstance(node, list):
        return [_without_remote_refs(v) for v in node]
    return node


@cache
def _validator(path: Path) -> jsonschema.Draft202012Validator:
    schema = _without_remote_refs(json.loads(path.read_text()))
    return jsonschema.Draft202012Validator(schema)


def _chart_validator() -> jsonschema.Draft202012Validator:
    return _validator(_schema_path())


def _left_to_defaults(error: jsonschema.ValidationError) -> bool:
    """Whether the chart's merged defaults would supply what this error says is missing."""
    if error.validator == "required":
        return not any(isinstance(p, int) for p in error.absolute_path)
    if error.validator in ("anyOf", "oneOf"):
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context or []:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return any(all(_left_to_defaults(e) for e in errs) for errs in branches.values())
    return False


def _cause(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The most telling error under an anyOf/oneOf (for `[X, null]`, the one about X)."""
    subs = [e for e in error.context or [] if not _left_to_defaults(e)]
    subs = [e for e in subs if e.validator_value != "null"] or subs
    if error.validator in ("anyOf", "oneOf") and subs:
        return _cause(jsonschema.exceptions.best_match(subs))
    return error


def _schema_problems(values: dict[str, Any]) -> list[str]:
    """Schema errors of the values once merged over the chart's defaults."""
    causes = [_cause(e) for e in _chart_validator().iter_errors(values)
              if not _left_to_defaults(e)]
    return [f"{'/'.join(map(str, e.absolute_path)) or '<top>'}: {e.message}" for e in causes]


def _deployment(values: dict[str, Any]) -> dict[str, Any]:
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    return deployment


def _schema_path() -> Path:
    value = os.environ.get(SCHEMA_ENV, "")
    if not value or not Path(value).is_file():
        pytest.skip(f"the chart's values.schema.json is not here: set {SCHEMA_ENV} to it (it "
                    "comes with the chart: helm pull dagster/dagster --untar); offline and "
                    "without Helm this machine cannot get it")
    return Path(value)


def test_values_fit_the_chart_schema() -> None:
    assert _schema_problems(_yaml("values.yaml")) == []


@pytest.mark.parametrize(("change", "expected"), [
    # A misspelt key where the chart forbids unknown ones.
    (lambda v: v["runLauncher"]["config"]["k8sRunLauncher"].update(envSecret=[]),
     "Additional properties"),
    (lambda v: v["runLauncher"].update(type="CeleryRunLauncher"), "is not one of"),
    (lambda v: _deployment(v).update(port="4000"), "is not of type 'integer'"),
    # List items are not merged with defaults: a deployment must be complete.
    (lambda v: _deployment(v).pop("port"), "'port' is a required property"),
    (lambda v: v["postgresql"].update(postgresqlHost=["a", "b"]), "is not of type 'string'"),
])
def test_schema_check_catches_wrong_values(change: Any, expected: str) -> None:
    values = copy.deepcopy(_yaml("values.yaml"))
    change(values)
    problems = _schema_problems(values)
    assert any(expected in p for p in problems), problems


def test_keys_left_out_of_merged_maps_are_left_to_the_chart_defaults() -> None:
    # The schema requires postgresql.service; the chart's defaults give it, so leaving it out
    # of our values is fine...
    values = copy.deepcopy(_yaml("values.yaml"))
    values["postgresql"].pop("service")
    assert _schema_problems(values) == []
    # ...but a wrong value there is still caught.
    values["postgresql"]["service"] = {"port": "5432"}
    assert _schema_problems(values) == ["postgresql/service/port: '5432' is not of type 'integer'"]


def test_chart_images_match_the_pinned_dagster() -> None:
    pin = re.search(r"^dagster==(\S+)$", (REPO / "requirements.lock").read_text(), re.M)
    assert pin is not None
    values = _yaml("values.yaml")
    assert values["dagsterWebserver"]["image"]["tag"] == pin.group(1)
    assert values["dagsterDaemon"]["image"]["tag"] == pin.group(1)
    assert f"--version {pin.group(1)}" in (K8S / "values.yaml").read_text()


def test_postgresql_is_external_with_its_password_in_an_existing_secret() -> None:
    values = _yaml("values.yaml")
    assert values["postgresql"]["enabled"] is False
    assert "postgresqlPassword" not in values["postgresql"]
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"]


def test_runs_use_the_k8s_launcher_and_the_code_location_is_the_cluster_one() -> None:
    values = _yaml("values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    deployment = _deployment(values)
    assert deployment["codeServerArgs"] == ["-m", MODULE]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}


# --- the environment of every pod running our code -----------------------------------------

def _pods() -> dict[str, dict[str, Any]]:
    """Env, volumes and mounts of each pod that runs our code, by a readable name."""
    deployment = _deployment(_yaml("values.yaml"))
    worker = _yaml("celery-workers.yaml")["spec"]["template"]["spec"]
    (container,) = worker["containers"]
    return {
        "code location (values.yaml)": {"env": deployment["env"],
                                        "volumes": deployment["volumes"],
                                        "mounts": deployment["volumeMounts"]},
        "Celery worker (celery-workers.yaml)": {"env": container["env"],
                                                "volumes": worker["volumes"],
                                                "mounts": container["volumeMounts"]},
    }


def _mounted_at(path: str, pod: dict[str, Any]) -> dict[str, Any] | None:
    """The volume mounted at or above `path`, if any."""
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in pod["mounts"]:
        if path == mount["mountPath"] or path.startswith(mount["mountPath"].rstrip("/") + "/"):
            return volumes[mount["name"]]
    return None


def _env_problems(pod: dict[str, Any], code_names: set[str]) -> list[str]:
    """What is wrong with one pod's environment."""
    problems = []
    env = {e["name"]: e for e in pod["env"]}
    for name, entry in env.items():
        if name not in code_names and name not in FRAMEWORK_ENV:
            problems.append(f"{name} is set but no code reads it")
        if name in SECRET_NAMES and ("value" in entry or
                                     "secretKeyRef" not in entry.get("valueFrom", {})):
            problems.append(f"{name} is a secret but is not taken from a Kubernetes secret")
    for name in sorted(NEEDED_SECRETS - set(env)):
        problems.append(f"{name} is needed by the code but not provided")
    audit = env.get("DATAOPS_AUDIT_KEY", {}).get("value", "")
    if "secret" not in (_mounted_at(audit, pod) or {}):
        problems.append("DATAOPS_AUDIT_KEY does not point into a mounted secret")
    data = env.get("DATAOPS_DATA_DIR", {}).get("value", "")
    if "persistentVolumeClaim" not in (_mounted_at(data, pod) or {}):
        problems.append("DATAOPS_DATA_DIR is not on the shared volume")
    if env.get("DATAOPS_WAREHOUSE", {}).get("value") != "parquet":
        problems.append("DATAOPS_WAREHOUSE is not parquet (the backend for many writers)")
    return problems


@pytest.mark.parametrize("where", ["code location (values.yaml)",
                                   "Celery worker (celery-workers.yaml)"])
def test_pod_environment_is_read_by_the_code_and_secrets_come_from_secrets(where: str) -> None:
    assert _env_problems(_pods()[where], _code_env_names()) == []


def test_the_secrets_named_are_ones_the_code_reads() -> None:
    assert NEEDED_SECRETS | {"DATAOPS_AUDIT_KEY"} <= _code_env_names()


@pytest.mark.parametrize(("name", "entry", "expected"), [
    ("DATAOPS_HASHKEY", {"value": "x"}, "DATAOPS_HASHKEY is set but no code reads it"),
    ("DATAOPS_HASH_KEY", {"value": "literal"}, "DATAOPS_HASH_KEY is a secret"),
    ("DATAOPS_CELERY_BROKER", None, "DATAOPS_CELERY_BROKER is needed"),
    ("DATAOPS_AUDIT_KEY", {"value": "/data/audit_ed25519"}, "DATAOPS_AUDIT_KEY does not point"),
    ("DATAOPS_DATA_DIR", {"value": "/tmp/data"}, "DATAOPS_DATA_DIR is not on the shared"),
    ("DATAOPS_WAREHOUSE", {"value": "duckdb"}, "DATAOPS_WAREHOUSE is not parquet"),
])
def test_env_check_catches_a_broken_environment(name: str, entry: dict[str, Any] | None,
                                                expected: str) -> None:
    pod = copy.deepcopy(_pods()["code location (values.yaml)"])
    pod["env"] = [e for e in pod["env"] if e["name"] != name]
    if entry is not None:
        pod["env"].append({"name": name, **entry})
    problems = _env_problems(pod, _code_env_names())
    assert any(expected in p for p in problems), problems


def test_workers_share_the_code_locations_image_volume_and_database_secret() -> None:
    values = _yaml("values.yaml")
    image = _deployment(values)["image"]
    worker = _yaml("celery-workers.yaml")["spec"]["template"]["spec"]
    (container,) = worker["containers"]
    assert container["image"] == f"{image['repository']}:{image['tag']}"
    claims = {v["persistentVolumeClaim"]["claimName"]
              for v in worker["volumes"] + _deployment(values)["volumes"]
              if "persistentVolumeClaim" in v}
    pvc = _yaml("storage.yaml")
    assert claims == {pvc["metadata"]["name"]}
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    pg = {e["name"]: e for e in container["env"]}["DAGSTER_PG_PASSWORD"]
    assert pg["valueFrom"]["secretKeyRef"] == {
        "name": values["global"]["postgresqlSecretName"], "key": "postgresql-password"}
