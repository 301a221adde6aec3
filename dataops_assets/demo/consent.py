"""The demo's consent records: ticket customers asked whether their tickets may train the
routing model (support_tickets' purpose model_training rests on consent).

Of the customer pool, about 85 % gave consent, about 5 % gave it and withdrew it later, a
few withdrew and then gave it again, and the rest were never asked (no record), so a
delivered version's model_training export leaves out the withdrawn and the unknown.
Seeded and derived from ``as_of``: the same day always gives the same bytes.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from dataops_assets.demo.generate import customer_pool

DATASET = "support_tickets"
PURPOSE = "model_training"
_SEED = 21_000
_METHODS = ("web form", "help desk chat", "recorded phone call")
_POLICIES = ("privacy-2025-03", "privacy-2026-01")
COLUMNS = ("piiPrincipalId", "purpose", "state", "consentTimestamp", "collectionMethod",
           "policyVersion", "consentReceiptID")


def consent_path(source_dir: Path) -> Path:
    """Where the demo writes its consent file, beside (not among) the ticket batches."""
    return Path(source_dir) / "consent" / f"{DATASET}.csv"


def write_consent_file(source_dir: Path, as_of: date) -> Path:
    """Write the demo's consent records as CSV (history included) and return the path."""
    rng = random.Random(_SEED)
    midnight = datetime.combine(as_of, time(0), tzinfo=UTC)
    rows: list[dict[str, str]] = []

    def add(email: str, state: str, days_ago: float, receipt: int) -> None:
        rows.append({"piiPrincipalId": email, "purpose": PURPOSE, "state": state,
                     "consentTimestamp": (midnight - timedelta(days=days_ago)).isoformat(),
                     "collectionMethod": rng.choice(_METHODS),
                     "policyVersion": rng.choice(_POLICIES),
                     "consentReceiptID": f"CR-{receipt:05d}"})

    for index, (_, email) in enumerate(customer_pool()):
        draw = rng.random()
        if draw < 0.10:
            continue  # never asked: no record, so unknown
        given_days = rng.uniform(200, 400)
        add(email, "given", given_days, index)
        if draw < 0.15:
            add(email, "withdrawn", rng.uniform(1, 30), index)
        elif draw < 0.17:
            add(email, "withdrawn", rng.uniform(100, 180), index)
            add(email, "given", rng.uniform(31, 90), index)
    path = consent_path(source_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
