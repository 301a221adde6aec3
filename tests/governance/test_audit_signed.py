"""Signed and witnessed audit trail: every tamper kind, each caught by verify_trail."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import stat
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from governance.audit import GENESIS, AuditLog, audit_path
from governance.audit_sign import (
    AuditKeyError,
    Checkpoint,
    Signer,
    create_key,
    load_private_key,
    load_public_key,
    public_key_path,
    signer_from_env,
    trusted_public_key_from_env,
    url_witness,
)
from governance.audit_verify import verify_trail

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    """An audit key outside the data directory."""
    path = tmp_path / "keys" / "audit_ed25519"
    create_key(path, tmp_path / "data")
    return path


@pytest.fixture
def witness() -> list[Checkpoint]:
    """An in-memory witness: the checkpoints it was handed, in order."""
    return []


def _trail(tmp_path: Path, key: Path, witness: list[Checkpoint], count: int = 5) -> AuditLog:
    log = AuditLog(audit_path(tmp_path / "data"), Signer(load_private_key(key)),
                   [witness.append])
    for n in range(1, count + 1):
        log.append("ingest", "support_tickets", f"v{n}", {"rows": 10 * n}, actor="svc", now=NOW)
    return log


def _verify(log: AuditLog, key: Path, witness: list[Checkpoint] | None = None):
    return verify_trail(log, load_public_key(public_key_path(key)), witness)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n"
                            for r in records))


def _rechain(log: AuditLog, records: list[dict]) -> list[dict]:
    """The insider's rewrite: renumber, re-link and re-hash every entry, then move the head."""
    prev, out = GENESIS, []
    for seq, record in enumerate(records, start=1):
        body = {k: v for k, v in record.items() if k != "hash"} | {"seq": seq, "prev": prev}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        body["hash"] = prev = hashlib.sha256(canonical.encode()).hexdigest()
        out.append(body)
    _write(log.path, out)
    log.head_path.write_text(json.dumps({"seq": len(out), "hash": prev}) + "\n")
    return out


def test_an_intact_signed_trail_verifies(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    report = _verify(log, key, witness)
    assert (report.ok, report.entries, report.checkpoints, report.witnessed) == (True, 5, 5, 5)
    assert [cp.seq for cp in witness] == [1, 2, 3, 4, 5]
    assert "signed: 5 checkpoint(s) verify with audit key" in report.summary()
    assert (log.checkpoints_path.parent, log.checkpoints_path.name) == (log.path.parent,
                                                                        "audit.checkpoints")


def test_edit_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    records[2]["details"]["rows"] = 31
    _write(log.path, records)
    report = _verify(log, key, witness)
    assert (report.ok, report.first_bad, report.reason) == (False, 3, "entry 3 was edited")


def test_delete_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    del records[1]
    _write(log.path, records)
    report = _verify(log, key, witness)
    assert (report.ok, report.first_bad) == (False, 2)
    assert "entry 2 is missing or was removed" in report.reason


def test_insert_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    records.insert(2, dict(records[1]))
    _write(log.path, records)
    report = _verify(log, key, witness)
    assert (report.ok, report.first_bad) == (False, 2)
    assert "inserted" in report.reason


def test_reorder_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    records[1], records[2] = records[2], records[1]
    _write(log.path, records)
    report = _verify(log, key, witness)
    assert (report.ok, report.first_bad, report.reason) == (False, 2, "entry 2 is out of order")


def test_careful_truncation_with_a_rewritten_head_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)[:3]
    _write(log.path, records)
    log.head_path.write_text(json.dumps({"seq": 3, "hash": records[-1]["hash"]}) + "\n")
    assert log.verify().ok  # the chain and its head alone cannot tell
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 4)
    assert "covers entry 4 but the trail ends at entry 3" in report.reason


