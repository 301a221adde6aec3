"""Breaches without a check: overdue versions and missing batches."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from governance.service_levels.breaches import Breach, missing_batch, overdue_versions

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_overdue_versions_are_undelivered_past_the_latency_target(contracts) -> None:
    contract = contracts["support_tickets"]  # latency 6 h, severity error
    arrivals = {"v10": T0, "v2": T0 - timedelta(hours=1), "v3": T0 + timedelta(hours=1)}
    now = T0 + timedelta(hours=6, minutes=30)
    breaches = overdue_versions(contract, arrivals, delivered={"v3"}, now=now)
    assert breaches == [
        Breach("support_tickets", "v2", "latency", "error", 7.5 * 3600, 6 * 3600,
               T0 + timedelta(hours=5)),
        Breach("support_tickets", "v10", "latency", "error", 6.5 * 3600, 6 * 3600,
               T0 + timedelta(hours=6)),
    ]
    # Exactly at the target is not yet a breach.
    assert overdue_versions(contract, {"v1": T0}, (), T0 + timedelta(hours=6)) == []
    assert overdue_versions(contract, {"v1": T0}, ("v1",), T0 + timedelta(days=9)) == []


def test_no_latency_target_means_no_overdue_version(contracts) -> None:
    contract = contracts["support_tickets"]
    slas = tuple(s for s in contract.slas if s.name not in ("latency", "timeOfAvailability"))
    custom = {k: v for k, v in contract.custom.items() if k != "serviceLevels"}
    bare = dataclasses.replace(contract, slas=slas, custom=custom)
    assert overdue_versions(bare, {"v1": T0}, (), T0 + timedelta(days=30)) == []


def test_missing_batch_after_frequency_plus_grace(contracts) -> None:
    contract = contracts["loan_applications"]  # weekly, 1 d grace, severity error
    assert missing_batch(contract, None, T0) is None
    assert missing_batch(contract, T0, T0 + timedelta(days=8)) is None
    breach = missing_batch(contract, T0, T0 + timedelta(days=8, seconds=1))
    assert breach == Breach("loan_applications", None, "frequency", "error",
                            8 * 86400 + 1, 8 * 86400, T0 + timedelta(days=8))
    warning = missing_batch(contracts["support_tickets"], T0, T0 + timedelta(days=2))
    assert warning is not None and warning.severity == "warning"
