"""The dataops command and `dagster definitions validate`, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from dataops_assets.demo.generate import generate_demo
from tests.conftest import REPO

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent


@pytest.fixture
def env(tmp_path, data_dir) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    return {**os.environ, "DAGSTER_HOME": str(home), "DATAOPS_DATA_DIR": str(data_dir)}


def _run(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "dataops", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def _batch(tmp_path: Path) -> Path:
    """The newest 150 tickets of the first demo batch (fresh, and enough rows to pass)."""
    full = generate_demo(tmp_path / "src", date.today())["support_tickets"][0]
    lines = full.read_bytes().splitlines(keepends=True)
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"".join([lines[0], *lines[-150:]]))
    return path


def test_ingest_then_duplicate(env, tmp_path):
    path = _batch(tmp_path)
    first = _run(env, "ingest", str(path), "--dataset", "support_tickets", "--materialize")
    assert first.returncode == 0, first.stderr
    assert "as support_tickets v1" in first.stdout
    assert "support_tickets v1: delivered" in first.stdout
    assert "DEBUG" not in first.stdout + first.stderr
    copy = tmp_path / "again.csv"
    copy.write_bytes(path.read_bytes())
    second = _run(env, "ingest", str(copy), "--dataset", "support_tickets")
    assert second.returncode == 0
    assert second.stdout.startswith("duplicate:") and "support_tickets v1" in second.stdout


@pytest.mark.parametrize(("dataset", "message"), [
    ("nope", "No contract defines dataset 'nope'"),
    ("../etc", "Dataset name '../etc' is not allowed"),
])
def test_ingest_refuses_unknown_or_unsafe_datasets(env, tmp_path, dataset, message):
    result = _run(env, "ingest", str(_batch(tmp_path)), "--dataset", dataset)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_ingest_of_a_missing_file_is_a_clear_error(env, tmp_path):
    result = _run(env, "ingest", str(tmp_path / "missing.csv"), "--dataset", "support_tickets")
    assert result.returncode == 2
    assert "missing.csv" in result.stderr and "does not exist" in result.stderr


def test_dagster_definitions_validate(env):
    result = subprocess.run([BIN / "dagster", "definitions", "validate", "-w", "workspace.yaml"],
                            env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_refresh_requests_and_gold_commands(env, demo, tmp_path):
    shown = _run({**env, "DATAOPS_DATA_DIR": str(demo.data_dir)}, "refresh-requests",
                 "--dataset", "loan_applications")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("loan_applications v2: ")
    assert "drifted from v1" in lines[0] and "dispatched" in lines[0]
    gold = demo.source_dir / "support_ticket_labels" / "gold.csv"
    refused = _run(env, "gold", str(gold), "--dataset", "support_tickets")
    assert refused.returncode == 2 and "declares no labeling stage" in refused.stderr
    stored = _run(env, "gold", str(gold), "--dataset", "support_ticket_labels")
    assert stored.returncode == 0, stored.stderr
    assert (Path(env["DATAOPS_DATA_DIR"]) / "labeling" / "support_ticket_labels" /
            "gold.csv").read_bytes() == gold.read_bytes()
    bad = tmp_path / "bad_gold.csv"
    bad.write_text("ticket,label\nT-000001,billing\n")
    missing = _run(env, "gold", str(bad), "--dataset", "support_ticket_labels")
    assert missing.returncode == 2 and "lacks columns: item_id" in missing.stderr
    # Qualification answers are scored against the gold answers just stored.
    answers = demo.source_dir / "support_ticket_labels" / "qualification.csv"
    taken = _run(env, "qualification", str(answers), "--dataset", "support_ticket_labels")
    assert taken.returncode == 0, taken.stderr
    assert "first 20 answers must reach 90%" in taken.stdout
    assert (Path(env["DATAOPS_DATA_DIR"]) / "labeling" / "support_ticket_labels" /
            "qualification.csv").read_bytes() == answers.read_bytes()
    stray = tmp_path / "stray.csv"
    header, first = answers.read_text().splitlines()[:2]
    stray.write_text(f"{header}\n{first.replace('T-', 'X-', 1)}\n")
    refused = _run(env, "qualification", str(stray), "--dataset", "support_ticket_labels")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert str(stray) in refused.stderr
    assert (Path(env["DATAOPS_DATA_DIR"]) / "labeling" / "support_ticket_labels" /
            "qualification.csv").read_bytes() == answers.read_bytes()  # nothing replaced


def test_ingest_exit_codes_and_json_for_blocked_and_failed_versions(env, tmp_path):
    lines = _batch(tmp_path).read_bytes().splitlines(keepends=True)
    blocked = tmp_path / "blocked.csv"  # one value of the wrong type: quarantined, blocked
    blocked.write_bytes(b"".join([*lines[:5], lines[5].rsplit(b",", 1)[0] + b",soon\n",
                                  *lines[6:]]))
    result = _run(env, "ingest", str(blocked), "--dataset", "support_tickets",
                  "--materialize", "--json")
    assert result.returncode == 3, result.stdout + result.stderr
    [outcome] = json.loads(result.stdout)
    assert outcome["status"] == "blocked" and outcome["quarantined"] == 1
    intake = next(c for c in outcome["failed_checks"] if c["name"] == "intake_complete")
    assert intake["failures"] == 1 and "not a valid integer" in intake["first_reason"]
    assert "Traceback" not in result.stderr and "dagster._core" not in result.stderr
    failed = tmp_path / "failed.csv"  # a header and nothing else: intake fails
    failed.write_bytes(lines[0])
    result = _run(env, "ingest", str(failed), "--dataset", "support_tickets", "--materialize")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "support_tickets v2: failed" in result.stdout
    assert "header but no data rows" in result.stdout and "Traceback" not in result.stderr
