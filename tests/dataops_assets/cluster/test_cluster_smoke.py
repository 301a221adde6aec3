"""The cluster profile end to end: real PostgreSQL, Redis and two Celery workers.

Runs only when selected (`pytest -m cluster`, or `make cluster-test`): it starts servers
and takes about a minute and a half. It skips, saying why, when a server cannot start.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

CLUSTER = REPO / "deploy" / "cluster"
PG_CTL = Path("/usr/lib/postgresql/15/bin/pg_ctl")
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
           "DATAOPS_CLUSTER_HOME": str(root / "home"), "DAGSTER_HOME": str(root / "home"),
           "DATAOPS_PG_PORT": "55532", "DATAOPS_REDIS_PORT": "56479",
           "DATAOPS_PG_PASSWORD": "cluster-test-only", "DATAOPS_AUDIT_KEY": ""}
    for name in ("DATAOPS_CELERY_BROKER", "DATAOPS_CELERY_BACKEND"):
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


def test_one_version_through_celery_then_nothing_left_running(
        cluster_env: dict[str, str]) -> None:
    """A demo version is delivered by the Celery workers; down.sh stops every server."""
    up = subprocess.run([CLUSTER / "up.sh"], env=cluster_env, capture_output=True, text=True,
                        timeout=300, check=False)
    if up.returncode != 0:
        pytest.skip(f"the cluster could not start: {up.stderr.strip()[-500:]}")
    run_dir = Path(cluster_env["DATAOPS_DATA_DIR"]) / "cluster" / "run"
    pids = {f.stem: int(f.read_text()) for f in run_dir.glob("*.pid")}
    pg_pid = Path(cluster_env["DATAOPS_DATA_DIR"]) / "cluster" / "pgdata" / "postmaster.pid"
    pids["postgres"] = int(pg_pid.read_text().splitlines()[0])
    assert set(pids) == {"worker1", "worker2", "redis", "postgres"}
    assert all(_alive(p) for p in pids.values())

    # With the cluster's settings (env.sh), as deploy/cluster/demo.sh runs it.
    demo = subprocess.run(["bash", "-c", f'source "{CLUSTER}/env.sh" && exec "$VENV_BIN/python"'
                           " -m dataops_assets.cluster.demo --versions 1"],
                          env=cluster_env, capture_output=True, text=True, timeout=600,
                          check=False, cwd=REPO)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "instance: PostgresRunStorage" in demo.stdout
    assert "1 versions: 1 delivered, 0 blocked by checks, 0 failed" in demo.stdout
    # Every one of the run's eight steps ran in a worker process, not in the demo's own:
    # five stage assets, and delivered's plan, treat (one chunk of 2,000 rows) and combine.
    logs = Path(cluster_env["DATAOPS_DATA_DIR"]) / "cluster" / "logs"
    done = sum(f.read_text().count("succeeded in") for f in logs.glob("worker*.log"))
    assert done == 8, done

    down = subprocess.run([CLUSTER / "down.sh"], env=cluster_env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert down.returncode == 0, down.stderr
    assert _gone(list(pids.values())), down.stdout
    assert not list(run_dir.glob("*.pid"))
