"""Role-based access on delivery: the role matrix, masking, atomic exports and refusals."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from dataops_assets.cli import export as export_cli
from governance.access import (
    AccessConfigError,
    AccessDeniedError,
    export_version,
    load_roles,
    plan_export,
)
from governance.defaults import default_roles_file
from governance.errors import GovernanceError, InvalidNameError, UnknownVersionError
from governance.identifiers import qualified
from governance.masking import mask_value
from governance.pii.treatment import delivered_columns
from governance.principals import Principal
from governance.settings import Layout
from governance.storage import ensure_table

ROLES_FILE = default_roles_file()
LOANS, TICKETS = "loan_applications", "support_tickets"
LOAN_ROWS = [
    ("A-0000001", datetime(2026, 1, 5), datetime(2026, 1, 6), "ab12" * 16, "+4*******9",
     52000.0, 12000.0, 36, "employed", 710, "car", False),
    ("A-0000002", datetime(2026, 1, 7), datetime(2026, 1, 7), "cd34" * 16, None,
     38500.5, 5000.0, 12, "student", None, "education", True),
]
TICKET_ROWS = [
    ("T-000001", datetime(2026, 2, 1), "ef56" * 16, "email", "Refund",
     "Hi, I am <PERSON>, call <PHONE_NUMBER>", "billing", 2),
    ("T-000002", datetime(2026, 2, 2), "ab78" * 16, "chat", None, "App crashes", "technical", 1),
]
LOAN_COLS = ["application_id", "applied_at", "decision_at", "email", "phone", "annual_income",
             "loan_amount", "term_months", "employment_status", "credit_score", "purpose",
             "defaulted"]
TICKET_COLS = ["ticket_id", "created_at", "customer_email", "channel", "subject", "body",
               "category", "priority"]


def _fill(conn: duckdb.DuckDBPyConnection, contracts: dict) -> None:
    """Create both delivered tables and deliver version v1 of each."""
    for name, rows in ((LOANS, LOAN_ROWS), (TICKETS, TICKET_ROWS)):
        cols = [("_version", "VARCHAR"), ("_row_id", "BIGINT"),
                *delivered_columns(contracts[name])]
        table = ensure_table(conn, name, "delivered", cols)
        marks = ", ".join("?" for _ in cols)
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})",
                         [("v1", i + 1, *row) for i, row in enumerate(rows)])


@pytest.fixture
def conn(contracts: dict) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding v1 of both demo datasets, delivered."""
    db = duckdb.connect()
    _fill(db, contracts)
    return db


@pytest.fixture(scope="module")
def book():
    """The repository's roles file."""
    return load_roles(ROLES_FILE)


def _roles(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _cols(names: str) -> set[str]:
    return set(names.split())


MATRIX = [
    ("model_trainer", LOANS, "application_id applied_at decision_at loan_amount term_months "
     "employment_status purpose defaulted", "annual_income credit_score", "email phone"),
    # The redacted ticket text is included by a column override: the classifier needs it.
    ("model_trainer", TICKETS, "ticket_id created_at channel subject body category priority",
     "", "customer_email"),
    ("data_steward", LOANS, " ".join(LOAN_COLS), "", ""),
    ("data_steward", TICKETS, " ".join(TICKET_COLS), "", ""),
    ("analyst", LOANS, "application_id applied_at decision_at loan_amount term_months "
     "employment_status purpose defaulted", "", "annual_income credit_score email phone"),
    ("analyst", TICKETS, None, None, None),
    ("vendor_labeler", TICKETS, "ticket_id subject body category", "",
     "created_at customer_email channel priority"),
    ("vendor_labeler", LOANS, None, None, None),
]


@pytest.mark.parametrize(("role", "dataset", "included", "masked", "withheld"), MATRIX)
def test_role_matrix(conn, contracts, book, tmp_path, role, dataset, included, masked, withheld):
    contract = contracts[dataset]
    out = tmp_path / f"{role}.parquet"
    if included is None:
        with pytest.raises(AccessDeniedError, match=f"role '{role}' may not read {dataset}"):
            export_version(conn, contract, "v1", role, book, out)
        assert not out.exists()
        return
    plan = plan_export(contract, role, book)
    assert list(plan) == [c for c, _ in delivered_columns(contract)]
    result = export_version(conn, contract, "v1", role, book, out)
    assert (set(result.included), set(result.masked), set(result.withheld)) == (
        _cols(included), _cols(masked), _cols(withheld))
    assert (result.dataset, result.version, result.role, result.rows) == (dataset, "v1", role, 2)
    # Exactly the allowed columns, in delivered order; nothing of the bookkeeping columns.
    names = pq.read_table(out).column_names
    assert names == [c for c in plan if plan[c] != "withhold"]
    assert set(names) == _cols(included) | _cols(masked)


def test_masked_columns_hold_only_the_shape_and_nulls_stay_null(conn, contracts, book, tmp_path):
    out = tmp_path / "trainer.parquet"
    export_version(conn, contracts[LOANS], "v1", "model_trainer", book, out)
    data = pq.read_table(out).to_pydict()
    assert data["annual_income"] == [mask_value(52000.0), mask_value(38500.5)]
    assert data["credit_score"] == [mask_value(710), None]
    assert str(pq.read_schema(out).field("credit_score").type) == "string"
    assert data["loan_amount"] == [12000.0, 5000.0]
    assert data["defaulted"] == [False, True]


def test_steward_sees_treated_personal_columns_as_delivered(conn, contracts, book, tmp_path):
    out = tmp_path / "steward.parquet"
    export_version(conn, contracts[TICKETS], "v1", "data_steward", book, out)
    data = pq.read_table(out).to_pydict()
    assert data["customer_email"] == ["ef56" * 16, "ab78" * 16]
    assert data["body"][0] == "Hi, I am <PERSON>, call <PHONE_NUMBER>"


def test_export_replaces_atomically_and_leaves_no_temp_file(conn, contracts, book, tmp_path,
                                                             monkeypatch):
    out = tmp_path / "exports" / "loans.parquet"
    export_version(conn, contracts[LOANS], "v1", "analyst", book, out)
    before = out.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pq.ParquetWriter, "write_batch", broken)
    with pytest.raises(OSError, match="disk full"):
        export_version(conn, contracts[LOANS], "v1", "data_steward", book, out)
    # The failed export neither touched the previous file nor left a partial one behind.
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["loans.parquet"]
    # ...and the half-read result does not block the caller's connection.
    assert conn.execute("SELECT 1").fetchall() == [(1,)]