def test_full_rewrite_is_detected(tmp_path, key, witness):
    """The attack in issue 15: drop an entry, re-chain every later one, rewrite the head."""
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    del records[2]
    _rechain(log, records)
    assert log.verify().ok  # the plain hash chain is fooled
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 3)
    assert report.reason.startswith("entry 3 disagrees with its signed checkpoint")
    assert "BROKEN at entry 3" in report.summary()


def test_full_rewrite_with_forged_checkpoints_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    del records[2]
    rewritten = _rechain(log, records)
    # The insider keeps the genuine checkpoints before the cut and signs the rest with a
    # key of their own, since the real one is out of reach.
    forger = Signer(load_private_key(_other_key(tmp_path)))
    genuine = _records(log.checkpoints_path)[:2]
    forged = [forger.sign(r["seq"], r["hash"], NOW).as_dict() for r in rewritten[2:]]
    _write(log.checkpoints_path, genuine + forged)
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 3)
    assert "the checkpoint of entry 3 is not signed by the audit key" in report.reason


def test_full_rewrite_with_every_checkpoint_forged_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    records = _records(log.path)
    del records[2]
    rewritten = _rechain(log, records)
    forger = Signer(load_private_key(_other_key(tmp_path)))
    _write(log.checkpoints_path,
           [forger.sign(r["seq"], r["hash"], NOW).as_dict() for r in rewritten])
    report = _verify(log, key, witness)
    assert (report.ok, report.first_bad) == (False, 1)
    assert "not signed by the audit key" in report.reason


def test_edited_checkpoint_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    checkpoints = _records(log.checkpoints_path)
    checkpoints[3]["seq"] = 3
    _write(log.checkpoints_path, checkpoints)
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 3)
    assert "forged or edited" in report.reason


def test_rolled_back_file_is_detected_by_the_witness(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness, count=3)
    saved = tmp_path / "older_copy"
    shutil.copytree(log.path.parent, saved)
    for n in (4, 5):
        log.append("refuse", "support_tickets", f"v{n}", {"stage": "export"}, actor="svc")
    shutil.rmtree(log.path.parent)
    shutil.copytree(saved, log.path.parent)  # the older, self-consistent copy comes back
    assert _verify(log, key).ok  # the folder alone cannot tell
    report = _verify(log, key, witness)
    assert (report.ok, report.first_bad) == (False, 4)
    assert "witness holds a checkpoint of entry 4 but the trail ends at entry 3" in report.reason


def test_full_rewrite_is_detected_by_the_witness_without_a_key(tmp_path, witness):
    log = AuditLog(audit_path(tmp_path / "data"), None, [witness.append])
    for n in range(1, 5):
        log.append("ingest", "support_tickets", f"v{n}", actor="svc", now=NOW)
    records = _records(log.path)
    del records[1]
    _rechain(log, records)
    assert verify_trail(log).ok
    report = verify_trail(log, None, witness)
    assert (report.ok, report.first_bad) == (False, 2)
    assert "entry 2 disagrees with the checkpoint the witness holds" in report.reason


def test_deleted_checkpoints_are_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    log.checkpoints_path.unlink()
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 1)
    assert "there are no signed checkpoints" in report.reason


def test_deleted_last_checkpoints_are_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    _write(log.checkpoints_path, _records(log.checkpoints_path)[:3])
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 4)
    assert "entries 4 to 5 are not covered by a signed checkpoint" in report.reason


def test_damaged_checkpoint_line_is_detected(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness)
    lines = log.checkpoints_path.read_text().splitlines()
    lines[1] = "{not json"
    log.checkpoints_path.write_text("\n".join(lines) + "\n")
    report = _verify(log, key)
    assert (report.ok, report.first_bad) == (False, 2)
    assert "line 2 of audit.checkpoints is not a checkpoint" in report.reason


def test_without_a_key_verify_says_the_trail_is_unsigned(tmp_path):
    log = AuditLog(audit_path(tmp_path / "data"))
    log.append("ingest", "support_tickets", "v1", actor="svc")
    assert not log.checkpoints_path.exists()
    report = verify_trail(log)
    assert report.ok and not report.signed
    assert "UNSIGNED: no audit key is configured" in report.summary()


