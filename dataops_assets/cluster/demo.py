"""`make cluster-demo`: every demo version queued on the cluster at once, run in parallel.

Ingests the demo batches into the cluster's instance (PostgreSQL), submits one run per
version through the webserver's GraphQL API (the instance's QueuedRunCoordinator queues them;
the daemon launches up to four at a time, one per dataset, so each dataset's versions keep
their order; the Celery workers run the steps), waits for every run and for the datasheet and
refresh runs the daemon's sensors start after them, and prints the same summary as `make
demo`, built from each run's stored events.

    python -m dataops_assets.cluster.demo [--versions N] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dagster as dg
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from dataops_assets.console import print_incidents, print_summary
from dataops_assets.definitions import build_definitions
from dataops_assets.demo.run import ingest_demo
from dataops_assets.keys import DRIFT, META_REFRESH_REQUEST, TAG_DATASET, TAG_PARTITION, job_name
from dataops_assets.outcomes import VersionOutcome, outcome_from_events
from dataops_assets.runner import tick_incident_sensor
from governance.contracts import load_contracts
from governance.drift.refresh import RefreshLedger, RefreshRequest
from governance.errors import GovernanceError
from governance.incidents.book import IncidentBook
from governance.settings import Layout, contracts_dir_from_env, data_dir_from_env

# The code location deploy/cluster/workspace.yaml names; the webserver resolves jobs in it.
LOCATION = "dataops_cluster"
FINISHED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
            dg.DagsterRunStatus.CANCELED)
DEFAULT_TIMEOUT = 1800.0
RUN_KEY = "dagster/run_key"  # the tag the daemon gives a sensor's run


class ClusterDemoError(GovernanceError):
    """The cluster demo could not submit its runs or did not see them finish."""


class RunsDidNotFinishError(ClusterDemoError):
    """Some submitted runs were still queued or running when the wait ran out."""

    def __init__(self, waited: float, waiting: Sequence[str]) -> None:
        self.waiting = list(waiting)
        super().__init__(
            f"{len(waiting)} run(s) had not finished after {waited:.0f} s: "
            f"{'; '.join(waiting)}. The daemon's and the workers' logs are in "
            f"{os.environ.get('DATAOPS_CLUSTER_DIR', 'the cluster folder')}/logs; a slow "
            "machine may need a larger DATAOPS_CLUSTER_DEMO_TIMEOUT.")


@dataclass(frozen=True)
class SubmittedRun:
    """One version's run in the queue."""

    dataset: str
    version: str
    run_id: str


def webserver_url() -> tuple[str, int]:
    """Host and port of the cluster's webserver (deploy/cluster/env.sh sets them)."""
    return (os.environ.get("DATAOPS_CLUSTER_WEB_HOST", "127.0.0.1"),
            int(os.environ.get("DATAOPS_CLUSTER_WEB_PORT", "3300")))


def webserver_answer(host: str, port: int) -> int:
    """HTTP status of the webserver's /server_info page (0 when it does not answer)."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/server_info", timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def submit_versions(client: DagsterGraphQLClient,
                    versions: Sequence[tuple[str, str]]) -> list[SubmittedRun]:
    """Queue one run of the dataset's stage chain per version; nothing runs in this process."""
    submitted = []
    for dataset, version in versions:
        try:
            run_id = client.submit_job_execution(
                job_name(dataset), repository_location_name=LOCATION,
                tags={TAG_PARTITION: version, TAG_DATASET: dataset})
        except DagsterGraphQLClientError as exc:  # refused, or no webserver listening
            # The error's text repeats the whole GraphQL query: its first line is enough.
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            cause = f"; {type(exc.__cause__).__name__}" if exc.__cause__ else ""
            host, port = webserver_url()
            raise ClusterDemoError(
                f"the webserver at {host}:{port} did not take the run of {dataset} {version} "
                f"({first}{cause}); is the cluster up (`make cluster-up`)?") from exc
        submitted.append(SubmittedRun(dataset, version, run_id))
    return submitted


def unfinished(instance: dg.DagsterInstance, run_ids: Sequence[str],
               run_keys: Sequence[str] = ()) -> list[str]:
    """Runs (by id, or by the run key a sensor gives them) not yet finished, in plain words."""
    records = []
    if run_ids:  # Dagster refuses a filter on an empty list of ids
        records += instance.get_run_records(dg.RunsFilter(run_ids=list(run_ids)))
    if run_keys:
        records += instance.get_run_records(dg.RunsFilter(tags={RUN_KEY: list(run_keys)}))
    found = {r.dagster_run.run_id: r.dagster_run for r in records}
    keyed = {run.tags.get(RUN_KEY): run for run in found.values()}
    waiting = [f"run {i} not in the instance" for i in run_ids if i not in found]
    waiting += [f"the daemon's sensors have not requested the run {k} yet" for k in run_keys
                if k not in keyed]
    waiting += [f"{run.job_name} {run.tags.get(TAG_PARTITION, '')} {run.status.value.lower()}"
                for run in found.values() if run.status not in FINISHED]
    return waiting


def wait_for_runs(instance: dg.DagsterInstance, run_ids: Sequence[str], deadline: float,
                  run_keys: Sequence[str] = (), poll: float = 2.0,
                  on_poll: Callable[[], None] | None = None) -> None:
    """Poll the instance until every run has finished; RunsDidNotFinishError at the deadline."""
    started = time.monotonic()
    while waiting := unfinished(instance, run_ids, run_keys):
        if on_poll is not None:
            on_poll()
        if time.monotonic() > deadline:
            raise RunsDidNotFinishError(time.monotonic() - started, waiting)
        time.sleep(poll)


