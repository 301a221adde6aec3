"""Data safety on a whole demo: every table is registered; erasure and retention leave no
row and no byte of what they removed anywhere under the data directory."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from dataops_assets.cli import main
from dataops_assets.cli import retention as retention_cli
from dataops_assets.definitions import build_definitions
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.runner import run_version
from governance.audit import AuditLog, audit_path
from governance.contracts import load_contracts
from governance.drift.refresh import RefreshLedger
from governance.holds import HoldBook
from governance.incidents.book import IncidentBook
from governance.incidents.escalation import escalate
from governance.incidents.model import HIGH, QUALITY, Signal
from governance.incidents.notify import Notifier
from governance.rawstore import RawStore
from governance.settings import Layout
from governance.tables import TABLES, registered, table
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR, REPO
from tests.needles import needle_pattern_bytes

NAME = "Zebulon Quartermaine-Ffoulkes"
EMAIL = "zebulon.quartermaine@planted.example"
PHONE = "+44 7700 900461"
HELD = ("loan_applications", "v1")


@dataclass
class Demo:
    data_dir: Path
    instance: dg.DagsterInstance
    defs: dg.Definitions


@pytest.fixture(scope="module")
def demo_copy(demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A copy of the session's demo in its own data directory (and its own Dagster
    instance), plus one support-tickets batch holding a planted subject whose name, e-mail
    and phone appear nowhere else. A copy, not a second demo run: a copied data directory
    acts on itself only (tests/dataops_assets/test_data_dir_copy.py)."""
    root = tmp_path_factory.mktemp("safety")
    data_dir = root / "data"
    # The senders' files are the senders' copies, not the project's: left out of the copy.
    shutil.copytree(demo.data_dir, data_dir, symlinks=True,
                    ignore=shutil.ignore_patterns("demo_source"))
    shutil.copytree(demo.source_dir, root / "demo_source")
    # Its own datasheets folder, starting from the session's (which holds the demo's).
    shutil.copytree(os.environ["DATAOPS_DATASHEETS_DIR"], root / "datasheets")
    mp = pytest.MonkeyPatch()
    mp.setenv("DATAOPS_DATA_DIR", str(data_dir))
    mp.setenv("DATAOPS_DATASHEETS_DIR", str(root / "datasheets"))
    (root / "home").mkdir()
    overrides = yaml.safe_load((REPO / "dagster.yaml").read_text())
    with dg.instance_for_test(temp_dir=str(root / "home"), overrides=overrides) as instance:
        for contract in load_contracts(CONTRACTS_DIR):
            versions = [v.version for v in RawStore(Layout(data_dir).raw_dir).versions(
                contract.name)]
            instance.add_dynamic_partitions(f"{contract.name}_versions", versions)
        defs = build_definitions(CONTRACTS_DIR, data_dir)
        source = root / "demo_source" / "support_tickets" / "batch_001.csv"
        with source.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        planted = dict(rows[0], ticket_id="T-999999", customer_name=NAME, customer_email=EMAIL,
                       body=f"Hello, this is {NAME}. Please call me back on {PHONE}.")
        batch = root / "planted.csv"
        with batch.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows([*rows[1:120], planted])
        contract = {c.name: c for c in load_contracts(CONTRACTS_DIR)}["support_tickets"]
        result = ingest_file(instance, RawStore(Layout(data_dir).raw_dir), contract, batch)
        run_version(defs, instance, "support_tickets", result.raw.version)
        # As if the landing sensor had ingested it: the sender's file stays in landing.
        landing = Layout(data_dir).landing_dir(contract.landing_folder)
        landing.mkdir(parents=True, exist_ok=True)
        shutil.move(batch, landing / "planted.csv")
        HoldBook(Layout(data_dir).holds_file).add(*HELD, "litigation")
        yield Demo(data_dir, instance, defs)
    mp.undo()


