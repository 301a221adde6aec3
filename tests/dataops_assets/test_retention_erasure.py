"""Retention enforcement and erasure requests, through the real assets, job and command."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
import yaml

from dataops_assets.cli import main
from dataops_assets.definitions import build_definitions
from dataops_assets.demo.generate import generate_demo
from dataops_assets.ingestion.ingest import ingest_file
from dataops_assets.runner import run_version
from governance.audit import AuditLog, audit_path
from governance.contracts import load_contracts
from governance.holds import HoldBook
from governance.pii.treatment import keyed_hash
from governance.rawstore import RawStore, sha256_file
from governance.settings import Layout
from governance.storage import now_utc
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR, REPO

STAGES = ("intake", "cleaned", "validated", "delivered")


@dataclass
class Setup:
    data_dir: Path
    instance: dg.DagsterInstance
    defs: dg.Definitions
    batches: dict[str, Path]


def _slice(lines: list[bytes], rows: slice, path: Path) -> Path:
    path.write_bytes(b"".join([lines[0], *lines[rows]]))
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Iterator[Setup]:
    """Tickets: v1 and v3 arrived three years ago (v3 under legal hold), v2 ten days ago."""
    root = tmp_path_factory.mktemp("retention")
    data_dir = root / "data"
    mp = pytest.MonkeyPatch()
    mp.setenv("DATAOPS_DATA_DIR", str(data_dir))
    full = generate_demo(root / "src", date.today())["support_tickets"][0]
    lines = full.read_bytes().splitlines(keepends=True)
    batches = {"old": _slice(lines, slice(-450, -300), root / "old.csv"),
               "new": _slice(lines, slice(-300, -150), root / "new.csv"),
               "held": _slice(lines, slice(-150, None), root / "held.csv")}
    (root / "home").mkdir()
    overrides = yaml.safe_load((REPO / "dagster.yaml").read_text())
    with dg.instance_for_test(temp_dir=str(root / "home"), overrides=overrides) as instance:
        defs = build_definitions(CONTRACTS_DIR, data_dir)
        store = RawStore(Layout(data_dir).raw_dir)
        now = now_utc()
        for name, age in (("old", 3 * 365), ("new", 10), ("held", 3 * 365)):
            raw = store.put("support_tickets", batches[name], now=now - timedelta(days=age)).raw
            instance.add_dynamic_partitions("support_tickets_versions", [raw.version])
            assert run_version(defs, instance, "support_tickets", raw.version).delivered
        HoldBook(Layout(data_dir).holds_file).add("support_tickets", "v3", "litigation")
        yield Setup(data_dir, instance, defs, batches)
    mp.undo()


def _count(data_dir: Path, table: str, where: str, params: list) -> int:
    with open_warehouse(Layout(data_dir)).reader() as conn:
        return conn.execute(f'SELECT count(*) FROM "support_tickets"."{table}" WHERE {where}',
                            params).fetchall()[0][0]


def test_erased_subject_is_gone_everywhere_and_stays_gone(setup, capsys):
    with setup.batches["new"].open() as fh:
        email = next(csv.DictReader(fh))["customer_email"]
    subject = email.strip().lower()
    assert _count(setup.data_dir, "validated", "customer_email = ?", [subject]) >= 1
    assert main(["erase", "--dataset", "support_tickets", "--key",
                 f"customer_email={email.upper()}"]) == 0
    out = capsys.readouterr().out
    assert "support_tickets.delivered:" in out and "tombstone" in out and subject not in out
    hashed = keyed_hash(subject, os.environ["DATAOPS_HASH_KEY"].encode())
    for table in ("intake", "cleaned", "validated"):
        assert _count(setup.data_dir, table, "lower(trim(customer_email)) = ?", [subject]) == 0
    assert _count(setup.data_dir, "delivered", "customer_email = ?", [hashed]) == 0
    export = pq.read_table(Layout(setup.data_dir).delivered_file("support_tickets", "v2"))
    assert hashed not in export.column("customer_email").to_pylist()
    # The raw copy was rewritten without the subject; its manifest keeps the original digest.
    raw = RawStore(Layout(setup.data_dir).raw_dir).get("support_tickets", "v2")
    assert raw.redactions and raw.redactions[0]["note"] == "redacted by erasure"
    assert subject not in Path(raw.stored_path).read_text().lower()
    assert raw.sha256 == sha256_file(setup.batches["new"])[0]
    # Re-materializing the version re-reads the raw file: the subject stays out.
    assert run_version(setup.defs, setup.instance, "support_tickets", "v2").delivered
    assert _count(setup.data_dir, "intake", "lower(customer_email) = ?", [subject]) == 0
    # Ingesting a new file that holds the subject again: still kept out.
    lines = setup.batches["new"].read_bytes().splitlines(keepends=True)
    again = _slice(lines, slice(1, None), setup.data_dir.parent / "again.csv")
    again.write_bytes(lines[0] + b"".join(reversed(lines[1:])))
    contract = {c.name: c for c in load_contracts(CONTRACTS_DIR)}["support_tickets"]
    result = ingest_file(setup.instance, RawStore(Layout(setup.data_dir).raw_dir), contract,
                         again)
    assert not result.duplicate
    run_version(setup.defs, setup.instance, "support_tickets", result.raw.version)
    assert _count(setup.data_dir, "intake", "lower(customer_email) = ?", [subject]) == 0
    entries = AuditLog(audit_path(setup.data_dir)).entries(action="erase")
    assert entries and entries[-1].details["key_sha256"] == hashed
    assert subject not in audit_path(setup.data_dir).read_text()


def test_retention_job_purges_expired_versions_and_spares_held_ones(setup):
    layout = Layout(setup.data_dir)
    job = setup.defs.resolve_job_def("retention_enforcement")
    result = job.execute_in_process(instance=setup.instance, run_config={
        "ops": {"enforce_retention": {"config": {"as_of": now_utc().isoformat()}}}})
    assert result.success
    # v1: past two years -> deleted everywhere, partition gone.
    for table in STAGES:
        assert _count(setup.data_dir, table, "_version = 'v1'", []) == 0
    assert not (layout.raw_dir / "support_tickets" / "v1").exists()
    assert not layout.delivered_file("support_tickets", "v1").exists()
    partitions = setup.instance.get_dynamic_partitions("support_tickets_versions")
    assert "v1" not in partitions and {"v2", "v3"} <= set(partitions)
    # v3 is just as old but under legal hold: untouched.
    assert _count(setup.data_dir, "validated", "_version = 'v3' AND body IS NOT NULL", []) > 0
    assert Path(RawStore(layout.raw_dir).get("support_tickets", "v3").stored_path).exists()
    # v2 arrived ten days ago: neither its body (90 days) nor the version (2 years) is due.
    assert _count(setup.data_dir, "validated", "_version = 'v2' AND body IS NULL", []) == 0
    purges = AuditLog(audit_path(setup.data_dir)).entries(action="purge")
    assert {(e.version, e.details["scope"]) for e in purges} >= {("v1", "version")}
    assert all(e.version != "v3" for e in purges)


def test_column_retention_blanks_free_text_after_90_days(setup):
    later = (now_utc() + timedelta(days=85)).isoformat()  # v2 is 95 days old then
    job = setup.defs.resolve_job_def("retention_enforcement")
    assert job.execute_in_process(instance=setup.instance, run_config={
        "ops": {"enforce_retention": {"config": {"as_of": later}}}}).success
    assert _count(setup.data_dir, "delivered", "_version = 'v2' AND body IS NOT NULL", []) == 0
    assert _count(setup.data_dir, "delivered", "_version = 'v2'", []) > 0  # rows stay
    # The version is kept: its raw copy is rewritten with the free text blank, not deleted.
    raw = RawStore(Layout(setup.data_dir).raw_dir).get("support_tickets", "v2")
    assert not raw.purged and raw.redactions[-1]["note"] == "redacted by retention (column body)"
    with Path(raw.stored_path).open(newline="") as fh:
        assert {r["body"] for r in csv.DictReader(fh)} == {""}


def test_audit_trail_of_the_whole_story_verifies(setup):
    log = AuditLog(audit_path(setup.data_dir))
    assert log.verify().ok
    actions = {e.action for e in log.entries()}
    assert {"ingest", "materialize", "check", "export", "erase", "purge"} <= actions
