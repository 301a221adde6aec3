"""Run a dataset's stage chain for one version in-process and summarise the outcome."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from dataops_assets.keys import (
    INCIDENT_SENSOR,
    PORTAL_KEY,
    WEEKLY_REPORT_JOB,
    WEEKLY_REPORT_KEY,
    datasheet_job_name,
    drift_sensor_name,
    job_name,
    planning_sensor_name,
)
from dataops_assets.outcomes import FailedCheck, VersionOutcome, outcome_from_events
from governance.contracts import DatasetContract
from governance.drift.refresh import RefreshLedger, RefreshRequest
from governance.settings import Layout

__all__ = ["FailedCheck", "VersionOutcome", "configure_run_log", "run_version",
           "tick_drift_sensor", "tick_incident_sensor", "tick_planning_sensor"]

RUN_LOGGER = "dataops.runs"
_FORMAT = "%(asctime)s %(levelname)s %(message)s"
# Called with (dataset, version, stage, rows) as steps finish: progress displays use it.
StageListener = Callable[[str, str, str, int | None], None]
_listeners: list[StageListener] = []
# Selects the run-log logger below in place of Dagster's console logger.
QUIET_RUN_CONFIG: dict[str, object] = {"loggers": {"console": {}}}


@dg.logger(description="Dagster's events of in-process runs, to the run log file "
           "(and the terminal with -v)")
def _run_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(RUN_LOGGER)
    logger.setLevel(logging.DEBUG)
    return logger


class _StageEvents(logging.Handler):
    """Passes materializations of in-process runs to the registered listeners."""

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None or event.event_type != dg.DagsterEventType.ASSET_MATERIALIZATION:
            return
        materialization = event.event_specific_data.materialization
        rows = materialization.metadata.get("dagster/row_count")
        dataset, stage = materialization.asset_key.path[0], materialization.asset_key.path[-1]
        for listener in _listeners:
            listener(dataset, materialization.partition or "", stage,
                     getattr(rows, "value", None))


_run_log: dict[str, object] = {"file": None, "verbose": False}


def configure_run_log(log_file: Path, verbose: bool = False) -> Path:
    """Send Dagster's per-event lines to log_file (and to standard error when verbose)."""
    _run_log.update(file=log_file, verbose=verbose)
    logger = logging.getLogger(RUN_LOGGER)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    for handler in list(logger.handlers):
        if not isinstance(handler, _StageEvents):
            logger.removeHandler(handler)
            handler.close()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(to_file)
    if verbose:
        to_terminal = logging.StreamHandler(sys.stderr)
        to_terminal.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(to_terminal)
    if not any(isinstance(h, _StageEvents) for h in logger.handlers):
        logger.addHandler(_StageEvents())
    return log_file


def add_stage_listener(listener: StageListener) -> None:
    """Be told of each stage materialized by in-process runs."""
    _listeners.append(listener)


def remove_stage_listener(listener: StageListener) -> None:
    """Stop telling listener."""
    if listener in _listeners:
        _listeners.remove(listener)


def run_log_file(data_dir: Path) -> Path:
    """Where in-process runs write Dagster's per-event log lines."""
    return Layout(data_dir).data_dir / "logs" / "runs.log"


def _quiet(job: dg.JobDefinition, data_dir: Path) -> dg.JobDefinition:
    """The job with its event lines going to the run log instead of the terminal."""
    if _run_log["file"] != run_log_file(data_dir):
        configure_run_log(run_log_file(data_dir), verbose=bool(_run_log["verbose"]))
    return job.with_logger_defs({"console": _run_logger})


def run_version(defs: dg.Definitions, instance: dg.DagsterInstance, dataset: str,
                version: str) -> VersionOutcome:
    """Materialize every stage of one version, recording the run in the instance."""
    data_dir = Path(defs.resources["store"].data_dir)
    job = _quiet(defs.resolve_job_def(job_name(dataset)), data_dir)
    result = job.execute_in_process(instance=instance, partition_key=version,
                                    run_config=QUIET_RUN_CONFIG, raise_on_error=False)
    # The datasheet follows every run, delivered or blocked (the sensors do this in `dagster
    # dev`; in-process runs have no daemon, so the runner asks directly).
    _quiet(defs.resolve_job_def(datasheet_job_name(dataset)), data_dir).execute_in_process(
        instance=instance, partition_key=version, run_config=QUIET_RUN_CONFIG,
        raise_on_error=False)
    return outcome_from_events(dataset, version, result.run_id, result.all_events)


