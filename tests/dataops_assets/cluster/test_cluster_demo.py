"""The cluster demo's waiting and bookkeeping, on a local instance (no servers needed)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.utils import make_new_run_id
from dagster_graphql import DagsterGraphQLClient

from dataops_assets.cluster.demo import (
    ClusterDemoError,
    RunsDidNotFinishError,
    SubmittedRun,
    follow_up_keys,
    refresh_request,
    submit_versions,
    unfinished,
    wait_for_runs,
)
from dataops_assets.keys import DRIFT, META_REFRESH_REQUEST, TAG_PARTITION
from dataops_assets.outcomes import VersionOutcome
from governance.drift.refresh import RefreshRequest


def _run(instance: dg.DagsterInstance, status: dg.DagsterRunStatus,
         tags: dict[str, str] | None = None, run_id: str | None = None) -> str:
    """Store a run of a (never executed) job with this status; its id."""
    if run_id is not None:
        instance.delete_run(run_id)  # the status changes: store it again
    run = dg.DagsterRun(job_name="demo_job", run_id=run_id or make_new_run_id(), status=status,
                        tags={TAG_PARTITION: "v2", **(tags or {})})
    return instance.add_run(run).run_id


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A throwaway local instance."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as inst:
        yield inst


def test_finished_runs_leave_nothing_to_wait_for(instance: dg.DagsterInstance) -> None:
    """Succeeded and failed runs are finished; waiting returns at once."""
    ids = [_run(instance, dg.DagsterRunStatus.SUCCESS), _run(instance, dg.DagsterRunStatus.FAILURE)]
    assert unfinished(instance, ids) == []
    started = time.monotonic()
    wait_for_runs(instance, ids, deadline=time.monotonic() + 5)
    assert time.monotonic() - started < 2


def test_a_run_still_queued_at_the_deadline_is_named(instance: dg.DagsterInstance) -> None:
    """The wait ends with a named error saying which run, by job and version, never finished."""
    done = _run(instance, dg.DagsterRunStatus.SUCCESS)
    stuck = _run(instance, dg.DagsterRunStatus.STARTING)
    with pytest.raises(RunsDidNotFinishError) as caught:
        wait_for_runs(instance, [done, stuck], deadline=time.monotonic() + 0.3, poll=0.1)
    assert caught.value.waiting == ["demo_job v2 starting"]
    assert "1 run(s) had not finished" in str(caught.value)
    assert "DATAOPS_CLUSTER_DEMO_TIMEOUT" in str(caught.value)


def test_follow_ups_are_found_by_run_key(instance: dg.DagsterInstance) -> None:
    """A follow-up run not launched yet is waited for; once finished, it no longer is."""
    assert unfinished(instance, [], ["datasheet:abc"]) == [
        "the daemon's sensors have not requested the run datasheet:abc yet"]
    run_id = _run(instance, dg.DagsterRunStatus.STARTED, {"dagster/run_key": "datasheet:abc"})
    assert unfinished(instance, [], ["datasheet:abc"]) == ["demo_job v2 started"]
    _run(instance, dg.DagsterRunStatus.SUCCESS, {"dagster/run_key": "datasheet:abc"}, run_id)
    assert unfinished(instance, [], ["datasheet:abc"]) == []


def test_follow_up_keys_are_a_datasheet_per_run_and_a_refresh_per_drifted_version() -> None:
    """Every version run gets a datasheet run; only a drifted version gets a refresh run."""
    request = RefreshRequest("tickets", "v2", "v1", 0.6, ("body",), None, "tickets_refresh",
                             "2026-01-01T00:00:00+00:00")
    drifted = VersionOutcome("tickets", "v2", "r2",
                             metadata={DRIFT: {META_REFRESH_REQUEST: request.to_json()}})
    steady = VersionOutcome("tickets", "v1", "r1", metadata={DRIFT: {META_REFRESH_REQUEST: None}})
    runs = [SubmittedRun("tickets", "v1", "r1"), SubmittedRun("tickets", "v2", "r2")]
    assert refresh_request(steady) is None
    assert refresh_request(drifted) == request
    assert follow_up_keys(runs, [steady, drifted]) == [
        "datasheet:r1", "datasheet:r2", "drift-refresh:tickets:v2"]


def test_no_webserver_is_a_named_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Submitting with no webserver listening says where it looked and what to start."""
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DATAOPS_CLUSTER_WEB_PORT", str(port))
    with pytest.raises(ClusterDemoError) as caught:
        submit_versions(DagsterGraphQLClient("127.0.0.1", port_number=port), [("tickets", "v1")])
    message = str(caught.value)
    assert f"webserver at 127.0.0.1:{port} did not take the run of tickets v1" in message
    assert "make cluster-up" in message
    assert "mutation" not in message  # the GraphQL query text is left out
