"""The `dataops audit` subcommands: verify the trail, show entries, create the signing key."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from dataops_assets.auditing import witnessed_checkpoints, witnesses
from dataops_assets.cli._common import add_verb, dagster_instance
from governance.audit import ACTIONS, AuditLog, audit_path
from governance.audit_sign import (
    DEFAULT_KEY,
    KEY_ENV,
    Signer,
    create_key,
    load_private_key,
    public_key_path,
    trusted_public_key_from_env,
)
from governance.audit_verify import verify_trail
from governance.identifiers import check_dataset_name, check_version
from governance.settings import data_dir_from_env


def _log() -> AuditLog:
    return AuditLog(audit_path(data_dir_from_env()))


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check chain, signatures and witnesses; exit 1 naming the first entry that disagrees."""
    # The witness is read only when there is an instance; without one, verify says so.
    witnessed = (witnessed_checkpoints(dagster_instance())
                 if os.environ.get("DAGSTER_HOME") else None)
    report = verify_trail(_log(), trusted_public_key_from_env(), witnessed)
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    home = os.environ.get("DAGSTER_HOME")
    if home and Path(home).resolve().is_relative_to(data_dir_from_env().resolve()):
        # The Makefile's default: fine for the demo, but the same writer reaches both.
        print("note: the Dagster instance (DAGSTER_HOME) is inside the data directory, so "
              "whoever can write the data directory can also rewrite the witness; in a "
              "deployment keep it elsewhere (e.g. PostgreSQL storage)", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_audit_init_key(args: argparse.Namespace) -> int:
    """Create the audit signing key outside the data directory and sign the current head."""
    path = Path(args.path or os.environ.get(KEY_ENV) or DEFAULT_KEY).expanduser().absolute()
    data_dir = data_dir_from_env()
    kid = create_key(path, data_dir)
    print(f"audit key {kid} created: private key {path} (mode 0600), public key "
          f"{public_key_path(path)}")
    if os.environ.get(KEY_ENV) != str(path):
        print(f"sign with it: export {KEY_ENV}={path}")
    # A trail that already has entries is adopted: its current head gets the first signature.
    log = AuditLog(audit_path(data_dir), Signer(load_private_key(path)), witnesses())
    if log.path.is_file() and log.verify().ok and log.checkpoint_head() is not None:
        print(f"signed the current head of {log.path}")
    return 0


def _details(details: dict[str, Any]) -> str:
    if not isinstance(details, dict):  # a tampered line can hold anything; show it as is
        return str(details)
    return " ".join(f"{key}={value}" for key, value in sorted(details.items()))


def cmd_audit_show(args: argparse.Namespace) -> int:
    """Print audit entries, optionally filtered, as a table or as JSON lines."""
    # Validate filters so a typo is an error rather than an empty listing.
    dataset = check_dataset_name(args.dataset) if args.dataset else None
    version = check_version(args.version) if args.version else None
    entries = _log().entries(dataset=dataset, version=version, action=args.action)
    if args.json:
        for entry in entries:
            print(json.dumps(entry.as_dict(), sort_keys=True))
        return 0
    header = ("seq", "at", "action", "dataset", "version", "actor", "details")
    rows = [tuple(str(v) for v in (e.seq, e.at, e.action, e.dataset, e.version or "-", e.actor,
                                   _details(e.details))) for e in entries]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops audit verify`, `dataops audit show` and `dataops audit init-key`."""
    audit = add_verb(
        subparsers, "audit", help="verify or show the audit trail",
        description="The audit trail is a hash-chained log of every governance action "
        "(ingest, delivery, export, refusal, erasure, holds, retention), signed and "
        "witnessed when an audit key is configured. `verify` checks the chain, the "
        "signatures and the witness; `show` lists entries; `init-key` creates the key.",
        examples=["dataops audit verify", "dataops audit show --dataset loan_applications"])
    sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = add_verb(
        sub, "verify", help="check the hash chain, the signed checkpoints and the witness",
        description="Checks the whole audit trail: the hash chain and its head anchor, every "
        "signed checkpoint against the public audit key ($DATAOPS_AUDIT_KEY.pub, or "
        "$DATAOPS_AUDIT_PUBLIC_KEY), and that the trail holds every checkpoint the Dagster "
        "instance witnessed. Names the first entry that disagrees: edited, removed, inserted, "
        "reordered, truncated, rewritten and re-chained, or an older copy restored. Without "
        "a key it says plainly that the trail is unsigned.",
        examples=["dataops audit verify"],
        exit_codes=["0  the trail is intact", "1  the trail was tampered with (named on "
                    "standard error)", "2  refused"])
    verify.set_defaults(func=cmd_audit_verify)
    init_key = add_verb(
        sub, "init-key", help="create the Ed25519 key that signs audit checkpoints",
        description="Creates an Ed25519 private key (mode 0600) and its public half "
        "(<key>.pub) at --path, else $DATAOPS_AUDIT_KEY, else ~/.config/dataops/audit_ed25519. "
        "The key must live outside the data directory: whoever can write the data directory "
        "must not be able to sign. Refuses to replace an existing key. An existing intact "
        "trail gets its current head signed.",
        examples=["dataops audit init-key",
                  "dataops audit init-key --path /etc/dataops/audit_ed25519"],
        exit_codes=["0  created", "2  refused (a key exists, or the path is inside the data "
                    "directory)"])
    init_key.add_argument("--path", help="where to write the private key")
    init_key.set_defaults(func=cmd_audit_init_key)
    show = add_verb(
        sub, "show", help="list audit entries",
        description="Prints audit entries as a table, or one JSON object per line, "
        "optionally filtered by dataset, version and action. Entries hold counts and "
        "hashes, never personal values.",
        examples=["dataops audit show --dataset support_tickets --action erase",
                  "dataops audit show --version v2 --json"])
    show.add_argument("--dataset")
    show.add_argument("--version")
    show.add_argument("--action", choices=sorted(ACTIONS))
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=cmd_audit_show)