def outcome_of(instance: dg.DagsterInstance, run: SubmittedRun) -> VersionOutcome:
    """The version's outcome, read from its run's events in the instance."""
    events = [e.dagster_event for e in instance.all_logs(run.run_id)
              if e.dagster_event is not None]
    return outcome_from_events(run.dataset, run.version, run.run_id, events)


def follow_up_keys(runs: Sequence[SubmittedRun],
                   outcomes: Sequence[VersionOutcome]) -> list[str]:
    """Run keys of the runs the daemon's sensors start after the versions' runs.

    A datasheet per version run (as `make demo` writes one after each run) and a refresh run
    per drifted version; the demo waits for them so that stopping the cluster interrupts none.
    """
    keys = [f"datasheet:{run.run_id}" for run in runs]
    return keys + [request.run_key for o in outcomes
                   if (request := refresh_request(o)) is not None]


def refresh_request(outcome: VersionOutcome) -> RefreshRequest | None:
    """The refresh request the version's drift stage raised, or None when it did not drift."""
    value = outcome.metadata.get(DRIFT, {}).get(META_REFRESH_REQUEST)
    return RefreshRequest.from_json(value) if isinstance(value, dict) else None


class _WebserverProbe:
    """Asks the webserver once, while some runs are in flight, and says what it answered."""

    def __init__(self, instance: dg.DagsterInstance, run_ids: Sequence[str]) -> None:
        self.instance, self.run_ids = instance, list(run_ids)
        self.answer: int | None = None

    def __call__(self) -> None:
        if self.answer is not None:
            return
        running = self.instance.get_run_records(dg.RunsFilter(
            run_ids=self.run_ids, statuses=[dg.DagsterRunStatus.STARTED]))
        if not running:
            return
        host, port = webserver_url()
        self.answer = webserver_answer(host, port)
        print(f"webserver http://{host}:{port}/server_info answered "
              f"{self.answer or 'nothing'} while {len(running)} run(s) were running", flush=True)


def print_refresh_requests(ledger: RefreshLedger, outcomes: Sequence[VersionOutcome],
                           order: Sequence[str]) -> None:
    """The refresh requests the drift sensor recorded, worded as `make demo` words them."""
    requests = [r for dataset in order for o in outcomes if o.dataset == dataset
                if refresh_request(o) is not None
                and (r := ledger.get(o.dataset, o.version)) is not None]
    print(f"\nrefresh requests raised by drift: {len(requests)}")
    for r in requests:
        print(f"  {r.dataset} {r.version}: {r.share_drifted:.0%} of columns drifted from "
              f"{r.reference_version} ({', '.join(r.drifted_columns)}); {r.job} -> {r.status}")


def run_demo(instance: dg.DagsterInstance, count: int | None, timeout: float) -> int:
    """Ingest, queue a run per version, wait for them and their follow-ups, print the summary."""
    data_dir, contracts_dir = data_dir_from_env(), contracts_dir_from_env()
    contracts = {c.name: c for c in load_contracts(contracts_dir)}
    versions = ingest_demo(data_dir, contracts, instance)[:count]
    print(f"ingested the demo batches; queueing {len(versions)} runs "
          f"(instance: {type(instance.run_storage).__name__}, "
          f"coordinator: {type(instance.run_coordinator).__name__})", flush=True)
    started = time.monotonic()
    deadline = started + timeout
    host, port = webserver_url()
    runs = submit_versions(DagsterGraphQLClient(host, port_number=port), versions)
    run_ids = [r.run_id for r in runs]
    wait_for_runs(instance, run_ids, deadline, on_poll=_WebserverProbe(instance, run_ids))
    print(f"{len(runs)} runs finished in {time.monotonic() - started:.0f} s", flush=True)
    outcomes = [outcome_of(instance, r) for r in runs]
    follow_ups = follow_up_keys(runs, outcomes)
    wait_for_runs(instance, [], deadline, run_keys=follow_ups)
    print(f"{len(follow_ups)} datasheet and refresh runs started by the daemon's sensors "
          f"finished; {time.monotonic() - started:.0f} s in all\n")
    print_summary(outcomes)
    print_refresh_requests(RefreshLedger(Layout(data_dir).refresh_requests_file), outcomes,
                           list(contracts))
    # The daemon's incident sensor ticks on its own interval; one tick here (idempotent
    # beside the daemon's) makes the incidents of every finished run exist before the
    # summary, as `make demo` does.
    tick_incident_sensor(build_definitions(contracts_dir, data_dir), instance)
    print_incidents(IncidentBook(Layout(data_dir), contracts).list())
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"\n{len(outcomes)} versions: {sum(o.delivered for o in outcomes)} delivered, "
          f"{sum(o.blocked for o in outcomes)} blocked by checks, {len(failed)} failed")
    return 1 if failed or not outcomes else 0


def main(argv: list[str] | None = None) -> int:
    """Run the cluster demo; an expected failure prints a message, not a stack trace."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=None,
                        help="run only the first N versions (default: all)")
    parser.add_argument("--timeout", type=float, default=float(
        os.environ.get("DATAOPS_CLUSTER_DEMO_TIMEOUT", DEFAULT_TIMEOUT)),
        help="seconds to wait for every run to finish")
    args = parser.parse_args(argv)
    with dg.DagsterInstance.get() as instance:
        try:
            return run_demo(instance, args.versions, args.timeout)
        except GovernanceError as exc:  # ours, worded for people: no stack trace
            print(f"cluster demo stopped: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
