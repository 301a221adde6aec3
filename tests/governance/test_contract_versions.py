"""ODCS versions: each contract is checked against the schema of the version it declares."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from governance.contracts import UnsupportedContractVersionError, load_contract
from governance.errors import ContractError
from governance.odcs_schemas import (
    NEWEST_VERSION,
    SCHEMA_FILES,
    SUPPORTED_VERSIONS,
    odcs_schema,
)
from tests.conftest import CONTRACTS_DIR, REPO

DEMO_CONTRACTS = sorted(CONTRACTS_DIR.glob("*.odcs.yaml"))
# The files as bundled in the datacontract-cli 1.2.8 wheel (see governance/odcs_schemas/README.md).
VENDORED_SHA256 = {
    "odcs-3.0.2.schema.json": "fc9d774ea73d13b473a52868eb8e66784f3a031794d1d22dd94d76f8c9c07c79",
    "odcs-3.1.0.schema.json": "e2893c5a50ea91cab2f1548279e5677e7cd8bfe4970d7016d538512ebecbc915",
    "odcs-3.2.0.schema.json": "171420cb211c3fba7b0b0ee4939e43112cfac661386159cc4e123667846056c8",
}


def _with_version(tmp_path: Path, source: Path, version: object) -> Path:
    data = yaml.safe_load(source.read_text())
    data["apiVersion"] = version
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_demo_contracts_declare_the_newest_supported_version():
    assert DEMO_CONTRACTS
    for path in DEMO_CONTRACTS:
        assert yaml.safe_load(path.read_text())["apiVersion"] == NEWEST_VERSION, path.name
        assert load_contract(path).odcs.apiVersion == NEWEST_VERSION


@pytest.mark.parametrize("version", ["v2.2.2", "v3.3.0", "3.2.0", "v3", 3.1, None])
def test_unknown_version_is_refused_naming_file_version_and_supported_ones(tmp_path, version):
    path = _with_version(tmp_path, CONTRACTS_DIR / "support_tickets.odcs.yaml", version)
    with pytest.raises(UnsupportedContractVersionError) as info:
        load_contract(path)
    assert isinstance(info.value, ContractError)
    assert info.value.field == "apiVersion"
    message = str(info.value)
    assert str(path) in message
    assert repr(version) in message
    assert "cannot check" in message
    for supported in SUPPORTED_VERSIONS:
        assert supported in message


# A contract valid under ODCS v3.0.2 except for its timestamp column.
SMALL = """apiVersion: {version}
kind: DataContract
id: urn:dataops:contract:web_events
name: web_events
version: 1.0.0
status: active
description:
  purpose: Page views, used to test contract versions.
team: {team}
schema:
  - name: web_events
    physicalType: table
    properties:
      - name: event_id
        logicalType: string
        required: true
      - name: happened_at
        logicalType: {happened_at}
