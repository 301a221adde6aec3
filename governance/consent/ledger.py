"""The consent ledger: append-only consent records in the operations store (SQLite).

Why the operations store: consent is imported and withdrawn by `dataops consent` at any
time, while runs deliver; the warehouse file admits one writing process, the SQLite store
many. The table refuses UPDATE and DELETE (triggers in governance/incidents/store.py), so
history is never rewritten, and a record already held is not added twice (re-importing a
corrected file adds only what was missing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from governance.consent.records import GIVEN, WITHDRAWN, ConsentRecord
from governance.incidents.store import OperationsStore, iso
from governance.settings import Layout
from governance.tables import CONSENT_RECORDS


@dataclass(frozen=True)
class Appended:
    """What one append did: records added, and records the ledger already held."""

    added: int
    already: int


class ConsentLedger:
    """Consent records of every dataset, in the data directory's operations store."""

    def __init__(self, layout: Layout) -> None:
        self.store = OperationsStore(layout)

    def append(self, records: Iterable[ConsentRecord], by: str,
               now: datetime | None = None) -> Appended:
        """Add records in one transaction; identical records already held are skipped."""
        at = iso(now or datetime.now(UTC))
        added = already = 0
        with self.store.write() as conn:
            for r in records:
                cur = conn.execute(
                    f"INSERT OR IGNORE INTO {CONSENT_RECORDS} (dataset, purpose, subject_hash, "
                    "key_column, state, consent_at, collection_method, policy_version, "
                    "receipt_id, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?)", [r.dataset, r.purpose, r.subject_hash, r.key_column, r.state,
                              iso(r.consent_at), r.collection_method, r.policy_version,
                              r.receipt_id, at, by])
                added += cur.rowcount
                already += 1 - cur.rowcount
        return Appended(added, already)

    def states(self, dataset: str, purpose: str,
               as_of: datetime | None = None) -> dict[str, str]:
        """Each subject's latest state (keyed hash -> given or withdrawn) as the ledger stood
        at as_of: records made later, or for later times, do not count yet."""
        if not self.store.exists():
            return {}
        at = iso(as_of or datetime.now(UTC))
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT subject_hash, state FROM (SELECT subject_hash, state, row_number() "
                f"OVER (PARTITION BY subject_hash ORDER BY consent_at DESC, "
                f"state = '{WITHDRAWN}' DESC, recorded_at DESC, rowid DESC) AS n "
                f"FROM {CONSENT_RECORDS} WHERE dataset = ? AND purpose = ? "
                "AND consent_at <= ? AND recorded_at <= ?) WHERE n = 1",
                [dataset, purpose, at, at]).fetchall()
        return {h: s for h, s in rows}

    def given(self, dataset: str, purpose: str, as_of: datetime | None = None) -> set[str]:
        """Keyed hashes of the subjects whose latest record for the purpose is 'given'."""
        return {h for h, s in self.states(dataset, purpose, as_of).items() if s == GIVEN}

    def count(self, dataset: str) -> int:
        """Records held for a dataset, history included."""
        if not self.store.exists():
            return 0
        with self.store.read() as conn:
            return int(conn.execute(f"SELECT count(*) FROM {CONSENT_RECORDS} WHERE dataset = ?",
                                    [dataset]).fetchone()[0])
