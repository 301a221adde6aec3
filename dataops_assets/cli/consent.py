"""`dataops consent import|withdraw|show`: consent records per data subject and purpose."""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

from dataops_assets.auditing import audit
from dataops_assets.cli._common import add_verb
from dataops_assets.privacy.consent import import_consent
from dataops_assets.resources import HASH_KEY_ENV
from governance.consent.ledger import ConsentLedger
from governance.consent.purposes import contract_purposes
from governance.consent.records import (
    GIVEN,
    UNKNOWN,
    WITHDRAWN,
    ConsentError,
    withdrawal,
)
from governance.consent.scope import coverage_now
from governance.contracts import find_contract
from governance.principals import os_user
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env
from governance.tables import version_number
from governance.warehouse import open_warehouse

EXIT_PARTIAL = 1


def cmd_import(args: argparse.Namespace) -> int:
    """Record the consent records of a CSV or JSON Lines file; refuse bad records one by one."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    path = Path(args.file)
    parsed, appended = import_consent(Layout(data_dir_from_env()), contract, path)
    per_purpose = Counter((r.purpose, r.state) for r in parsed.records)
    for refusal in parsed.refused:
        print(refusal.describe(str(path)))
    print(f"{contract.name}: {appended.added} consent record(s) recorded "
          f"({sum(n for (_, s), n in per_purpose.items() if s == GIVEN)} given, "
          f"{sum(n for (_, s), n in per_purpose.items() if s == WITHDRAWN)} withdrawn); "
          f"{appended.already} already held")
    if parsed.refused:
        print(f"{len(parsed.refused)} record(s) refused and not recorded (listed above); the "
              "file's other records were recorded. Fix those lines and import the file again: "
              "records already held are not added twice.")
        return EXIT_PARTIAL
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Record that one subject withdrew consent to one purpose, from now on."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    column, sep, value = args.key.partition("=")
    if not sep or not value:
        raise ConsentError("write the key as column=value, e.g. --key customer_email=ann@x.com")
    record = withdrawal(contract, column, value, args.purpose, os.environ.get(HASH_KEY_ENV, ""),
                        method=args.method, policy=args.policy_version)
    layout = Layout(data_dir_from_env())
    ConsentLedger(layout).append([record], os_user())
    audit(layout.data_dir, "consent", contract.name, None, operation="withdraw",
          purpose=record.purpose, withdrawn=1)
    print(f"withdrawal of consent to {record.purpose} recorded for subject "
          f"{record.subject_hash[:12]}... (a keyed hash; the key itself is not kept)")
    print(f"the subject is left out of every {record.purpose} delivery and export from now on, "
          "re-ingested rows included")
    earlier = _purpose_exports(layout, contract.name, record.purpose)
    if earlier:
        # Not retroactive: what was delivered before stays as made, and on the record.
        print(f"{len(earlier)} {record.purpose} export(s) delivered earlier stay as made (see "
              "the audit trail); deliver a version again to refresh its export:")
        for path in earlier:
            print(f"  {path}")
    return 0


def _purpose_exports(layout: Layout, dataset: str, purpose: str) -> list[Path]:
    """The purpose's delivered exports that exist, oldest version first."""
    folder = layout.delivered_root / dataset / purpose
    return sorted(folder.glob("v*.parquet"), key=lambda p: version_number(p.stem))