def tick_drift_sensor(defs: dg.Definitions, instance: dg.DagsterInstance,
                      contract: DatasetContract) -> list[RefreshRequest]:
    """Evaluate a dataset's drift sensor once and run what it requests, as the daemon would."""
    sensor = defs.resolve_sensor_def(drift_sensor_name(contract.name))
    with dg.build_sensor_context(instance=instance, definitions=defs,
                                 resources=defs.resources) as context:
        result = sensor(context)
    ledger = RefreshLedger(Layout(Path(defs.resources["store"].data_dir))
                           .refresh_requests_file)
    _launch(defs, instance, sensor, result.run_requests or [])
    return [r for run in result.run_requests or []
            if (r := ledger.get(contract.name, run.partition_key or "")) is not None]


def _launch(defs: dg.Definitions, instance: dg.DagsterInstance, sensor: dg.SensorDefinition,
            requests: list[dg.RunRequest]) -> list[dg.ExecuteInProcessResult]:
    """Run what a sensor tick requested, in-process, tagged as the daemon would tag it."""
    results = []
    for run in requests:
        job = _quiet(defs.resolve_job_def(run.job_name or sensor.job_name),
                     Path(defs.resources["store"].data_dir))
        # The sensor's tags make the daemon see this run key as already launched.
        tags = {**run.tags, "dagster/run_key": run.run_key or "",
                "dagster/sensor_name": sensor.name}
        results.append(job.execute_in_process(
            instance=instance, partition_key=run.partition_key, tags=tags,
            run_config=QUIET_RUN_CONFIG, raise_on_error=False))
    return results


def tick_planning_sensor(defs: dg.Definitions, instance: dg.DagsterInstance,
                         dataset: str) -> dict[str, dict[str, object]]:
    """Evaluate a dataset's planning sensor once and run the job it requests (the latest
    labeling materialization's); the metadata each planning asset recorded, by asset key."""
    sensor = defs.resolve_sensor_def(planning_sensor_name(dataset))
    with dg.build_sensor_context(instance=instance, definitions=defs,
                                 resources=defs.resources) as context:
        # An asset sensor reads the event log itself: evaluate a whole tick, not the function.
        requests = list(sensor.evaluate_tick(context).run_requests or [])
    recorded: dict[str, dict[str, object]] = {}
    for run in _launch(defs, instance, sensor, requests):
        recorded.update(_recorded(run))
    return recorded


def _recorded(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, object]]:
    """The metadata each asset a run materialized recorded, by asset key."""
    out = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        out[materialization.asset_key.to_user_string()] = {
            k: v.value for k, v in materialization.metadata.items()}
    return out


def tick_incident_sensor(defs: dg.Definitions, instance: dg.DagsterInstance) -> int:
    """Evaluate the incident sensor once, as the daemon would, recording the incidents asset
    events it returns; the number of events recorded."""
    sensor = defs.resolve_sensor_def(INCIDENT_SENSOR)
    with dg.build_sensor_context(instance=instance, definitions=defs,
                                 resources=defs.resources) as context:
        result = sensor(context)
    # The daemon records a sensor's runless events itself; an in-process tick does it here.
    events = list(getattr(result, "asset_events", None) or [])
    for event in events:
        instance.report_runless_asset_event(event)
    return len(events)


def run_weekly_report(defs: dg.Definitions,
                      instance: dg.DagsterInstance) -> dict[str, dict[str, object]]:
    """Run the weekly report job (report, then the portal) as its schedule would; the
    metadata each of the two assets recorded, by asset key."""
    job = _quiet(defs.resolve_job_def(WEEKLY_REPORT_JOB), Path(defs.resources["store"].data_dir))
    result = job.execute_in_process(instance=instance, run_config=QUIET_RUN_CONFIG)
    wanted = {key.to_user_string() for key in (WEEKLY_REPORT_KEY, PORTAL_KEY)}
    return {key: meta for key, meta in _recorded(result).items() if key in wanted}
