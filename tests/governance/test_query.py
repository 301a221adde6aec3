"""Read-only SQL with masking: one SELECT, registered tables only, personal columns masked."""

from __future__ import annotations

import pytest

from governance.access import load_roles
from governance.defaults import default_roles_file
from governance.query import QueryError, column_plan, referenced_tables, run_query
from governance.settings import Layout
from governance.stages import build_cleaned, build_validated
from governance.storage import transaction
from governance.warehouse import BACKENDS, open_warehouse
from tests.governance.test_storage import _batch, _write


@pytest.fixture(params=BACKENDS)
def wh(request, tmp_path, tickets):
    """Three validated tickets of v1, on each backend."""
    wh = open_warehouse(Layout(tmp_path / "data"), request.param)
    _write(wh, tickets, "v1", [_batch(tickets, 0, 3)])
    with wh.session("support_tickets", "v1") as conn, transaction(conn):
        build_cleaned(conn, tickets, "v1")
        build_validated(conn, tickets, "v1")
    return wh


def _run(wh, sql: str, contracts, role=None):
    with wh.reader() as conn:
        return run_query(conn, sql, contracts, lambda dataset: role)


@pytest.mark.parametrize("sql", [
    "DELETE FROM support_tickets.validated",
    "SELECT 1; DROP TABLE support_tickets.validated",
    "COPY support_tickets.validated TO '/tmp/x.csv'",
    "ATTACH '/tmp/other.duckdb'",
])
def test_only_one_select_is_accepted(sql):
    with pytest.raises(QueryError, match="one read-only SELECT"):
        referenced_tables(sql)


def test_names_outside_the_registry_are_refused():
    assert referenced_tables('SELECT * FROM support_tickets.validated v JOIN '
                             'main.check_results c ON true') == [
        ("main", "check_results"), ("support_tickets", "validated")]
    assert referenced_tables("SELECT * FROM check_results") == [("main", "check_results")]
    for sql in ("SELECT * FROM duckdb_settings_x", "SELECT * FROM support_tickets.secrets"):
        with pytest.raises(QueryError, match="not a warehouse table"):
            referenced_tables(sql)


def test_personal_columns_are_masked_without_a_role(wh, contracts):
    result = _run(wh, "SELECT customer_email, channel FROM support_tickets.validated "
                  "ORDER BY _row_id", contracts)
    assert result.columns == ["customer_email", "channel"]
    # Only the shape is left: first and last characters around stars.
    assert [r[0] for r in result.rows] == ["a**0@e********m", "a**1@e********m",
                                           "a**2@e********m"]
    assert [r[1] for r in result.rows] == ["email"] * 3
    assert "customer_email" in result.masked["support_tickets.validated"]
    # Filtering on the real value finds nothing: the query only ever sees masked copies.
    assert _run(wh, "SELECT count(*) FROM support_tickets.validated WHERE customer_email = "
                "'ann0@example.com'", contracts).rows == [(0,)]


def test_a_role_that_sees_everything_sees_raw_values_others_do_not(wh, contracts):
    book = load_roles(default_roles_file())
    steward = _run(wh, "SELECT customer_email FROM support_tickets.validated ORDER BY _row_id",
                   contracts, book.roles["data_steward"])
    assert steward.rows[0] == ("ann0@example.com",) and not steward.masked
    # The trainer may see the delivered (redacted) body, never the raw one before delivery.
    trainer = _run(wh, "SELECT body, customer_email FROM support_tickets.validated",
                   contracts, book.roles["model_trainer"])
    assert {"body", "customer_email"} <= set(trainer.masked["support_tickets.validated"])


def test_delivered_follows_the_roles_file(tickets):
    book = load_roles(default_roles_file())
    cols = ["_version", "ticket_id", "customer_email", "body"]
    plan = column_plan(cols, "support_tickets", "delivered", tickets,
                       book.roles["model_trainer"])
    assert plan == {"_version": "include", "ticket_id": "include", "customer_email": "withhold",
                    "body": "include"}
    assert column_plan(cols, "support_tickets", "delivered", tickets, None)["customer_email"] \
        == "mask"


def test_the_query_cannot_reach_files_or_the_originals(wh, contracts, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(QueryError, match="warehouse tables only, not files"):
        _run(wh, f"SELECT * FROM support_tickets.validated, read_csv('{secret}')", contracts)
    warehouse_files = [str(p) for p in (tmp_path / "data").rglob("*.parquet")] + \
        [str(tmp_path / "data" / "warehouse.duckdb")]
    with pytest.raises(QueryError, match="warehouse tables only, not files"):
        _run(wh, f"SELECT * FROM support_tickets.validated, read_parquet('{warehouse_files[0]}')",
             contracts)
    # Inside a subquery: refused as well (by the parser, else by the sandboxed run).
    with pytest.raises(QueryError, match=r"not files|query failed"):
        _run(wh, "SELECT (SELECT count(*) FROM glob('/etc/*')) FROM support_tickets.validated",
             contracts)
