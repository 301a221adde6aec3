"""One sensor per dataset watching its landing folder; each new file becomes a version run."""

import json
import time

import dagster as dg

from dataops_assets.auditing import audit
from dataops_assets.keys import TAG_SOURCE_FILE, job_name, landing_sensor_name, partitions_name
from dataops_assets.resources import DataStore
from governance.contracts import DatasetContract
from governance.errors import GovernanceError

# A file younger than this may still be being written by whoever drops it.
SETTLE_SECONDS = 2.0


def build_landing_sensor(contract: DatasetContract) -> dg.SensorDefinition:
    """Sensor that ingests new files in the dataset's landing folder and requests a run each."""

    @dg.sensor(
        name=landing_sensor_name(contract.name),
        job_name=job_name(contract.name),
        minimum_interval_seconds=15,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches the landing folder of {contract.name}; every new file becomes "
        "a dataset version and a run of its stage chain.",
    )
    def landing(context: dg.SensorEvaluationContext, store: DataStore) -> dg.SensorResult:
        folder = store.layout.landing_dir(contract.landing_folder)
        folder.mkdir(parents=True, exist_ok=True)
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        runs, new_versions = [], []
        now = time.time()
        for path in sorted(p for p in folder.iterdir()
                           if p.is_file() and not p.name.startswith(".")):
            stat = path.stat()
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
            if seen.get(path.name) == stamp or now - stat.st_mtime < SETTLE_SECONDS:
                continue
            try:
                result = store.raw_store().put(contract.name, path)
            except GovernanceError as exc:
                context.log.error(str(exc))
                continue
            seen[path.name] = stamp
            audit(store.data_dir, "duplicate" if result.duplicate else "ingest",
                  contract.name, result.raw.version, sha256=result.raw.sha256,
                  size=result.raw.size, via="landing_sensor")
            if result.duplicate:
                context.log.info(f"{path.name} has the same bytes as {contract.name} "
                                 f"{result.raw.version}; not a new version")
                continue
            new_versions.append(result.raw.version)
            runs.append(dg.RunRequest(
                run_key=f"{contract.name}:{result.raw.sha256}",
                partition_key=result.raw.version,
                tags={TAG_SOURCE_FILE: path.name},
            ))
        return dg.SensorResult(
            run_requests=runs,
            dynamic_partitions_requests=[
                dg.AddDynamicPartitionsRequest(partitions_name(contract.name), new_versions)
            ] if new_versions else [],
            cursor=json.dumps(seen, sort_keys=True),
        )

    return landing
