"""`make cluster-demo` (first slice): demo versions through the Celery executor.

Ingests the demo batches into the cluster's instance (PostgreSQL), then materializes the
chosen versions one after another, each run's steps executed by the Celery workers, and
prints the same summary as `make demo`. Running versions in parallel is the next slice.

    python -m dataops_assets.cluster.demo [--versions N]
"""

from __future__ import annotations

import argparse
import sys

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository

from dataops_assets.console import print_summary
from dataops_assets.demo.run import ingest_demo
from dataops_assets.keys import job_name
from dataops_assets.outcomes import VersionOutcome, outcome_from_events
from governance.contracts import load_contracts
from governance.settings import contracts_dir_from_env, data_dir_from_env

MODULE = "dataops_assets.cluster.definitions"


def run_on_cluster(instance: dg.DagsterInstance, dataset: str, version: str) -> VersionOutcome:
    """Materialize one version's stage chain with the Celery executor; wait for the outcome."""
    # Workers rebuild the job from this module pointer, so it must be importable by them.
    job = ReconstructableRepository.for_module(MODULE, "defs").get_reconstructable_job(
        job_name(dataset))
    with dg.execute_job(job, instance=instance,
                        tags={"dagster/partition": version}) as result:
        return outcome_from_events(dataset, version, result.run_id, result.all_events)


def main(argv: list[str] | None = None) -> int:
    """Ingest the demo batches and run the first N versions through the cluster."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1, help="how many versions to run")
    args = parser.parse_args(argv)
    data_dir, contracts_dir = data_dir_from_env(), contracts_dir_from_env()
    contracts = {c.name: c for c in load_contracts(contracts_dir)}
    instance = dg.DagsterInstance.get()
    versions = ingest_demo(data_dir, contracts, instance)
    print(f"ingested {len(versions)} demo batches; running {args.versions} through Celery "
          f"(instance: {type(instance.run_storage).__name__})")
    outcomes = [run_on_cluster(instance, ds, v) for ds, v in versions[:args.versions]]
    print_summary(outcomes)
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"\n{len(outcomes)} versions: {sum(o.delivered for o in outcomes)} delivered, "
          f"{sum(o.blocked for o in outcomes)} blocked by checks, {len(failed)} failed")
    return 1 if failed or not outcomes else 0


if __name__ == "__main__":
    sys.exit(main())
