"""The Dagster instance as the audit trail's witness, and `dataops audit verify` end to end."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from dataops_assets.auditing import audit, audit_log, witnessed_checkpoints
from dataops_assets.keys import AUDIT_TRAIL_KEY
from governance.audit import GENESIS, audit_path
from governance.audit_sign import create_key, load_public_key, public_key_path
from governance.audit_verify import verify_trail
from tests.conftest import REPO

BIN = Path(sys.executable).parent


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A Dagster home with the repository's dagster.yaml."""
    path = tmp_path / "dagster_home"
    path.mkdir()
    (path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    return path


@pytest.fixture
def key(tmp_path: Path) -> Path:
    """An audit key outside the data directory."""
    path = tmp_path / "keys" / "audit_ed25519"
    create_key(path)
    return path


def test_every_checkpoint_is_an_observation_in_the_instance(tmp_path, data_dir, key,
                                                            monkeypatch):
    monkeypatch.setenv("DATAOPS_AUDIT_KEY", str(key))
    (tmp_path / "instance").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance")) as instance:
        log = audit_log(data_dir, instance)
        entries = [log.append("ingest", "support_tickets", f"v{n}", actor="svc")
                   for n in (1, 2, 3)]
        witnessed = witnessed_checkpoints(instance)
        assert [(cp.seq, cp.head) for cp in witnessed] == [(e.seq, e.hash) for e in entries]
        assert witnessed == [c for c in log.checkpoints() if c is not None]
        assert instance.fetch_observations(AUDIT_TRAIL_KEY, limit=10).records
        public = load_public_key(public_key_path(key))
        assert verify_trail(log, public, witnessed).ok


def test_audit_uses_the_instance_under_dagster_home(data_dir, home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    audit(data_dir, "hold_add", "loan_applications", "v1", reason_sha256="0" * 64)
    instance = dg.DagsterInstance.get()
    [checkpoint] = witnessed_checkpoints(instance)
    assert checkpoint.seq == 1 and checkpoint.sig == ""  # witnessed, though unsigned


def _run_verify(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "dataops", "audit", "verify"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.e2e
def test_cli_verify_catches_the_insider_rewrite(tmp_path, data_dir, home, key, monkeypatch):
    """Drop an entry, re-chain the rest, rewrite the head: `dataops audit verify` exits 1."""
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATAOPS_DATA_DIR": str(data_dir),
           "DATAOPS_AUDIT_KEY": str(key)}
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DATAOPS_AUDIT_KEY", str(key))
    for n in range(1, 6):
        audit(data_dir, "refuse" if n == 3 else "export", "loan_applications", f"v{n}",
              role="analyst")
    intact = _run_verify(env)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.startswith("audit trail OK: 5 entries\nsigned: 5 checkpoint(s)")
    assert "witness: all 5 witnessed checkpoint(s) are in the trail" in intact.stdout
    saved = tmp_path / "saved_audit"
    shutil.copytree(audit_path(data_dir).parent, saved)

    path = audit_path(data_dir)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    del records[2]  # the refused delivery
    prev, lines = GENESIS, []
    for seq, record in enumerate(records, start=1):
        body = {k: v for k, v in record.items() if k != "hash"} | {"seq": seq, "prev": prev}
        body["hash"] = prev = hashlib.sha256(json.dumps(
            body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        lines.append(json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n")
    path.write_text("".join(lines))
    path.with_suffix(".head").write_text(json.dumps({"seq": 4, "hash": prev}) + "\n")
    broken = _run_verify(env)
    assert broken.returncode == 1
    assert broken.stderr.startswith("audit trail BROKEN at entry 3: entry 3 disagrees with its "
                                    "signed checkpoint")

    # The insider also deletes the checkpoints and verifies without the key: the witness
    # in the Dagster instance still names the entry.
    path.with_suffix(".checkpoints").unlink()
    unkeyed = _run_verify({k: v for k, v in env.items() if k != "DATAOPS_AUDIT_KEY"})
    assert unkeyed.returncode == 1
    assert unkeyed.stderr.startswith("audit trail BROKEN at entry 3: entry 3 disagrees with "
                                     "the checkpoint the witness holds")
    shutil.rmtree(path.parent)
    shutil.copytree(saved, path.parent)
    assert _run_verify(env).returncode == 0
