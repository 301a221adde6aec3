"""`dataops sql "SELECT ..."`: read-only queries, personal columns masked unless a role allows."""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable

import duckdb

from dataops_assets.auditing import audit
from dataops_assets.cli._common import add_verb
from dataops_assets.cli.export import roles_file_from_env
from dataops_assets.resources import HASH_KEY_ENV
from governance.access import AccessDeniedError, Role, RoleBook, load_roles, require_role
from governance.consent.scope import readable_rows
from governance.contracts import DatasetContract, load_contracts
from governance.principals import current_principal
from governance.query import QueryResult, run_query
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.warehouse import open_warehouse


def _roles(book: RoleBook | None,
           role_name: str | None) -> Callable[[str], Role | None]:
    """The caller's role for a dataset, checked to be theirs and to read it; None: no role."""
    principal = current_principal()

    def role_for(dataset: str) -> Role | None:
        if book is None or role_name is None:
            return None
        role = require_role(book, role_name, principal, dataset)
        if not role.may_read(dataset):
            raise AccessDeniedError(role_name, dataset,
                                    f"role {role_name!r} may not read {dataset}")
        return role

    return role_for


def _consented(conn: duckdb.DuckDBPyConnection, layout: Layout,
               contracts: dict[str, DatasetContract],
               role_for: Callable[[str], Role | None]
               ) -> Callable[[str], dict[str, list[int]] | None]:
    """The delivered rows the role's purposes may use: where they all rest on consent, only
    subjects whose latest record is 'given', judged now as `dataops export` judges them."""
    def rows_for(dataset: str) -> dict[str, list[int]] | None:
        role = role_for(dataset)
        if role is None:
            return None  # no role: every personal column is masked, no purpose is served
        return readable_rows(conn, layout, contracts[dataset], set(role.purposes),
                             os.environ.get(HASH_KEY_ENV, ""))

    return rows_for


def _print(result: QueryResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"columns": result.columns,
                          "rows": [[_plain(v) for v in r] for r in result.rows],
                          "truncated": result.truncated, "tables": result.tables,
                          "masked": result.masked, "withheld": result.withheld}, default=str))
        return
    widths = [max([len(c), *(len(str(_plain(r[i]))) for r in result.rows)])
              for i, c in enumerate(result.columns)]
    widths = [min(w, 40) for w in widths]
    print("  ".join(c[:w].ljust(w) for c, w in zip(result.columns, widths, strict=True)))
    for row in result.rows:
        print("  ".join(str(_plain(v))[:w].ljust(w) for v, w in zip(row, widths, strict=True)))
    more = " (more rows: raise --limit)" if result.truncated else ""
    print(f"\n{len(result.rows)} row(s){more}")
    for table, cols in result.masked.items():
        print(f"masked in {table}: {', '.join(cols)}")
    for table, cols in result.withheld.items():
        print(f"withheld from {table}: {', '.join(cols)}")


def _plain(value: object) -> object:
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def cmd_sql(args: argparse.Namespace) -> int:
    """Run one read-only SELECT over the warehouse, masked for the caller."""
    layout = Layout(data_dir_from_env())
    contracts = {c.name: c for c in load_contracts(contracts_dir_from_env())}
    book = load_roles(roles_file_from_env()) if args.role else None
    role = args.role if args.role and re.fullmatch(r"[a-z][a-z0-9_]{0,62}", args.role) \
        else ("unrecognised" if args.role else "none")
    with open_warehouse(layout).reader(wait_seconds=args.wait) as conn:
        try:
            role_for = _roles(book, args.role)
            result = run_query(conn, args.query, contracts, role_for, args.limit,
                               _consented(conn, layout, contracts, role_for))
        except AccessDeniedError:
            audit(layout.data_dir, "refuse", "warehouse", None, role=role, stage="query")
            raise
    # The query text may quote personal values (a WHERE on an e-mail): never recorded.
    audit(layout.data_dir, "query", "warehouse", None, role=role,
          tables=",".join(result.tables)[:80], rows=len(result.rows),
          masked=sum(len(c) for c in result.masked.values()))
    _print(result, args.json)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops sql`."""
    parser = add_verb(
        subparsers, "sql", help="query the warehouse read-only (personal columns masked)",
        description="Runs one SELECT over the warehouse without changing it and prints the "
        "rows. Tables are <dataset>.<table> (support_tickets.validated) and main.<table> "
        "(main.check_results). Personal columns are masked unless --role names a role "
        "that you hold and that the roles file lets see them; the raw record of "
        "quarantined rows is shown only to a role that sees every personal column. The "
        "query runs on masked copies with file access switched off, so no SQL can reach "
        "the originals. On the Parquet warehouse it never waits for a run; on the DuckDB "
        "file it waits (--wait seconds) while a run holds the file. Each query is in the "
        "audit trail with the tables and row count, never its text.",
        examples=['dataops sql "SELECT _version, count(*) FROM support_tickets.validated '
                  'GROUP BY 1"',
                  'dataops sql "SELECT customer_email FROM support_tickets.validated LIMIT 3" '
                  "--role privacy_officer --json"])
    parser.add_argument("query", help="one SELECT statement")
    parser.add_argument("--role", help="a role declared in the roles file that binds it to you")
    parser.add_argument("--limit", type=int, default=100, help="rows to print (default 100)")
    parser.add_argument("--wait", type=float, default=30.0,
                        help="seconds to wait for a run to release the DuckDB file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=cmd_sql)
