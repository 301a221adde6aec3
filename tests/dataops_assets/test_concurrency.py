"""Two materializations at once on one DuckDB file queue on the pool instead of failing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataops_assets.demo.generate import generate_demo
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import REPO

pytestmark = pytest.mark.e2e


def test_overlapping_runs_queue_for_the_duckdb_writer_slot(tmp_path, data_dir):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATAOPS_DATA_DIR": str(data_dir)}
    bin_dir = Path(sys.executable).parent
    batches = generate_demo(tmp_path / "src", __import__("datetime").date(2026, 11, 20))
    for dataset in ("support_tickets", "loan_applications"):
        subprocess.run([bin_dir / "dataops", "ingest", batches[dataset][0], "--dataset", dataset],
                       env=env, check=True, capture_output=True)
    # A four-step chain and a two-step run started together: every step writes the
    # warehouse, so the chain holds the writer slot for most of its run and the other run
    # has to wait for it. (Not the whole group: its other steps add time, not overlap.)
    selections = ("support_tickets/intake,support_tickets/cleaned,support_tickets/validated,"
                  "support_tickets/pii_scan",
                  "loan_applications/intake,loan_applications/cleaned")
    procs = [subprocess.Popen(
        [bin_dir / "dagster", "asset", "materialize", "-m", "dataops_assets.definitions",
         "--select", selection, "--partition", "v1"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for selection in selections]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    assert all("RUN_SUCCESS" in out for out in outputs)
    # At least one step had to wait for the slot: the runs really overlapped.
    assert any("Step blocked by limit for pool duckdb_writer" in out for out in outputs)
    assert not any("Could not set lock" in out for out in outputs)
    with open_warehouse(Layout(data_dir)).reader() as conn:
        assert conn.execute('SELECT count(*) FROM "support_tickets"."intake"').fetchall() \
            == [(2000,)]
        assert conn.execute('SELECT count(*) FROM "loan_applications"."intake"').fetchall() \
            == [(3000,)]