def test_refusals_name_role_dataset_and_version(conn, contracts, book, tmp_path):
    out = tmp_path / "x.parquet"
    with pytest.raises(AccessDeniedError, match="role 'intern' is not defined") as exc:
        export_version(conn, contracts[LOANS], "v1", "intern", book, out)
    assert (exc.value.role, exc.value.dataset, exc.value.version) == ("intern", LOANS, "v1")
    with pytest.raises(UnknownVersionError, match="loan_applications version v9 was never") as e:
        export_version(conn, contracts[LOANS], "v9", "analyst", book, out)
    assert (e.value.role, e.value.dataset, e.value.version) == ("analyst", LOANS, "v9")
    # Access is decided first: a refused role cannot probe which versions exist.
    with pytest.raises(AccessDeniedError):
        export_version(conn, contracts[TICKETS], "v9", "analyst", book, out)
    empty = duckdb.connect()
    with pytest.raises(UnknownVersionError):
        export_version(empty, contracts[LOANS], "v1", "analyst", book, out)
    assert not out.exists()


def test_a_role_that_sees_no_column_is_refused(contracts, tmp_path):
    book = load_roles(_roles(tmp_path, 'roles:\n  auditor:\n    datasets: "*"\n'))
    with pytest.raises(AccessDeniedError, match="may not read any column of loan_applications"):
        plan_export(contracts[LOANS], "auditor", book)


def test_column_overrides_beat_classifications_and_datasets_beat_star(contracts, tmp_path):
    book = load_roles(_roles(tmp_path, """
roles:
  reviewer:
    datasets: "*"
    default: include
    rules:
      "*":
        classifications: {confidential: withhold}
        columns: {priority: mask, credit_score: include}
      loan_applications:
        classifications: {internal: mask}
        columns: {credit_score: mask}
"""))
    loans = plan_export(contracts[LOANS], "reviewer", book)
    assert loans["credit_score"] == "mask"  # dataset column override beats "*" override
    assert loans["annual_income"] == "withhold"  # "*" classification rule
    assert loans["loan_amount"] == "mask"  # dataset classification rule
    assert loans["email"] == "include"  # the role's default
    tickets = plan_export(contracts[TICKETS], "reviewer", book)
    assert tickets["priority"] == "mask" and tickets["ticket_id"] == "include"


@pytest.mark.parametrize(("text", "field", "reason"), [
    ('roles:\n  x:\n    datasets: "*"\n    default: show\n', "roles.x.default",
     "unknown decision 'show'"),
    ('roles:\n  x:\n    datasets: "*"\n    rules:\n      "*":\n        classifications:\n'
     '          secret: include\n', "roles.x.rules.*.classifications.secret",
     "unknown classification"),
    ('roles:\n  Bad-Role:\n    datasets: "*"\n', "roles.Bad-Role", "not allowed"),
    ('roles:\n  x:\n    dataset: "*"\n', "roles.x.dataset", "unknown key"),
    ("roles:\n  x:\n    description: no datasets\n", "roles.x.datasets", "list the datasets"),
    ('roles:\n  x:\n    datasets: ["../etc"]\n', "roles.x.datasets", "not allowed"),
    ('roles:\n  x:\n    datasets: ["loans; DROP TABLE x"]\n', "roles.x.datasets", "not allowed"),
    ('roles:\n  x:\n    datasets: [a]\n    rules:\n      b: {}\n', "roles.x.rules.b",
     "not granted"),
    ('roles:\n  x:\n    datasets: "*"\n    rules:\n      "*":\n        columns:\n'
     '          "x\\" ; DROP": include\n', "roles.x.rules.*.columns", "not allowed"),
    ("roles: [\n", "line", "not valid YAML"),
    ("roles: {}\n", "roles", "declare at least one role"),
])
def test_bad_roles_files_name_the_file_and_field(tmp_path, text, field, reason):
    path = _roles(tmp_path, text)
    with pytest.raises(AccessConfigError, match=reason) as exc:
        load_roles(path)
    assert exc.value.path == str(path) and exc.value.field.startswith(field)
    assert str(path) in str(exc.value)


