"""The table registry: operations tables are declared once and kept out of the warehouse."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from governance.incidents.store import OperationsStore
from governance.settings import Layout
from governance.storage import ensure_table
from governance.tables import (
    CONSENT_RECORDS,
    INCIDENT_EVENTS,
    INCIDENTS,
    MAIN,
    NOTIFICATIONS,
    OPERATIONS,
    TABLES,
    WAREHOUSE,
    UnregisteredTableError,
    check_registered,
    registered,
    store_tables,
    table,
    versioned_tables,
    warehouse_tables,
)


def test_every_table_names_its_store():
    assert {t.store for t in TABLES} == {WAREHOUSE, OPERATIONS}
    assert [t.name for t in store_tables(OPERATIONS)] == [INCIDENTS, INCIDENT_EVENTS,
                                                          NOTIFICATIONS, CONSENT_RECORDS]
    names = {t.name for t in warehouse_tables()}
    assert "delivered" in names and not names & {INCIDENTS, INCIDENT_EVENTS, NOTIFICATIONS,
                                                 CONSENT_RECORDS}
    assert all(t.store == WAREHOUSE for t in versioned_tables())
    assert len(list(warehouse_tables())) + 4 == len(TABLES)


def test_operations_tables_are_refused_in_the_warehouse():
    assert not registered(MAIN, INCIDENTS) and registered(MAIN, "check_results")
    with pytest.raises(UnregisteredTableError, match="operations store"):
        check_registered(MAIN, NOTIFICATIONS)
    conn = duckdb.connect()
    with pytest.raises(UnregisteredTableError):
        ensure_table(conn, MAIN, INCIDENTS, table(INCIDENTS).columns)
    conn.close()


def test_the_operations_database_has_the_registry_columns(tmp_path):
    store = OperationsStore(Layout(tmp_path))
    with store.read():
        pass
    conn = sqlite3.connect(store.path)
    for entry in store_tables(OPERATIONS):
        found = [r[1] for r in conn.execute(f'PRAGMA table_info("{entry.name}")')]
        assert found == [name for name, _ in entry.columns]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
