"""The `dataops export` subcommand: write what one role may see of a delivered version."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from dataops_assets.auditing import audit
from dataops_assets.cli._common import add_verb
from dataops_assets.resources import HASH_KEY_ENV
from governance.access import (
    AccessDeniedError,
    RoleNotHeldError,
    export_version,
    load_roles,
    require_role,
)
from governance.audit import AuditValueError, check_details
from governance.consent.ledger import ConsentLedger
from governance.consent.records import UNKNOWN, WITHDRAWN
from governance.consent.roles import PurposeRefusedError, check_role_purposes, export_purpose
from governance.consent.scope import measure
from governance.contracts import find_contract, load_contracts
from governance.defaults import default_roles_file
from governance.errors import GovernanceError, UnknownVersionError
from governance.identifiers import check_version
from governance.principals import current_principal
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.warehouse import open_warehouse

ROLES_FILE_ENV = "DATAOPS_ROLES_FILE"


def roles_file_from_env() -> Path:
    """The roles file: $DATAOPS_ROLES_FILE, else the package's governance/defaults/roles.yaml."""
    value = os.environ.get(ROLES_FILE_ENV)
    return Path(value).resolve() if value else default_roles_file()


def _destination(out: Path) -> str:
    """The export's full path when the audit trail may hold it (short plain text), else
    its file name: an erasure later lists these so the operator can redo them."""
    for candidate in (str(out.resolve()), out.name):
        try:
            check_details({"destination": candidate})
            return candidate
        except AuditValueError:
            continue
    return "unrecorded"


def cmd_export(args: argparse.Namespace) -> int:
    """Export one delivered version with the columns the role may see, as Parquet."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    version = check_version(args.version)
    # Read at call time, not import time, so tests and operators can point elsewhere.
    book = load_roles(roles_file_from_env())
    data_dir = data_dir_from_env()
    # A role name typed by a user goes on the record only if it is a plain identifier.
    role = args.role if re.fullmatch(r"[a-z][a-z0-9_]{0,62}", args.role) else "unrecognised"
    try:
        # Who the caller is decides, not which role they name: checked before anything else.
        held = require_role(book, args.role, current_principal(), contract.name, version)
    except AccessDeniedError as exc:
        reason = "role_not_held" if isinstance(exc, RoleNotHeldError) else "role_not_defined"
        audit(data_dir, "refuse", contract.name, version, role=role, stage="export",
              reason=reason)
        raise
    check_role_purposes(book, load_contracts(contracts_dir_from_env()))
    try:
        purpose = export_purpose(held, contract, args.purpose, version)
    except AccessDeniedError as exc:
        why = {"reason": "purpose"} if isinstance(exc, PurposeRefusedError) else {}
        audit(data_dir, "refuse", contract.name, version, role=role, stage="export", **why)
        raise
    warehouse = open_warehouse(Layout(data_dir))
    if not warehouse.exists():
        raise GovernanceError(f"No warehouse in {data_dir}; deliver a version first "
                              "(or set DATAOPS_DATA_DIR)")
    # Read-only: an export must never change the warehouse, and may run beside the pipeline
    # (on the DuckDB file it waits for the writer to let go; on Parquet it never waits).
    with warehouse.reader() as conn:
        scope = None
        if purpose is not None and purpose.needs_consent:
            # Consent as it stands now: a withdrawal since delivery already counts.
            states = ConsentLedger(Layout(data_dir)).states(contract.name, purpose.name)
            scope = measure(conn, contract, version, purpose, states,
                            os.environ.get(HASH_KEY_ENV, ""))
        try:
            result = export_version(conn, contract, version, args.role, book, Path(args.out),
                                    scope.row_table() if scope else None)
        except (AccessDeniedError, UnknownVersionError):
            # Every refusal is on the record, with the role and never the requester's data.
            audit(data_dir, "refuse", contract.name, version, role=role, stage="export")
            raise
    # Where the file went, so an erasure later can tell the operator which files to redo.
    scoped = {} if purpose is None else {"purpose": purpose.name}
    if scope is not None:
        scoped["consent_excluded"] = scope.excluded
    audit(data_dir, "export", contract.name, version, role=role, rows=result.rows,
          destination=_destination(Path(args.out)),
          included=len(result.included), masked=len(result.masked),
          withheld=len(result.withheld), **scoped)
    line = result.summary()
    if purpose is not None:
        line += f"; purpose {purpose.name} (legal basis: {purpose.legal_basis})"
    if scope is not None:
        line += (f"; {scope.excluded} row(s) left out, their subject's consent withdrawn "
                 f"({scope.rows[WITHDRAWN]}) or not recorded ({scope.rows[UNKNOWN]})")
    print(line)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops export --dataset NAME --version V --role ROLE --out PATH`."""
    parser = add_verb(
        subparsers, "export",
        help="export a delivered version with only the columns a role may see",
        description="Writes one delivered version as Parquet with the columns the role may "
        "see: each column is included, masked or withheld as the roles file says "
        "($DATAOPS_ROLES_FILE, else the demo roles in governance/defaults/roles.yaml). "
        "The caller must hold the role: the roles file binds each role to OS users, OS "
        "groups or the sha256 of a service token ($DATAOPS_PRINCIPAL_TOKEN); naming a role "
        "you do not hold is refused. The export is for one purpose the role acts for "
        "(--purpose, or the role's only one on the dataset); for a purpose resting on consent "
        "only subjects whose latest consent record is 'given' are exported, and the count "
        "left out is printed and audited. The warehouse is opened read-only. "
        "Exports and refusals are both recorded in the audit trail.",
        examples=["dataops export --dataset loan_applications --version v1 --role analyst "
                  "--out analyst.parquet",
                  "dataops export --dataset support_tickets --version v1 --role model_trainer "
                  "--purpose model_training --out train.parquet"])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--version", required=True, help="a delivered version, e.g. v1")
    parser.add_argument("--role", required=True,
                        help="a role declared in the roles file that binds it to you")
    parser.add_argument("--out", required=True, help="the Parquet file to write")
    parser.add_argument("--purpose", help="the purpose the export is for: one the role acts "
                        "for and the dataset declares (needed when the role acts for several)")
    parser.set_defaults(func=cmd_export)
