"""A copy of a data directory acts on itself only: the original stays byte-for-byte the same."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import yaml

from dataops_assets.cli import main
from dataops_assets.definitions import build_definitions
from dataops_assets.runner import run_version
from governance.contracts import load_contracts
from governance.rawstore import RawStore
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR, REPO


def tree_digests(root: Path) -> dict[str, str]:
    """sha256 of every file under root, keyed by its path below root."""
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_retention_erasure_and_rematerialization_on_a_copy_leave_the_original_alone(
        demo, tmp_path, monkeypatch):
    original = demo.data_dir
    before = tree_digests(original)
    assert any(name.startswith("raw/") and name.endswith(".csv") for name in before)
    copy = tmp_path / "copy"
    shutil.copytree(original, copy, symlinks=True)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(copy))
    monkeypatch.delenv("DATAOPS_DATASHEETS_DIR", raising=False)  # the copy's own folder
    overrides = yaml.safe_load((REPO / "dagster.yaml").read_text())
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home"), overrides=overrides) as instance:
        defs = build_definitions(CONTRACTS_DIR, copy)
        for contract in load_contracts(CONTRACTS_DIR):
            versions = [v.version for v in RawStore(Layout(copy).raw_dir).versions(contract.name)]
            instance.add_dynamic_partitions(f"{contract.name}_versions", versions)
        with open_warehouse(Layout(copy)).reader() as conn:
            email = conn.execute("SELECT customer_email FROM support_tickets.validated "
                                 "WHERE customer_email IS NOT NULL LIMIT 1").fetchone()[0]
        assert main(["erase", "--dataset", "support_tickets", "--key",
                     f"customer_email={email}"]) == 0
        outcome = run_version(defs, instance, "support_tickets", "v1")
        assert outcome.delivered, outcome.errors
        job = defs.resolve_job_def("retention_enforcement")
        assert job.execute_in_process(instance=instance, run_config={"ops": {
            "enforce_retention": {"config": {"as_of": "2040-01-01T00:00:00"}}}}).success
    # The copy did act: its support-ticket batches (deleted after two years) are gone.
    left = sorted(p.name for p in (copy / "raw" / "support_tickets").rglob("data.*"))
    assert not left, left
    after = tree_digests(original)
    changed = sorted(name for name, digest in before.items() if after.get(name) != digest)
    assert not changed, f"the copy changed or deleted files of the original: {changed}"
    assert after == before  # nothing added either
    # Nothing the copy stored names the original (Dagster's per-event log lines aside).
    mentions = [p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()
                and p.parts[len(copy.parts)] != "logs" and str(original).encode() in p.read_bytes()]
    assert not mentions, mentions
    # The copy's documents went into the copy, not among the original's or the repository's.
    assert (copy / "datasheets" / "support_tickets" / "v1.md").is_file()
