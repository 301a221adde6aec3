"""Roles bound to people: naming a role is not holding it, and refusals are audited."""

from __future__ import annotations

import argparse
import hashlib
import os
import pwd

import duckdb
import pyarrow.parquet as pq
import pytest

from dataops_assets.cli import export as export_cli
from dataops_assets.cli import main
from governance.access import (
    AccessConfigError,
    AccessDeniedError,
    RoleNotHeldError,
    load_roles,
    require_role,
)
from governance.audit import AuditLog, audit_path
from governance.defaults import default_roles_file
from governance.principals import Principal, current_principal, os_user, token_digest
from governance.settings import Layout
from tests.governance.test_access import LOANS, TICKETS, _fill, _roles

DEMO_TOKEN = "demo-only-vendor-token-change-me"
MALLORY = Principal("mallory", frozenset({"staff"}))


@pytest.fixture(scope="module")
def book():
    """The demo roles file."""
    return load_roles(default_roles_file())


@pytest.mark.parametrize(("principal", "held"), [
    (Principal("root", frozenset({"root"})), {"model_trainer", "data_steward", "analyst"}),
    (Principal("alice", frozenset({"dataops-analysts"})), {"analyst"}),
    (Principal("bob", frozenset({"dataops-stewards", "dataops-trainers"})),
     {"data_steward", "model_trainer"}),
    (Principal("svc", frozenset(), token_digest(DEMO_TOKEN)), {"vendor_labeler"}),
    (Principal("svc", frozenset(), token_digest("a guessed token")), set()),
    (MALLORY, set()),
])
def test_demo_roles_are_bound_to_some_principals_only(book, principal, held):
    assert {name for name, role in book.roles.items() if role.held_by(principal)} == held


def test_require_role_refuses_an_unbound_or_unknown_role(book):
    with pytest.raises(RoleNotHeldError, match="OS user mallory does not hold role "
                       "'data_steward'") as exc:
        require_role(book, "data_steward", MALLORY, LOANS, "v1")
    assert (exc.value.role, exc.value.dataset, exc.value.version) == ("data_steward", LOANS,
                                                                      "v1")
    with pytest.raises(AccessDeniedError, match="role 'intern' is not defined"):
        require_role(book, "intern", MALLORY, LOANS)
    assert require_role(book, "analyst", Principal("x", frozenset({"dataops-analysts"})),
                        LOANS).name == "analyst"


def test_a_role_without_members_is_held_by_nobody(tmp_path):
    book = load_roles(_roles(tmp_path, 'roles:\n  x:\n    datasets: "*"\n'))
    with pytest.raises(RoleNotHeldError):
        require_role(book, "x", current_principal(), LOANS)


@pytest.mark.parametrize(("members", "field", "reason"), [
    ("users: [\"root\\n\"]", "roles.x.members.users", "not an OS user or group name"),
    ("groups: [\"a\\x00b\"]", "roles.x.members.groups", "not an OS user or group name"),
    ("tokens: [my-secret-token]", "roles.x.members.tokens", "never the token"),
    ("tokens: [" + "A" * 64 + "]", "roles.x.members.tokens", "64 lower-case hex"),
    ("users: root", "roles.x.members.users", "must be a list"),
    ("people: [root]", "roles.x.members.people", "unknown key"),
])
def test_bad_members_name_the_file_and_field(tmp_path, members, field, reason):
    path = _roles(tmp_path, f'roles:\n  x:\n    datasets: "*"\n    members:\n      {members}\n')
    with pytest.raises(AccessConfigError, match=reason) as exc:
        load_roles(path)
    assert exc.value.field == field


def test_the_user_comes_from_the_uid_not_the_environment(monkeypatch):
    monkeypatch.setenv("USER", "someone_else")
    monkeypatch.setenv("LOGNAME", "someone_else")
    assert os_user() == pwd.getpwuid(os.geteuid()).pw_name
    assert current_principal().user == os_user()
    monkeypatch.setenv("DATAOPS_PRINCIPAL_TOKEN", "t0ken")
    assert current_principal().token_sha256 == hashlib.sha256(b"t0ken").hexdigest()


def _run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dataops")
    export_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture
def warehouse(contracts, data_dir):
    """A warehouse with v1 of both demo datasets delivered."""
    conn = duckdb.connect(str(Layout(data_dir).warehouse))
    _fill(conn, contracts)
    conn.close()
    return data_dir


def test_cli_refuses_a_role_the_caller_does_not_hold_and_audits_it(warehouse, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(export_cli, "current_principal", lambda: MALLORY)
    out = tmp_path / "steal.parquet"
    with pytest.raises(RoleNotHeldError, match="does not hold role 'data_steward'"):
        _run_cli("export", "--dataset", LOANS, "--version", "v1", "--role", "data_steward",
                 "--out", str(out))
    assert not out.exists()
    [refusal] = AuditLog(audit_path(warehouse)).entries(action="refuse")
    assert (refusal.dataset, refusal.version) == (LOANS, "v1")
    assert refusal.details == {"role": "data_steward", "stage": "export",
                               "reason": "role_not_held"}
    assert refusal.actor == os_user()  # the real OS user, whatever the caller claims


def test_cli_refusal_is_a_refusal_exit(warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(export_cli, "current_principal", lambda: MALLORY)
    code = main(["export", "--dataset", LOANS, "--version", "v1", "--role", "analyst",
                 "--out", str(tmp_path / "a.parquet")])
    assert code == 2
    assert "does not hold role 'analyst'" in capsys.readouterr().err


def test_cli_service_token_holds_the_vendor_role(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(export_cli, "current_principal",
                        lambda: Principal("svc", frozenset(), token_digest(DEMO_TOKEN)))
    out = tmp_path / "vendor.parquet"
    assert _run_cli("export", "--dataset", TICKETS, "--version", "v1", "--role",
                    "vendor_labeler", "--out", str(out)) == 0
    assert pq.read_table(out).column_names == ["ticket_id", "subject", "body", "category"]
    with pytest.raises(RoleNotHeldError):
        _run_cli("export", "--dataset", TICKETS, "--version", "v1", "--role", "data_steward",
                 "--out", str(out))
    actions = [e.action for e in AuditLog(audit_path(warehouse)).entries()]
    assert actions == ["export", "refuse"]
