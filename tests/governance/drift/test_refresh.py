"""The refresh-request ledger: one request per drifted version, ever."""

from __future__ import annotations

from pathlib import Path

from governance.drift.refresh import DISPATCHED, REQUESTED, RefreshLedger, RefreshRequest


def _request(version: str, share: float = 0.6) -> RefreshRequest:
    return RefreshRequest("loan_applications", version, "v1", share,
                          ("credit_score", "purpose"), False, "loan_applications_refresh",
                          "2026-11-25T10:00:00+00:00")


def test_a_version_is_recorded_once(tmp_path: Path) -> None:
    ledger = RefreshLedger(tmp_path / "drift" / "refresh_requests.json")
    assert ledger.record(_request("v2")) is True
    # A second drift event for the same version (re-run, replayed cursor) changes nothing.
    assert ledger.record(_request("v2", share=0.9)) is False
    assert ledger.record(_request("v3")) is True
    requests = ledger.list("loan_applications")
    assert [(r.version, r.share_drifted, r.status) for r in requests] == [
        ("v2", 0.6, REQUESTED), ("v3", 0.6, REQUESTED)]
    assert requests[0].run_key == "drift-refresh:loan_applications:v2"
    assert requests[0].drifted_columns == ("credit_score", "purpose")


def test_dispatch_marks_the_request(tmp_path: Path) -> None:
    ledger = RefreshLedger(tmp_path / "refresh_requests.json")
    assert ledger.mark_dispatched("loan_applications", "v2", "run-1") is None
    ledger.record(_request("v2"))
    done = ledger.mark_dispatched("loan_applications", "v2", "run-1")
    assert done is not None and (done.status, done.run_id) == (DISPATCHED, "run-1")
    assert ledger.get("loan_applications", "v2") == done
    assert ledger.get("support_tickets", "v2") is None
