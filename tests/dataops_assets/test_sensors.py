"""The landing sensor: each new file becomes one version and one run request."""

from __future__ import annotations

import os
import time

import dagster as dg

from dataops_assets.resources import DataStore
from governance.settings import Layout


def _evaluate(defs, instance, data_dir, cursor=None) -> dg.SensorResult:
    sensor = defs.resolve_sensor_def("support_tickets_landing")
    context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"store": DataStore(data_dir=str(data_dir))})
    return sensor(context)


def _drop(folder, name: str, content: bytes):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    old = time.time() - 60  # settled: not being written any more
    os.utime(path, (old, old))
    return path


def test_new_files_become_versions_and_runs_once(defs, instance, data_dir):
    landing = Layout(data_dir).landing_dir("support_tickets")
    _drop(landing, "a.csv", b"ticket_id\nT-000001\n")
    _drop(landing, "b.csv", b"ticket_id\nT-000002\n")
    first = _evaluate(defs, instance, data_dir)
    assert [r.partition_key for r in first.run_requests] == ["v1", "v2"]
    assert first.dynamic_partitions_requests[0].partition_keys == ["v1", "v2"]
    assert first.dynamic_partitions_requests[0].partitions_def_name == "support_tickets_versions"
    assert len({r.run_key for r in first.run_requests}) == 2
    # Next tick with the cursor: nothing new.
    again = _evaluate(defs, instance, data_dir, first.cursor)
    assert again.run_requests == [] and again.dynamic_partitions_requests == []
    # A renamed copy of known bytes is a duplicate, not a new version.
    _drop(landing, "a-copy.csv", b"ticket_id\nT-000001\n")
    dup = _evaluate(defs, instance, data_dir, first.cursor)
    assert dup.run_requests == []


def test_file_still_being_written_waits(defs, instance, data_dir):
    landing = Layout(data_dir).landing_dir("support_tickets")
    landing.mkdir(parents=True)
    (landing / "fresh.csv").write_bytes(b"ticket_id\nT-000001\n")  # mtime = now
    assert _evaluate(defs, instance, data_dir).run_requests == []