def test_stored_checkpoints_without_a_key_to_check_them_are_named(tmp_path, key, witness):
    log = _trail(tmp_path, key, witness, count=2)
    summary = verify_trail(log).summary()
    assert "UNSIGNED" in summary
    assert "2 signed checkpoint(s) are stored but were not checked" in summary


def test_adopting_a_key_signs_the_current_head(tmp_path, key):
    log = AuditLog(audit_path(tmp_path / "data"))
    for n in (1, 2):
        log.append("ingest", "support_tickets", f"v{n}", actor="svc")
    assert not _verify(log, key).ok  # keyed verify wants a checkpoint of the head
    log.signer = Signer(load_private_key(key))
    assert log.checkpoint_head().seq == 2
    assert _verify(log, key).ok


def _other_key(tmp_path: Path) -> Path:
    path = tmp_path / "insider" / "key"
    create_key(path)
    return path


def test_create_key_is_private_and_outside_the_data_directory(tmp_path, key):
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert load_private_key(key).public_key().public_bytes_raw() == load_public_key(
        public_key_path(key)).public_bytes_raw()
    with pytest.raises(AuditKeyError, match="already exists"):
        create_key(key)
    with pytest.raises(AuditKeyError, match="outside the data directory"):
        create_key(tmp_path / "data" / "audit" / "key", tmp_path / "data")
    assert not (tmp_path / "data" / "audit" / "key").exists()


def test_keys_from_the_environment(tmp_path, key, monkeypatch):
    assert signer_from_env() is None and trusted_public_key_from_env() is None
    monkeypatch.setenv("DATAOPS_AUDIT_KEY", str(key))
    assert signer_from_env().key_id == Signer(load_private_key(key)).key_id
    # The recorded public half is trusted, not one derived from whatever sits at the path.
    other = _other_key(tmp_path)
    public_key_path(key).write_bytes(public_key_path(other).read_bytes())
    trusted = trusted_public_key_from_env().public_bytes_raw()
    assert trusted == load_public_key(public_key_path(other)).public_bytes_raw()
    monkeypatch.setenv("DATAOPS_AUDIT_PUBLIC_KEY", str(public_key_path(key)))
    assert trusted_public_key_from_env().public_bytes_raw() == trusted
    monkeypatch.setenv("DATAOPS_AUDIT_KEY", str(tmp_path / "absent"))
    with pytest.raises(AuditKeyError, match="does not exist; create it with"):
        signer_from_env()


class _Collector(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # the name http.server calls
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


def test_url_witness_posts_every_checkpoint(tmp_path, key):
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Collector.received = []
    try:
        url = f"http://127.0.0.1:{server.server_port}/checkpoints"
        log = AuditLog(audit_path(tmp_path / "data"), Signer(load_private_key(key)),
                       [url_witness(url)])
        entries = [log.append("ingest", "support_tickets", f"v{n}", actor="svc")
                   for n in (1, 2)]
    finally:
        server.shutdown()
        server.server_close()
    assert [(r["seq"], r["head"]) for r in _Collector.received] == [(e.seq, e.hash)
                                                                      for e in entries]
    assert all(len(r["sig"]) == 128 for r in _Collector.received)


def test_a_witness_that_is_down_is_logged_not_fatal(tmp_path, key, caplog):
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    port = server.server_port
    server.server_close()  # nothing listens there any more
    log = AuditLog(audit_path(tmp_path / "data"), Signer(load_private_key(key)),
                   [url_witness(f"http://127.0.0.1:{port}/")])
    with caplog.at_level(logging.WARNING, logger="governance.audit_sign"):
        entry = log.append("ingest", "support_tickets", "v1", actor="svc")
    assert entry.seq == 1 and _verify(log, key).ok
    assert "did not take checkpoint 1" in caplog.text
