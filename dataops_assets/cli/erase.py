"""`dataops erase --dataset NAME --key column=value`: an erasure request, end to end."""

from __future__ import annotations

import argparse
import os

import duckdb

from dataops_assets.auditing import audit
from dataops_assets.cli._common import add_verb
from dataops_assets.resources import HASH_KEY_ENV
from governance.contracts import find_contract
from governance.erasure import ErasureError, erase_subject
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.storage import transaction


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase one data subject from every stage and version of a dataset."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    column, sep, value = args.key.partition("=")
    if not sep or not value:
        raise ErasureError("write the key as column=value, e.g. --key email=ann@example.com")
    layout = Layout(data_dir_from_env())
    try:
        conn = duckdb.connect(str(layout.warehouse))
    except duckdb.IOException as exc:
        raise ErasureError(f"the warehouse is busy ({exc}); retry when no run is writing") \
            from None
    try:
        with transaction(conn):
            report = erase_subject(conn, layout, contract, column, value,
                                   os.environ.get(HASH_KEY_ENV, ""))
    finally:
        conn.close()
    audit(layout.data_dir, "erase", contract.name, None, key_sha256=report.key_hash,
          rows=report.total, versions=len(report.versions))
    for table, rows in report.rows.items():
        print(f"{contract.name}.{table}: {rows} row(s) removed")
    print(f"tombstone {report.key_hash[:16]}... recorded: the subject stays out of "
          "re-materialized and re-ingested versions")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops erase`."""
    parser = add_verb(
        subparsers, "erase", help="erase a data subject (right to erasure)",
        description="Removes every row of one data subject from every stage and version of "
        "a dataset in one transaction, and records a tombstone (a keyed hash of the key) "
        "so the subject stays out of re-materialized and re-ingested versions. The audit "
        "trail gets counts and hashes only.",
        examples=["dataops erase --dataset support_tickets --key customer_email=ann@example.com"])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--key", required=True, help="subject key as column=value")
    parser.set_defaults(func=cmd_erase)
