"""The cluster profile end to end: PostgreSQL, Redis, two Celery workers, daemon, webserver.

Runs only when selected (`pytest -m cluster`, or `make cluster-test`): it starts servers and
takes several minutes. It skips, saying why, when a server is missing or cannot start.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest

from governance.settings import Layout
from governance.warehouse import EMBEDDED, PARQUET, WAREHOUSE_ENV, recorded_backend
from tests.conftest import REPO

CLUSTER = REPO / "deploy" / "cluster"
PG_CTL = Path("/usr/lib/postgresql/15/bin/pg_ctl")
MARK = "DATAOPS_CLUSTER_STARTED_BY"  # deploy/cluster/env.sh, STARTED_MARK
pytestmark = pytest.mark.cluster


def _missing() -> str:
    """Why the cluster cannot run here, or "" when everything it needs is installed."""
    if not PG_CTL.exists():
        return f"PostgreSQL 15 is not installed ({PG_CTL} missing; `make cluster-install`)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (`make cluster-install` as root)"
    for module in ("dagster_postgres", "dagster_celery", "redis"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (`make cluster-install`)"
    return ""


@pytest.fixture
def cluster_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Environment of a throwaway cluster on its own ports and folders, removed afterwards."""
    if "cluster" not in (request.config.getoption("-m") or ""):
        pytest.skip("starts servers: run with `pytest -m cluster` (make cluster-test)")
    if reason := _missing():
        pytest.skip(reason)
    # Not pytest's tmp_path: as root, PostgreSQL runs as `postgres`, which must reach it.
    root = Path(tempfile.mkdtemp(prefix="dataops-cluster-"))
    root.chmod(0o755)
    env = {**os.environ, "DATAOPS_DATA_DIR": str(root / "data"),
           "DATAOPS_CLUSTER_DIR": str(root / "data" / "cluster"),
           "DATAOPS_CLUSTER_HOME": str(root / "home"), "DAGSTER_HOME": str(root / "home"),
           "DATAOPS_PG_HOST": "127.0.0.1", "DATAOPS_PG_USER": "dataops",
           "DATAOPS_PG_DB": "dagster", "DATAOPS_PG_PORT": "55532",
           "DATAOPS_REDIS_PORT": "56479", "DATAOPS_CLUSTER_WEB_PORT": "3310",
           "DATAOPS_PG_PASSWORD": "cluster-test-only", "DATAOPS_AUDIT_KEY": ""}
    for name in ("DATAOPS_CELERY_BROKER", "DATAOPS_CELERY_BACKEND", MARK):
        env.pop(name, None)
    try:
        yield env
    finally:
        subprocess.run([CLUSTER / "down.sh"], env=env, capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True if a process with this id is running (a zombie awaiting its reaper is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _gone(pids: list[int], within: float = 10.0) -> bool:
    """True once none of pids runs; a stopped server may take a moment to exit."""
    deadline = time.monotonic() + within
    while any(_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _marked(cluster_dir: str) -> list[int]:
    """Running processes that carry up.sh's marker for this cluster in their environment."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"{MARK}={cluster_dir}".encode() in environ and _alive(int(proc.name)):
            found.append(int(proc.name))
    return found


def _children(pids: set[int]) -> set[int]:
    """The running processes whose parent is one of pids."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid in pids:
            found.add(int(stat.parent.name))
    return found


def _query_while(running: subprocess.Popen, env: dict[str, str],
                 pause: float = 5.0) -> list[subprocess.CompletedProcess]:
    """`dataops sql` over and over while the cluster demo runs (on the Parquet warehouse)."""
    done = []
    query = ("SELECT _version, count(*) FROM support_tickets.intake GROUP BY 1 ORDER BY 1")
    time.sleep(pause)
    while running.poll() is None:
        done.append(subprocess.run([REPO / ".venv" / "bin" / "dataops", "sql", query, "--json",
                                    "--wait", "0"], env=env, capture_output=True, text=True,
                                   timeout=600, check=False))
        time.sleep(pause)
    return done


def _summary(stdout: str) -> list[str]:
    """The demo's summary: from the table's header to the closing count line. Incident ids
    follow the order in which runs ended, which parallel runs do not fix, so they are
    blanked and the incident lines sorted."""
    lines = stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("dataset "))
    last = next(i for i, line in enumerate(lines) if re.match(r"\d+ versions: ", line))
    summary = lines[first:last + 1]
    incidents = sorted(re.sub(r"INC-\d+", "INC-*", line) for line in summary
                       if line.startswith("  INC-"))
    start = next((i for i, line in enumerate(summary) if line.startswith("  INC-")), None)
    if start is None:
        return summary
    return summary[:start] + incidents + summary[start + len(incidents):]


def _run_facts(env: dict[str, str]) -> tuple[list[dg.RunRecord], dict[str, list]]:
    """The pipeline runs in the cluster's instance and each one's stored events."""
    with mock.patch.dict(os.environ, env), \
            dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        records = [r for r in instance.get_run_records()
                   if r.dagster_run.job_name.endswith("_pipeline")]
        return records, {r.dagster_run.run_id: list(instance.all_logs(r.dagster_run.run_id))
                         for r in records}


def test_every_version_in_parallel_then_nothing_left_running(
        cluster_env: dict[str, str]) -> None:
    """The 7 demo versions run side by side on the workers, end as `make demo` says, and
    down.sh stops every process the cluster started."""
    reference_dir = Path(tempfile.mkdtemp(prefix="dataops-embedded-"))
    (reference_dir / "home").mkdir()
    shutil.copy(REPO / "dagster.yaml", reference_dir / "home" / "dagster.yaml")
    # The embedded demo, for the outcomes to compare with, runs while the cluster starts.
    embedded = subprocess.Popen(
        [REPO / ".venv" / "bin" / "dataops", "demo"], cwd=REPO, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**cluster_env, "DATAOPS_DATA_DIR": str(reference_dir / "data"),
             "DAGSTER_HOME": str(reference_dir / "home"), WAREHOUSE_ENV: EMBEDDED})
    try:
        up = subprocess.run([CLUSTER / "up.sh"], env=cluster_env, capture_output=True,
                            text=True, timeout=600, check=False)
        if up.returncode != 0:
            pytest.skip(f"the cluster could not start: {up.stderr.strip()[-500:]}")
        cluster_dir = cluster_env["DATAOPS_CLUSTER_DIR"]
        run_dir = Path(cluster_dir) / "run"
        pids = {f.stem: int(f.read_text()) for f in run_dir.glob("*.pid")}
        pids["postgres"] = int(
            (Path(cluster_dir) / "pgdata" / "postmaster.pid").read_text().splitlines()[0])
        assert set(pids) == {"worker1", "worker2", "redis", "postgres", "daemon", "webserver"}
        assert all(_alive(p) for p in pids.values())

        # With the cluster's settings (env.sh), as deploy/cluster/demo.sh runs it.
        started = time.monotonic()
        running = subprocess.Popen(
            ["bash", "-c", f'source "{CLUSTER}/env.sh" && exec "$VENV_BIN/python"'
             " -m dataops_assets.cluster.demo"], env=cluster_env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, cwd=REPO)
        # Auditors query while the runs write: every query must answer, none may wait.
        queries = _query_while(running, cluster_env)
        stdout, stderr = running.communicate(timeout=2400)
        demo = subprocess.CompletedProcess(running.args, running.returncode, stdout, stderr)
        print(f"cluster demo: {time.monotonic() - started:.0f} s; queries during it: "
              f"{len(queries)}")
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
        assert recorded_backend(Layout(Path(cluster_env["DATAOPS_DATA_DIR"]))) == PARQUET
        # Before the first intake is written the table has no rows: said so, not an error.
        failed = [q.stderr for q in queries if q.returncode != 0
                  and "has no rows yet" not in q.stderr]
        assert queries and not failed, failed[:3]
        answered = [json.loads(q.stdout) for q in queries if q.returncode == 0]
        assert any(a["rows"] for a in answered), queries[-1].stderr
        out, err = embedded.communicate(timeout=1200)
        assert embedded.returncode == 0, out[-2000:] + err[-2000:]
    finally:
        if embedded.poll() is None:
            embedded.kill()
            embedded.wait()
        shutil.rmtree(reference_dir, ignore_errors=True)

    assert "instance: PostgresRunStorage, coordinator: QueuedRunCoordinator" in demo.stdout
    assert "answered 200 while" in demo.stdout
    # Same table, reasons, refresh requests and closing line as the embedded demo.
    assert _summary(demo.stdout) == _summary(out)
    assert _summary(demo.stdout)[-1] == "7 versions: 3 delivered, 4 blocked by checks, 0 failed"

    # From the instance's run records: the runs overlapped, and every step ran in a worker.
    records, events = _run_facts(cluster_env)
    assert len(records) == 7
    spans = sorted((r.start_time, r.end_time) for r in records)
    assert all(start and end for start, end in spans)
    assert any(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1)), spans
    workers = {pids["worker1"], pids["worker2"]}
    worker_pids = workers | _children(workers)
    for record in records:
        logs = events[record.dagster_run.run_id]
        starts = {e.dagster_event.step_key: e.dagster_event.pid for e in logs
                  if e.dagster_event and e.dagster_event.is_step_start}
        delegated = {e.dagster_event.step_key: str(getattr(
            e.dagster_event.engine_event_data.metadata.get("Celery worker"), "text", ""))
            for e in logs if e.dagster_event and e.dagster_event.is_engine_event}
        assert starts, record.dagster_run.job_name
        assert set(starts.values()) <= worker_pids, (starts, worker_pids)
        assert all(re.match(r"dataops-worker[12]@", delegated.get(k, "")) for k in starts)

    group_pids = {p for g in (pids["daemon"], pids["webserver"])
                  for p in [g, *_children({g})]}
    down = subprocess.run([CLUSTER / "down.sh"], env=cluster_env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "no process of the cluster is left running" in down.stdout
    assert _gone([*pids.values(), *worker_pids, *group_pids]), down.stdout
    assert not _marked(cluster_dir)
    assert not list(run_dir.glob("*.pid"))
