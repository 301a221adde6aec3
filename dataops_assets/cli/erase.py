"""`dataops erase --dataset NAME --key column=value`: an erasure request, end to end."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from dataops_assets.auditing import audit
from dataops_assets.cli._common import add_verb
from dataops_assets.resources import HASH_KEY_ENV
from governance.audit import AuditLog, audit_path
from governance.compaction import CompactionError, CompactionResult
from governance.contracts import find_contract
from governance.erasure import ErasureError, erase_from_files, erase_in_warehouse
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.warehouse import PARQUET, open_warehouse


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase one data subject from every stage and version of a dataset."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    column, sep, value = args.key.partition("=")
    if not sep or not value:
        raise ErasureError("write the key as column=value, e.g. --key email=ann@example.com")
    layout = Layout(data_dir_from_env())
    warehouse = open_warehouse(layout)
    try:
        report = erase_in_warehouse(warehouse, layout, contract, column, value,
                                    os.environ.get(HASH_KEY_ENV, ""))
    except duckdb.IOException as exc:
        raise ErasureError(f"the warehouse is busy ({exc}); retry when no run is writing") \
            from None
    # After the commit: the raw copies, then the warehouse file, lose the subject's bytes.
    unreadable = erase_from_files(layout, contract, column, value, report)
    compacted: CompactionResult | None = None
    busy = False
    try:
        compacted = warehouse.compact()
    except CompactionError as exc:
        # The rows are gone and stay gone; only the file's freed blocks wait for a rewrite.
        print(f"warning: {exc}", file=sys.stderr)
        busy = True
    audit(layout.data_dir, "erase", contract.name, None, key_sha256=report.key_hash,
          rows=report.total, versions=len(report.versions),
          raw_rewritten=len(report.raw_rewritten), raw_deleted=len(unreadable),
          references_rewritten=report.references_rewritten,
          landing_files=report.landing_rewritten,
          warehouse_rewritten=not busy)
    for table, rows in report.rows.items():
        print(f"{contract.name}.{table}: {rows} row(s) removed")
    print(f"raw copies rewritten without the subject: {len(report.raw_rewritten)} "
          f"(original digests kept in the manifests); reference samples rewritten: "
          f"{report.references_rewritten}; landing files cleaned: {report.landing_rewritten}")
    if warehouse.kind == PARQUET:
        print("warehouse: each version's Parquet files were rewritten without the subject")
    elif compacted is not None:
        print(f"warehouse file rewritten without freed blocks ({compacted.bytes_before:,} "
              f"-> {compacted.bytes_after:,} bytes)")
    if unreadable:
        print(f"raw copies that could not be rewritten, so their bytes were deleted: "
              f"{', '.join(unreadable)}")
    exports = role_exports(layout.data_dir, contract.name)
    if exports:
        # Role exports are files handed to people: we cannot reach them, so say where.
        print(f"{len(exports)} role export(s) of {contract.name} were written before this "
              "erasure and may hold the subject; delete or re-export them:")
        for where in exports:
            print(f"  {where}")
    print(f"tombstone {report.key_hash[:16]}... recorded: the subject stays out of "
          "re-materialized and re-ingested versions")
    return 1 if busy else 0


def role_exports(data_dir: Path, dataset: str) -> list[str]:
    """Where earlier `dataops export` runs of a dataset wrote their files, from the audit."""
    entries = AuditLog(audit_path(data_dir)).entries(action="export")
    return sorted({str(e.details["destination"]) for e in entries
                   if e.dataset == dataset and e.details.get("destination")})


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops erase`."""
    parser = add_verb(
        subparsers, "erase", help="erase a data subject (right to erasure)",
        description="Removes every row of one data subject from every stage and version of "
        "a dataset in one transaction, and records a tombstone (a keyed hash of the key) "
        "so the subject stays out of re-materialized and re-ingested versions. Then the raw "
        "copies and reference samples are rewritten without the subject's records and the "
        "warehouse file is rewritten so no freed block keeps their bytes; role exports made "
        "earlier are listed. The audit trail gets counts and hashes only.",
        examples=["dataops erase --dataset support_tickets --key customer_email=ann@example.com"],
        exit_codes=["0  erased, and the warehouse file rewritten",
                    "1  erased, but the warehouse was busy so its file was not rewritten yet "
                    "(the next erasure or retention run does it)",
                    "2  refused (no such dataset, wrong key column, warehouse busy)"])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--key", required=True, help="subject key as column=value")
    parser.set_defaults(func=cmd_erase)
