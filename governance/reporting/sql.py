"""Reading the warehouse for the report: parameterized queries, absent tables read as empty."""

from __future__ import annotations

from typing import Any

import duckdb


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple]:
    """Rows of a query, none when its table was never written (e.g. no labeling yet)."""
    try:
        return conn.execute(sql, params).fetchall()
    except duckdb.CatalogException:
        return []