"""
TEAM_LIST = "\n  - username: web-data@example.com\n    role: owner"
TEAM_OBJECT = ("\n  name: web-data\n  members:\n    - username: web-data@example.com"
               "\n      role: owner")


def _small(tmp_path: Path, version: str, team: str, happened_at: str) -> Path:
    path = tmp_path / "web_events.odcs.yaml"
    path.write_text(SMALL.format(version=version, team=team, happened_at=happened_at))
    return path


@pytest.mark.parametrize("version", ["v3.0.0", "v3.0.1", "v3.0.2"])
def test_timestamp_under_v3_0_is_refused_as_datacontract_lint_does(tmp_path, version):
    path = _small(tmp_path, version, TEAM_LIST, "timestamp")
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert not isinstance(info.value, UnsupportedContractVersionError)
    assert info.value.field == "schema[0].properties[1].logicalType"
    assert "'timestamp' is not one of" in info.value.reason
    assert "Open Data Contract Standard" in info.value.reason


@pytest.mark.parametrize("version", ["v3.1.0", "v3.2.0"])
def test_timestamp_is_accepted_from_v3_1_0(tmp_path, version):
    contract = load_contract(_small(tmp_path, version, TEAM_OBJECT, "timestamp"))
    assert contract.column("happened_at").logical_type == "timestamp"
    assert contract.owner_team == "web-data"
    assert contract.owners == ("web-data@example.com",)


def test_v3_0_team_list_is_refused_for_want_of_a_team_name(tmp_path):
    path = _small(tmp_path, "v3.0.2", TEAM_LIST, "date")
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert info.value.field == "team"
    assert "named owner team" in info.value.reason and NEWEST_VERSION in info.value.reason


def test_v3_0_schema_refuses_a_team_object(tmp_path):
    with pytest.raises(ContractError) as info:
        load_contract(_small(tmp_path, "v3.0.2", TEAM_OBJECT, "date"))
    assert info.value.field == "team"
    assert "is not of type 'array'" in info.value.reason


def test_demo_contracts_break_the_v3_1_0_schema_only_by_property_enums(tmp_path):
    # ODCS v3.1.0 has no `enum` on a property; the demo contracts use it (allowed from v3.2.0).
    schema = odcs_schema("v3.1.0")
    validator = jsonschema.validators.validator_for(schema)(schema)
    for path in DEMO_CONTRACTS:
        with pytest.raises(ContractError, match="'enum' was unexpected"):
            load_contract(_with_version(tmp_path, path, "v3.1.0"))
        data = yaml.safe_load(path.read_text())
        data["apiVersion"] = "v3.1.0"
        assert list(validator.iter_errors(data))
        for prop in data["schema"][0]["properties"]:
            prop.pop("enum", None)
        assert [e.message for e in validator.iter_errors(data)] == []


def test_vendored_schemas_are_the_files_datacontract_cli_uses():
    folder = resources.files("governance.odcs_schemas")
    assert set(SCHEMA_FILES.values()) == set(VENDORED_SHA256)
    for name, digest in VENDORED_SHA256.items():
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == digest
    assert "Apache License" in folder.joinpath("LICENSE").read_text()


# `make test` builds this venv from requirements-datacontract.lock (datacontract-cli pins
# typer<0.28, so it cannot share .venv).
PINNED_CLI = REPO / ".venv-datacontract" / "bin" / "datacontract"
NO_CLI = ("datacontract-cli is not installed: `make test` (or `make datacontract`) builds it in "
          ".venv-datacontract; DATACONTRACT_CLI may name another executable")


def _datacontract_cli() -> str | None:
    if os.environ.get("DATACONTRACT_CLI"):
        return os.environ["DATACONTRACT_CLI"]
    return str(PINNED_CLI) if PINNED_CLI.is_file() else shutil.which("datacontract")


def _lint(cli: str, path: Path) -> subprocess.CompletedProcess[str]:
    # An unreachable proxy: the lint must work from the schemas bundled with the tool.
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead,
           "https_proxy": dead, "NO_PROXY": "", "no_proxy": "", "COLUMNS": "200"}
    return subprocess.run([cli, "lint", str(path)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


@pytest.mark.skipif(_datacontract_cli() is None, reason=NO_CLI)
@pytest.mark.parametrize("path", DEMO_CONTRACTS, ids=lambda p: p.name)
def test_datacontract_lint_agrees_on_every_demo_contract(tmp_path, path):
    cli = _datacontract_cli()
    assert cli is not None
    ok = _lint(cli, path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"valid against ODCS {NEWEST_VERSION}" in ok.stdout
    old = _lint(cli, _with_version(tmp_path, path, "v3.0.2"))
    assert old.returncode != 0
    assert "'timestamp' is not one of" in old.stdout.replace("\n", " ")


@pytest.mark.skipif(_datacontract_cli() is None, reason=NO_CLI)
def test_datacontract_lint_refuses_timestamp_under_v3_0_2_as_the_loader_does(tmp_path):
    cli = _datacontract_cli()
    assert cli is not None
    old = _lint(cli, _small(tmp_path, "v3.0.2", TEAM_LIST, "timestamp"))
    assert old.returncode != 0
    assert "happened_at.logicalType: 'timestamp' is not" in old.stdout.replace("\n", " ")
    new = _lint(cli, _small(tmp_path, NEWEST_VERSION, TEAM_OBJECT, "timestamp"))
    assert new.returncode == 0, new.stdout
