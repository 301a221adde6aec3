"""`dataops sql` through the real command, on both backends, while a writer holds the data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from governance.audit import AuditLog, audit_path

BIN = Path(sys.executable).parent
QUERY = ("SELECT _version, count(*) AS n, min(customer_email) AS e "
         "FROM support_tickets.validated GROUP BY 1 ORDER BY 1")
_HOLD = """
import sys
from pathlib import Path
from governance.settings import Layout
from governance.warehouse import open_warehouse
wh = open_warehouse(Layout(Path(sys.argv[1])))
with wh.session("support_tickets", "v1") as conn:
    print("holding", flush=True)
    sys.stdin.read()  # until the test lets go
"""


def _holder(data_dir: Path) -> subprocess.Popen:
    """A writer inside its session (on the DuckDB file: holding the file's write lock) until
    its standard input is closed."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(data_dir)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def _let_go(proc: subprocess.Popen) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(60)


def _sql(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATAOPS_DATA_DIR": str(data_dir)}
    return subprocess.run([str(BIN / "dataops"), "sql", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_parquet_query_runs_while_a_run_writes_and_masks(demo_parquet):
    holder = _holder(demo_parquet.data_dir)
    try:
        started = time.monotonic()
        done = _sql(demo_parquet.data_dir, QUERY, "--json")
        took = time.monotonic() - started
        assert holder.poll() is None  # the writer was still inside its session
    finally:
        _let_go(holder)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    counts = {r[0]: r[1] for r in out["rows"]}
    assert counts["v1"] == 2000 and counts["v2"] == 1498
    assert all("*" in r[2] for r in out["rows"]) and "customer_email" in \
        out["masked"]["support_tickets.validated"]
    assert took < 60
    entry = AuditLog(audit_path(demo_parquet.data_dir)).entries(action="query")[-1]
    assert entry.details["tables"] == "support_tickets.validated"
    assert "customer_email" not in json.dumps(entry.details)  # counts, never the query


def test_embedded_query_waits_for_the_writer_and_says_busy(demo_embedded):
    demo = demo_embedded
    holder = _holder(demo.data_dir)
    try:
        busy = _sql(demo.data_dir, QUERY, "--wait", "0.5")
        assert holder.poll() is None  # still holding when the query gave up
        assert busy.returncode == 2, busy.stdout
        assert "being written by a run" in busy.stderr and "Traceback" not in busy.stderr
        # A query that may wait gets in once the writer lets go.
        env = {**os.environ, "DATAOPS_DATA_DIR": str(demo.data_dir)}
        waiting = subprocess.Popen([str(BIN / "dataops"), "sql", QUERY, "--wait", "300"],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        time.sleep(3)
    finally:
        _let_go(holder)
    out, err = waiting.communicate(timeout=300)
    waited = subprocess.CompletedProcess(waiting.args, waiting.returncode, out, err)
    assert waited.returncode == 0, waited.stderr
    assert waited.stdout.splitlines()[0].split() == ["_version", "n", "e"]
    assert "masked in support_tickets.validated: customer_name, customer_email" in waited.stdout


def test_refusals_are_messages(demo):
    for query, words in (("DELETE FROM support_tickets.validated", "one read-only SELECT"),
                         ("SELECT * FROM support_tickets.nope", "not a warehouse table"),
                         ("SELECT * FROM read_csv('/etc/passwd')", "not files")):
        done = _sql(demo.data_dir, query)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