def test_missing_roles_file_and_misspelt_override_are_config_errors(contracts, tmp_path):
    with pytest.raises(AccessConfigError, match="cannot read the file"):
        load_roles(tmp_path / "absent.yaml")
    # A misspelt withhold override would otherwise leak the column it meant to hide.
    book = load_roles(_roles(tmp_path, 'roles:\n  x:\n    datasets: "*"\n    default: include\n'
                             "    rules:\n      loan_applications:\n        columns:\n"
                             "          annual_incme: withhold\n"))
    with pytest.raises(AccessConfigError, match="'annual_incme' is not a column"):
        plan_export(contracts[LOANS], "x", book)


@pytest.mark.parametrize("name", ["loans; DROP TABLE x", "../etc", 'x"; DROP SCHEMA y; --'])
def test_hostile_dataset_names_are_refused(conn, contracts, book, tmp_path, name):
    evil = dataclasses.replace(contracts[LOANS], name=name)
    with pytest.raises(InvalidNameError, match="Dataset name"):
        plan_export(evil, "data_steward", book)
    with pytest.raises(InvalidNameError, match="Dataset name"):
        export_version(conn, evil, "v1", "data_steward", book, tmp_path / "x.parquet")
    assert conn.execute(f"SELECT count(*) FROM {qualified(LOANS, 'delivered')}").fetchall() == [
        (2,)]


@pytest.mark.parametrize("version", ["v1' OR '1'='1", "v1; DROP TABLE x", "../v1", "1"])
def test_hostile_versions_are_refused(conn, contracts, book, tmp_path, version):
    with pytest.raises(InvalidNameError, match="is not a dataset version"):
        export_version(conn, contracts[LOANS], version, "analyst", book, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


@pytest.mark.parametrize("out", ["../../etc/x.parquet", "exports/../../x.parquet", "x.csv",
                                 "exports/.parquet", "x.parquet/.."])
def test_unsafe_out_paths_are_refused(conn, contracts, book, tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidNameError, match="Export path"):
        export_version(conn, contracts[LOANS], "v1", "analyst", book, Path(out))
    assert list(tmp_path.rglob("*.parquet")) == []


# The CLI tests run as an analyst by group, whoever runs the suite (root or not).
ANALYST = Principal("alice", frozenset({"staff", "dataops-analysts"}))


@pytest.fixture
def as_analyst(monkeypatch):
    """The caller is an OS user in the demo roles file's analyst group."""
    monkeypatch.setattr(export_cli, "current_principal", lambda: ANALYST)


def _run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dataops")
    export_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_export_reads_the_warehouse_read_only(contracts, data_dir, tmp_path, capsys,
                                                  monkeypatch, as_analyst):
    monkeypatch.delenv("DATAOPS_ROLES_FILE", raising=False)
    with pytest.raises(GovernanceError, match="No warehouse"):
        _run_cli("export", "--dataset", LOANS, "--version", "v1", "--role", "analyst",
                 "--out", str(tmp_path / "a.parquet"))
    warehouse = duckdb.connect(str(Layout(data_dir).warehouse))
    _fill(warehouse, contracts)
    warehouse.close()
    out = tmp_path / "out" / "a.parquet"
    assert _run_cli("export", "--dataset", LOANS, "--version", "v1", "--role", "analyst",
                    "--out", str(out)) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("exported loan_applications v1 for role analyst: 2 rows, 8 column(s)")
    assert "4 withheld" in line and "\n" not in line
    assert "annual_income" not in pq.read_table(out).column_names
    with pytest.raises(AccessDeniedError, match="role 'analyst' may not read support_tickets"):
        _run_cli("export", "--dataset", TICKETS, "--version", "v1", "--role", "analyst",
                 "--out", str(out))
    with pytest.raises(InvalidNameError):
        _run_cli("export", "--dataset", "../etc", "--version", "v1", "--role", "analyst",
                 "--out", str(out))


def test_cli_roles_file_can_be_overridden(contracts, data_dir, tmp_path, monkeypatch,
                                          as_analyst):
    warehouse = duckdb.connect(str(Layout(data_dir).warehouse))
    _fill(warehouse, contracts)
    warehouse.close()
    roles = _roles(tmp_path, 'roles:\n  analyst:\n    datasets: "*"\n    default: include\n'
                   "    purposes: [quality_management]\n    members:\n      users: [alice]\n")
    monkeypatch.setenv("DATAOPS_ROLES_FILE", str(roles))
    out = tmp_path / "t.parquet"
    assert _run_cli("export", "--dataset", TICKETS, "--version", "v1", "--role", "analyst",
                    "--out", str(out)) == 0
    assert pq.read_table(out).column_names == TICKET_COLS