def cmd_show(args: argparse.Namespace) -> int:
    """Consent coverage per purpose over the latest delivered version (counts only)."""
    contract = find_contract(contracts_dir_from_env(), args.dataset)
    layout = Layout(data_dir_from_env())
    warehouse = open_warehouse(layout)
    version, scopes = None, []
    if warehouse.exists():
        with warehouse.reader() as conn:
            version, scopes = coverage_now(conn, layout, contract,
                                           os.environ.get(HASH_KEY_ENV, ""))
    by_name = {s.purpose.name: s for s in scopes}
    purposes = []
    for p in contract_purposes(contract):
        scope = by_name.get(p.name)
        purposes.append({"purpose": p.name, "legal_basis": p.legal_basis,
                         "rows": scope.rows if scope else None,
                         "subjects": scope.subjects if scope else None,
                         "excluded_rows": scope.excluded if scope else 0})
    report = {"dataset": contract.name, "version": version,
              "records": ConsentLedger(layout).count(contract.name), "purposes": purposes}
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    print(f"{contract.name}: {report['records']} consent record(s) held; latest delivered "
          f"version: {version or 'none'}")
    for p in purposes:
        if p["rows"] is None:
            print(f"  {p['purpose']} ({p['legal_basis']}): every delivered row")
            continue
        rows, subjects = p["rows"], p["subjects"]
        print(f"  {p['purpose']} ({p['legal_basis']}): rows given {rows[GIVEN]}, withdrawn "
              f"{rows[WITHDRAWN]}, unknown {rows[UNKNOWN]}; subjects given {subjects[GIVEN]}, "
              f"withdrawn {subjects[WITHDRAWN]}, unknown {subjects[UNKNOWN]}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops consent import`, `dataops consent withdraw` and `dataops consent show`."""
    consent = add_verb(
        subparsers, "consent", help="consent records per data subject and purpose",
        description="Consent per data subject and purpose, for the purposes a contract bases "
        "on consent. Records are kept append-only under the keyed hash of the subject's key "
        "(never the key); the latest record per subject and purpose decides. Deliveries and "
        "exports for such a purpose keep only subjects whose consent is given. Every import "
        "and withdrawal goes in the audit trail (counts only).",
        examples=["dataops consent import consents.csv --dataset support_tickets",
                  "dataops consent withdraw --dataset support_tickets "
                  "--key customer_email=ann@example.com --purpose model_training",
                  "dataops consent show --dataset support_tickets --json"])
    sub = consent.add_subparsers(dest="consent_command", required=True)
    imp = add_verb(
        sub, "import", help="record a file of consent records",
        description="Reads a CSV (with a header) or JSON Lines file with the columns "
        "piiPrincipalId (or the contract's subject key column), purpose, state (given or "
        "withdrawn), consentTimestamp (ISO 8601), collectionMethod, policyVersion and "
        "optionally consentReceiptID. A bad record is refused with its file, line and field "
        "and the file's other records are recorded.",
        examples=["dataops consent import consents.jsonl --dataset support_tickets"],
        exit_codes=["0  every record recorded (or already held)",
                    "1  some records refused (listed), the others recorded",
                    "2  refused: unreadable file, missing column, unknown dataset"])
    imp.add_argument("file")
    imp.add_argument("--dataset", required=True)
    imp.set_defaults(func=cmd_import)
    wd = add_verb(
        sub, "withdraw", help="record one subject's withdrawal of consent to a purpose",
        description="Records that the subject withdrew consent to the purpose now. The key is "
        "hashed at once and never stored or logged. The subject is left out of every later "
        "delivery and export for that purpose; exports made before stay as made.",
        examples=["dataops consent withdraw --dataset support_tickets "
                  "--key customer_email=ann@example.com --purpose model_training"])
    wd.add_argument("--dataset", required=True)
    wd.add_argument("--key", required=True, help="subject key as column=value")
    wd.add_argument("--purpose", required=True)
    wd.add_argument("--method", default="dataops consent withdraw",
                    help="how the withdrawal reached you (e.g. 'support e-mail')")
    wd.add_argument("--policy-version", default="not stated")
    wd.set_defaults(func=cmd_withdraw)
    show = add_verb(
        sub, "show", help="consent coverage per purpose of the latest delivered version",
        description="Counts of rows and subjects with consent given, withdrawn or never "
        "recorded, per purpose resting on consent, over the latest delivered version, as "
        "the records stand now. Counts only.",
        examples=["dataops consent show --dataset support_tickets"])
    show.add_argument("--dataset", required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
