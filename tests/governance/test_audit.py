"""Audit trail: hash chain, tamper detection, no personal data, concurrency, CLI."""

from __future__ import annotations

import argparse
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dataops_assets.cli import audit as audit_cli
from governance.audit import GENESIS, AuditLog, AuditLogError, AuditValueError, audit_path
from governance.errors import GovernanceError, InvalidNameError

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _filled(tmp_path: Path, count: int = 5) -> AuditLog:
    log = AuditLog(audit_path(tmp_path))
    for n in range(1, count + 1):
        log.append("ingest", "support_tickets", f"v{n}", {"rows": 10 * n}, actor="svc", now=NOW)
    return log


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines()


def _rewrite(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(line + "\n" for line in lines))


def test_append_builds_a_valid_chain(tmp_path):
    log = _filled(tmp_path, 3)
    assert log.path == tmp_path / "audit" / "audit.jsonl"
    entries = log.entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev == GENESIS
    assert [e.prev for e in entries[1:]] == [e.hash for e in entries[:-1]]
    first = json.loads(_lines(log)[0])
    body = {k: v for k, v in first.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert first["hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert first["at"] == "2024-05-01T12:00:00+00:00"
    assert json.loads(log.head_path.read_text()) == {"seq": 3, "hash": entries[-1].hash}
    assert log.verify().ok and log.verify().entries == 3


def test_empty_or_absent_log_verifies_ok(tmp_path):
    result = AuditLog(audit_path(tmp_path)).verify()
    assert result.ok and result.entries == 0 and result.first_bad is None


def test_default_actor_and_null_version(tmp_path):
    entry = AuditLog(audit_path(tmp_path)).append("access", "support_tickets")
    assert entry.version is None and entry.actor
    assert entry.details == {}


def test_edit_is_detected(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    lines[2] = lines[2].replace('"rows":30', '"rows":31')
    _rewrite(log, lines)
    result = log.verify()
    assert not result.ok and result.first_bad == 3
    assert result.reason == "entry 3 was edited"


def test_removed_middle_entry_is_detected(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    del lines[2]
    _rewrite(log, lines)
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, 3)
    assert result.reason == "entry 3 is missing or was removed"


def test_inserted_forgery_is_detected(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    forged = json.loads(lines[2])
    forged.update(details={"rows": 999}, hash="f" * 64)
    lines.insert(2, json.dumps(forged))
    _rewrite(log, lines)
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, 3)
    assert result.reason == "an extra entry was inserted before entry 3"


def test_reordered_entries_are_detected(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    lines[2], lines[3] = lines[3], lines[2]
    _rewrite(log, lines)
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, 3)
    assert result.reason == "entry 3 is out of order"


def test_truncated_tail_is_detected_and_blocks_appends(tmp_path):
    log = _filled(tmp_path)
    _rewrite(log, _lines(log)[:-1])
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, 5)
    assert result.reason == "the log was truncated after entry 4"
    # A new append would re-anchor the head and hide the truncation, so it is refused.
    with pytest.raises(AuditLogError):
        log.append("check", "support_tickets", "v1", actor="svc")


def test_unparseable_line_names_its_line_number(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    lines[1] = "{not json"
    _rewrite(log, lines)
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, 2)
    assert "line 2" in result.reason


@pytest.mark.parametrize("value", [
    "jane.doe@example.com",
    "call 0612345678",
    "the customer said that her husband had called twice about the refund and was upset",
    "Zoë",
    ["a", "list"],
    float("nan"),
])
def test_personal_looking_values_are_refused_without_echoing_them(tmp_path, value):
    log = AuditLog(audit_path(tmp_path))
    with pytest.raises(AuditValueError) as info:
        log.append("export", "support_tickets", "v1", {"note": value}, actor="svc")
    assert isinstance(info.value, GovernanceError)
    assert "note" in str(info.value)
    assert str(value) not in str(info.value)
    assert not log.path.exists()


def test_safe_values_digests_and_names_are_accepted(tmp_path):
    log = AuditLog(audit_path(tmp_path))
    digest = hashlib.sha256(b"x").hexdigest()
    details = {"rows": 12, "ratio": 0.5, "blocked": False, "reason": None, "sha256": digest,
               "stage": "validated", "target": "delivered/support_tickets/v1.parquet"}
    assert log.append("export", "support_tickets", "v1", details, actor="svc").details == details
    with pytest.raises(InvalidNameError):
        log.append("export", "Bad Name", "v1", actor="svc")
    with pytest.raises(InvalidNameError):
        log.append("export", "support_tickets", "1", actor="svc")
    with pytest.raises(AuditValueError):
        log.append("delete_everything", "support_tickets", actor="svc")
    with pytest.raises(AuditValueError) as info:
        log.append("access", "support_tickets", actor="jane.doe@example.com")
    assert "jane" not in str(info.value)
    with pytest.raises(AuditValueError):
        log.append("export", "support_tickets", details={"e-mail": 1}, actor="svc")


def test_concurrent_appends_keep_a_valid_chain(tmp_path):
    path = audit_path(tmp_path)

    def work(n: int) -> int:
        # A fresh AuditLog per call, as separate processes would have.
        return AuditLog(path).append("check", "loan_applications", f"v{n % 7 + 1}",
                                     {"worker": n}, actor="svc").seq

    with ThreadPoolExecutor(max_workers=8) as pool:
        seqs = list(pool.map(work, range(40)))
    assert sorted(seqs) == list(range(1, 41))
    result = AuditLog(path).verify()
    assert result.ok and result.entries == 40


def test_entries_filters(tmp_path):
    log = AuditLog(audit_path(tmp_path))
    log.append("ingest", "support_tickets", "v1", actor="svc")
    log.append("materialize", "support_tickets", "v1", actor="svc")
    log.append("ingest", "support_tickets", "v2", actor="svc")
    log.append("ingest", "loan_applications", "v1", actor="svc")
    assert [e.seq for e in log.entries(dataset="support_tickets")] == [1, 2, 3]
    assert [e.seq for e in log.entries(version="v1")] == [1, 2, 4]
    assert [e.seq for e in log.entries(action="ingest")] == [1, 3, 4]
    assert [e.seq for e in log.entries("support_tickets", "v1", "ingest")] == [1]


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dataops")
    audit_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_verify_and_show(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(tmp_path))
    # A session fixture's test instance may still be DAGSTER_HOME: this trail has no witness.
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    log = _filled(tmp_path, 3)
    assert _run(["audit", "verify"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "audit trail OK: 3 entries"
    assert out[1].startswith("UNSIGNED: no audit key is configured (DATAOPS_AUDIT_KEY)")
    assert out[2].startswith("no witness was read")
    assert _run(["audit", "show", "--version", "v2", "--json"]) == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["seq"] for e in shown] == [2]
    assert _run(["audit", "show", "--action", "ingest"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["seq", "at", "action"] and len(table) == 4
    assert "rows=10" in table[1]
    lines = _lines(log)
    _rewrite(log, [lines[0], lines[2]])
    assert _run(["audit", "verify"]) == 1
    assert capsys.readouterr().err.strip() == (
        "audit trail BROKEN at entry 2: entry 2 is missing or was removed")