def _hits(folders: list[Path], needles: list[str]) -> set[tuple[str, str]]:
    """(file, value) for every value found in the bytes of any file under the folders."""
    pattern = needle_pattern_bytes(needles)
    found = set()
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                for match in pattern.finditer(path.read_bytes()):
                    found.add((str(path.relative_to(folder)), match.group().decode("utf-8")))
    return found


def _folders(demo: Demo) -> list[Path]:
    # The datasheets of this data directory (the fixture's own folder).
    return [demo.data_dir, Path(os.environ["DATAOPS_DATASHEETS_DIR"])]


def test_every_table_in_the_warehouse_is_in_the_registry(demo_copy):
    datasets = {c.name for c in load_contracts(CONTRACTS_DIR)}
    with open_warehouse(Layout(demo_copy.data_dir)).reader() as conn:
        found = conn.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_catalog = current_database()").fetchall()
        unknown = [f"{s}.{t}" for s, t in found if not registered(s, t, datasets)]
        assert not unknown, f"tables missing from governance/tables.py: {unknown}"
        for schema, name in found:
            declared = table(name).columns
            if declared is not None:
                actual = [r[0] for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                    "AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()]
                assert set(actual) == {c for c, _ in declared}, f"{schema}.{name}"
    # The demo reaches the labeling, drift and quality tables, not only the stages.
    assert {t for _, t in found} >= {"consensus_labels", "drift_summary", "labeling_batches",
                                     "quality_metrics", "pii_findings", "delivered"}
    assert len(TABLES) == len({t.name for t in TABLES})


def test_incidents_keep_no_personal_value(demo_copy):
    """Incident rows, events, notifications and the outbox: no personal value of the demo,
    even when a person types an e-mail address or a phone number into a note."""
    layout = Layout(demo_copy.data_dir)
    contracts = {c.name: c for c in load_contracts(CONTRACTS_DIR)}
    with open_warehouse(layout).reader() as conn:
        values = sorted({v for vs in _personal_values(conn).values() for v in vs})
    emails = [v for v in values if "@" in v][:20]
    assert len(emails) == 20
    book = IncidentBook(layout, contracts)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    for i, email in enumerate(emails[:10]):
        incident, _ = book.record(Signal("support_tickets", f"v{i + 1}", f"leak_check_{i}",
                                         QUALITY, HIGH, at, f"ticket from {email}"))
        book.resolve(incident.id, "schema change", f"called on {PHONE}, {EMAIL}, "
                     f"and {emails[10 + i]} about it", "alice", at + timedelta(hours=1))
    book.record(Signal("support_tickets", "v1", "leak_check_open", QUALITY, HIGH, at,
                       f"mail {EMAIL}"))
    escalate(book, None, at + timedelta(days=2), Notifier(layout.outbox_file))
    assert layout.outbox_file.is_file() and len(book.list()) >= 11
    # The whole operations folder (database, WAL, outbox), found on disk.
    hits = _hits([layout.operations_dir], [*values, EMAIL, PHONE.rsplit(" ", 1)[1]])
    assert hits == set(), f"personal values in the operations store: {sorted(hits)[:5]}"


def test_erasure_leaves_no_byte_of_the_subject(demo_copy, capsys):
    needles = [EMAIL, NAME, PHONE]
    assert any(_folders(demo_copy)[1].rglob("v1.md"))  # the datasheets are searched too
    before = _hits(_folders(demo_copy), needles)
    assert {v for _, v in before} == set(needles)  # the search finds them where they are
    assert main(["erase", "--dataset", "support_tickets", "--key",
                 f"customer_email={EMAIL.upper()}"]) == 0
    out = capsys.readouterr().out
    assert "raw copies rewritten without the subject: 1" in out and EMAIL not in out
    assert "landing files cleaned: 1" in out
    assert not any(Layout(demo_copy.data_dir).landing_root.rglob("planted.csv"))
    assert _hits(_folders(demo_copy), needles) == set()
    # The manifest keeps the original digest and notes the rewrite with the new one.
    store = RawStore(Layout(demo_copy.data_dir).raw_dir)
    raw = store.versions("support_tickets")[-1]
    [note] = raw.redactions
    assert note["note"] == "redacted by erasure" and note["sha256"] != raw.sha256
    assert note["records_removed"] == 1
    assert not Path(f"{Layout(demo_copy.data_dir).warehouse}.wal").exists()
    # The rewritten raw copy still materializes, without the subject.
    assert run_version(demo_copy.defs, demo_copy.instance, "support_tickets",
                       raw.version).delivered
    assert _hits(_folders(demo_copy), needles) == set()


def _personal_values(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    """Distinct personal string values per dataset version, from the intake tables."""
    out: dict[tuple[str, str], set[str]] = {}
    for contract in load_contracts(CONTRACTS_DIR):
        for col in contract.columns:
            if not col.personal or col.logical_type != "string":
                continue
            with contextlib.suppress(duckdb.CatalogException):
                for version, value in conn.execute(
                        f'SELECT DISTINCT _version, "{col.name}" FROM "{contract.name}".intake '
                        f'WHERE length("{col.name}") BETWEEN 10 AND 60').fetchall():
                    out.setdefault((contract.name, version), set()).add(value)
    return out


def test_retention_far_ahead_leaves_no_row_and_no_byte_of_purged_versions(demo_copy,
                                                                          monkeypatch, capsys):
    layout = Layout(demo_copy.data_dir)
    with open_warehouse(layout).reader() as conn:
        values = _personal_values(conn)
    kept = values.pop(HELD, set())
    purged = sorted({v for vs in values.values() for v in vs} - kept)
    sample = purged[:: max(1, len(purged) // 300)]
    assert len(sample) > 100
    assert _hits(_folders(demo_copy), sample)  # found before: in the raw copies at least
    monkeypatch.setattr(retention_cli, "dagster_instance", lambda: demo_copy.instance)
    assert main(["retention", "run", "--as-of", "2100-01-01", "--json"]) == 0
    assert '"success": true' in capsys.readouterr().out
    purges = {(e.dataset, e.version) for e in AuditLog(audit_path(layout.data_dir)).entries(
        action="purge") if e.details["scope"] == "version" and e.details["effect"] == "delete"}
    assert ("support_tickets", "v1") in purges and HELD not in purges
    with open_warehouse(layout).reader() as conn:
        # Every table, found in the warehouse rather than in the registry.
        for schema, name in conn.execute("SELECT table_schema, table_name FROM "
                                         "information_schema.tables").fetchall():
            cols = {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                "AND table_name = ?", [schema, name]).fetchall()}
            if name == "retention_log":
                continue  # the proof of what retention did, by design
            if "_version" in cols:
                left = conn.execute(f'SELECT DISTINCT _version FROM "{schema}"."{name}"'
                                    ).fetchall()
                stale = {(schema, v) for (v,) in left} & purges
            elif {"dataset", "version"} <= cols:
                left = conn.execute(f'SELECT DISTINCT dataset, version FROM "{schema}"."{name}"'
                                    ).fetchall()
                stale = set(left) & purges
            else:
                continue
            assert not stale, f"{schema}.{name} keeps rows of purged versions {sorted(stale)}"
        held = conn.execute(f'SELECT count(*) FROM "{HELD[0]}".validated WHERE _version = ?',
                            [HELD[1]]).fetchall()[0][0]
    assert held > 0  # the legal hold is respected
    # The refresh-request ledger (the one store of requests) forgets purged versions too.
    requests = {(r.dataset, r.version) for r in RefreshLedger(layout.refresh_requests_file).list()}
    assert ("support_tickets", "v2") in purges and not requests & purges
    assert _hits(_folders(demo_copy), sample) == set()
