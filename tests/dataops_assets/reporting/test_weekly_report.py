"""The weekly report on the demo (every headline figure recomputed with SQL on the
instance's SQLite storage), its asset, job and schedule, sending, and the CLI's refusals."""

from __future__ import annotations

import email
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from dataops_assets.cli import main
from dataops_assets.definitions import build_definitions
from dataops_assets.keys import (
    SERVICE_LEVEL_CHECKS,
    WEEKLY_REPORT_JOB,
    WEEKLY_REPORT_KEY,
    WEEKLY_REPORT_SCHEDULE,
)
from governance.contracts import load_contracts
from governance.incidents.notify import Notifier, SmtpSettings
from governance.rawstore import RawStore
from governance.reporting.build import build_report
from governance.reporting.period import period_for
from governance.reporting.render import render
from governance.reporting.send import send_report
from governance.settings import TIMEZONE_ENV, Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR, REPO

BIN = Path(sys.executable).parent
_EVAL = "$.dagster_event.event_specific_data"
_META = f"{_EVAL}.metadata"


def _cli(demo, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DAGSTER_HOME": str(demo.data_dir.parent / "home"),
           "DATAOPS_DATA_DIR": str(demo.data_dir)}
    return subprocess.run([BIN / "dataops", "report", "weekly", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def _outcomes_by_sql(home: Path, start: float, end: float) -> dict[tuple[str, str], tuple]:
    """(job, version) -> (latest run delivered, blocked, first run delivered), by SQL alone."""
    runs = sqlite3.connect(home / "history" / "runs.db")
    index = sqlite3.connect(home / "history" / "runs" / "index.db")
    # Latest and first finished pipeline run of each version.
    found = runs.execute("""
        SELECT pipeline_name, partition,
               (SELECT run_id FROM runs r2 WHERE r2.pipeline_name = r.pipeline_name
                AND r2.partition = r.partition AND r2.status IN ('SUCCESS', 'FAILURE')
                ORDER BY start_time DESC LIMIT 1),
               (SELECT run_id FROM runs r2 WHERE r2.pipeline_name = r.pipeline_name
                AND r2.partition = r.partition AND r2.status IN ('SUCCESS', 'FAILURE')
                ORDER BY start_time LIMIT 1),
               max(end_time)
        FROM runs r WHERE pipeline_name LIKE '%\\_pipeline' ESCAPE '\\'
          AND status IN ('SUCCESS', 'FAILURE')
        GROUP BY pipeline_name, partition""").fetchall()

    def delivered(run_id: str) -> bool:
        return index.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = ? AND dagster_event_type = "
            "'ASSET_MATERIALIZATION' AND asset_key LIKE '%\"delivered\"%'", [run_id]
        ).fetchone()[0] > 0

    def blocked(run_id: str) -> bool:
        checks = index.execute(
            f"SELECT count(*) FROM asset_check_executions WHERE run_id = ? AND "
            f"execution_status = 'FAILED' AND (json_extract(evaluation_event, "
            f"'{_EVAL}.blocking') OR json_extract(evaluation_event, "
            f"'{_EVAL}.severity.__enum__') = 'AssetCheckSeverity.ERROR')", [run_id]
        ).fetchone()[0]
        per_run = sqlite3.connect(home / "history" / "runs" / f"{run_id}.db")
        gate = per_run.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = "
                               "'STEP_FAILURE' AND event LIKE '%\"blocked\"%'").fetchone()[0]
        return checks + gate > 0

    return {(job, version): (delivered(latest), blocked(latest), delivered(first))
            for job, version, latest, first, ended in found if start < ended <= end}


def _slo_by_sql(home: Path, start: float, end: float, window_start: float) -> tuple:
    """Attainment in the week and the lowest error budget left, by SQL on check history."""
    index = sqlite3.connect(home / "history" / "runs" / "index.db")
    marks = ", ".join("?" for _ in SERVICE_LEVEL_CHECKS)
    latest = f"""
        WITH e AS (
          SELECT asset_key, check_name, partition, execution_status = 'SUCCEEDED' AS passed,
                 json_extract(evaluation_event, '$.timestamp') AS at,
                 json_extract(evaluation_event, '{_META}."slo/objective".value') AS objective,
                 row_number() OVER (PARTITION BY asset_key, check_name, partition
                                    ORDER BY json_extract(evaluation_event, '$.timestamp') DESC
                                   ) AS rn
          FROM asset_check_executions
          WHERE check_name IN ({marks}) AND execution_status IN ('SUCCEEDED', 'FAILED')
            AND json_extract(evaluation_event, '{_META}."slo/counted".value') = 1
            AND json_extract(evaluation_event, '$.timestamp') > ?
            AND json_extract(evaluation_event, '$.timestamp') <= ?)
        SELECT asset_key, check_name, count(*), sum(NOT passed), max(objective)
        FROM e WHERE rn = 1 GROUP BY asset_key, check_name"""
    week = index.execute(latest, [*SERVICE_LEVEL_CHECKS, start, end]).fetchall()
    evaluated = sum(r[2] for r in week)
    attainment = (evaluated - sum(r[3] for r in week)) / evaluated if evaluated else None
    budgets = []
    for _, _, n, breaches, objective in index.execute(
            latest, [*SERVICE_LEVEL_CHECKS, window_start, end]).fetchall():
        allowed = (1 - objective) * n
        budgets.append((allowed - breaches) / allowed if allowed > 0
                       else 1.0 if breaches == 0 else 0.0)
    return attainment, (min(budgets) if budgets else None)


def test_demo_report_headline_recomputed_with_sql(demo, tmp_path):
    as_of = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    first = _cli(demo, "--as-of", as_of.isoformat(), "--out", str(tmp_path / "a"), "--json")
    assert first.returncode == 0, first.stderr
    figures = json.loads(first.stdout)
    assert (figures["received"], figures["delivered"], figures["blocked"],
            figures["failed"]) == (7, 3, 4, 0)
    name = figures["report"]
    assert name == f"weekly-{(as_of - timedelta(days=1)):%G-%V}"
    # Same --as-of on the same state: the same bytes.
    again = _cli(demo, "--as-of", as_of.isoformat(), "--out", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr
    for suffix in (".md", ".html"):
        assert (tmp_path / "a" / f"{name}{suffix}").read_bytes() == \
            (tmp_path / "b" / f"{name}{suffix}").read_bytes()
    start, end = (as_of - timedelta(days=7)).timestamp(), as_of.timestamp()
    home = demo.data_dir.parent / "home"
    # Received: the raw store's manifests (files, not SQL) give each version's arrival.
    arrived = [json.loads(p.read_text())["arrived_at"]
               for p in (demo.data_dir / "raw").glob("*/v*/manifest.json")]
    assert figures["received"] == sum(
        start < datetime.fromisoformat(a).timestamp() <= end for a in arrived)
    outcomes = _outcomes_by_sql(home, start, end)
    assert figures["delivered"] == sum(d for d, _, _ in outcomes.values())
    assert figures["blocked"] == sum(not d and b for d, b, _ in outcomes.values())
    assert figures["failed"] == sum(not d and not b for d, b, _ in outcomes.values())
    assert figures["first_pass_yield"] == pytest.approx(
        sum(f for _, _, f in outcomes.values()) / len(outcomes))
    attainment, budget = _slo_by_sql(home, start, end,
                                     (as_of - timedelta(days=28)).timestamp())
    assert figures["slo_attainment"] == pytest.approx(attainment)
    assert figures["error_budget_left"] == pytest.approx(budget)
    store = sqlite3.connect(Layout(demo.data_dir).incidents_db)
    opened, resolved = store.execute(
        "SELECT count(*) FILTER (WHERE opened_at > ? AND opened_at <= ?), count(*) FILTER "
        "(WHERE state = 'resolved' AND resolved_at > ? AND resolved_at <= ?) FROM incidents",
        [(as_of - timedelta(days=7)).isoformat(), as_of.isoformat()] * 2).fetchone()
    assert (figures["incidents_opened"], figures["incidents_resolved"]) == (opened, resolved)
    markdown = (tmp_path / "a" / f"{name}.md").read_text()
    assert "| Versions received | 7 |" in markdown and "| Blocked | 4 |" in markdown
    # Guideline-change proposals of the week's labeling batches, each a decision to take.
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        proposals = conn.execute(
            "SELECT p.version, p.label_a, p.label_b, p.errors FROM main.guideline_proposals p "
            "JOIN main.labeling_batches b USING (dataset, version) WHERE b.measured_at > ? "
            "AND b.measured_at <= ? ORDER BY p.version",
            [(as_of - timedelta(days=7)).replace(tzinfo=None),
             as_of.replace(tzinfo=None)]).fetchall()
    assert [(v, a, b) for v, a, b, _ in proposals] == [("v1", "billing", "shipping"),
                                                      ("v2", "billing", "shipping")]
    decisions = [line for line in markdown.splitlines() if line.startswith("| guideline |")]
    assert len(decisions) == len(proposals)
    for (version, _, _, errors), line in zip(proposals, decisions, strict=True):
        assert f"support_ticket_labels {version}" in line and f"holds {errors} errors" in line
        assert line.endswith("| support-data |")
    _sections_recomputed_with_sql(demo, figures["sections"], as_of)


def test_schedule_job_and_materialization(data_dir, instance, monkeypatch, tmp_path):
    monkeypatch.setenv(TIMEZONE_ENV, "Europe/Paris")
    monkeypatch.setenv("DATAOPS_DATASHEETS_DIR", str(tmp_path / "docs"))
    defs = build_definitions(CONTRACTS_DIR, data_dir)
    schedule = next(s for s in defs.schedules if s.name == WEEKLY_REPORT_SCHEDULE)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 8 * * 1",
                                                                     "Europe/Paris")
    job = defs.resolve_job_def(WEEKLY_REPORT_JOB)
    assert WEEKLY_REPORT_KEY in job.asset_layer.executable_asset_keys
    tick = "2026-03-09T08:00:00+01:00"
    result = job.execute_in_process(instance=instance,
                                    tags={"dagster/scheduled_execution_time": tick})
    assert result.success
    (mat,) = [e for e in result.asset_materializations_for_node("reports__weekly_report")]
    meta = {k: v.value for k, v in mat.metadata.items()}
    assert meta["report/received"] == 0 and "report/first_pass_yield" not in meta
    assert Path(meta["path"]) == tmp_path / "docs" / "reports" / "weekly-2026-10.md"
    assert Path(meta["path"]).is_file() and Path(meta["html_path"]).is_file()
    assert meta["report/recipients"] == 2  # two announcement addresses across 3 contracts
    monkeypatch.setenv(TIMEZONE_ENV, "Mars/Olympus")
    with pytest.raises(Exception, match="is not a time zone"):
        build_definitions(CONTRACTS_DIR, data_dir)


def test_sent_once_to_each_announcement_address(data_dir, smtp, tmp_path):
    mailbox, port = smtp
    contracts = load_contracts(CONTRACTS_DIR)
    report = build_report(data_dir, contracts, period_for(datetime(2026, 3, 9, 8, tzinfo=UTC)),
                          [], [])
    _, page = render(report)
    outbox = tmp_path / "outbox.jsonl"
    sent = send_report(Notifier(outbox, SmtpSettings("127.0.0.1", port)), report, page,
                       contracts, datetime(2026, 3, 9, 8, tzinfo=UTC))
    assert [d.status for d in sent] == ["sent", "sent"]
    assert sorted(r for _, rcpt, _ in mailbox.messages for r in rcpt) == [
        "credit-data-reports@example.com", "support-data-reports@example.com"]
    for _, _, content in mailbox.messages:
        mail = email.message_from_bytes(content, policy=policy.default)
        assert "0 received, 0 delivered, 0 blocked, 0 failed" in mail["Subject"]
        assert "First-pass yield not measured" in mail.get_body(("plain",)).get_content()
        assert "<h1>Weekly status report weekly-2026-10</h1>" in mail.get_body(
            ("html",)).get_content()
    lines = [json.loads(x) for x in outbox.read_text().splitlines()]
    assert [x["step"] for x in lines] == ["weekly report", "weekly report"]
    assert all("<html" not in json.dumps(x) for x in lines)  # the page is not in the outbox


@pytest.mark.parametrize("args, message", [
    (["--as-of", "yesterday"], "is not a date"),
    (["--as-of", "2026-13-01"], "is not a date"),
])
def test_cli_refuses_bad_dates(data_dir, args, message, capsys):
    assert main(["report", "weekly", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_cli_refuses_a_missing_data_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(tmp_path / "nowhere"))
    assert main(["report", "weekly"]) == 2
    err = capsys.readouterr().err.strip()
    assert "there is no data directory" in err and len(err.splitlines()) == 1
    assert not RawStore(tmp_path / "nowhere" / "raw").root.exists()


def _sections_recomputed_with_sql(demo, s: dict, as_of: datetime) -> None:
    """Each section's figures on the demo, recomputed here with SQL of the test's own."""
    week = [(as_of - timedelta(days=7)).replace(tzinfo=None), as_of.replace(tzinfo=None)]
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        def sql(query: str, params: list | None = None) -> list[tuple]:
            return conn.execute(query, params or []).fetchall()

        # Quality: the mean dataset-level value of each share dimension measured this week.
        quality = {(d, m): v for d, m, v in sql(
            "SELECT dataset, dimension, avg(value) FROM quality_metrics WHERE \"column\" = '*' "
            "AND dimension IN ('completeness', 'validity', 'uniqueness', 'consistency', "
            "'accuracy') AND measured_at > ? AND measured_at <= ? GROUP BY ALL", week)}
        assert {(q["dataset"], q["dimension"]): q["this_week"] for q in s["quality"]} == \
            pytest.approx(quality)
        # Check families that failed most: failing rows and versions per check.
        failing = {(d, c): (n, v) for d, c, n, v in sql(
            "SELECT dataset, check_name, sum(failures), count(DISTINCT version) FROM "
            "check_results WHERE NOT passed AND evaluated_at > ? AND evaluated_at <= ? "
            "GROUP BY ALL", week)}
        assert s["worst_rules"]
        for w in s["worst_rules"]:
            assert failing[(w["dataset"], w["check"])] == (w["failures"], w["versions"])
        # Privacy: undeclared personal data found by the scans of the week.
        undeclared = sorted(
            (ds, v, c) for ds in ("support_tickets", "loan_applications")
            for v, c in sql(f'SELECT _version, column_name FROM "{ds}".pii_findings WHERE '
                            "detected_personal AND NOT declared_personal AND scanned_at > ? "
                            "AND scanned_at <= ?", week))
        assert sorted((u["dataset"], u["version"], u["column"])
                      for u in s["privacy"]["undeclared"]) == undeclared
        # The demo erases nobody: the ledger of erasures is not even created.
        assert not sql("SELECT 1 FROM information_schema.tables WHERE table_name = "
                       "'erasure_tombstones'")
        assert s["privacy"]["erasures"] == 0
        # Labeling: the week's batches, their size, cost per item and audited accuracy.
        (batches, items, labels, cost, audit), = sql(
            "SELECT count(*), sum(items), sum(labels), sum(total_cost) / sum(items), "
            "sum(audit_accuracy * audited) / sum(audited) FROM labeling_batches WHERE "
            "dataset = 'support_ticket_labels' AND measured_at > ? AND measured_at <= ?", week)
        [row] = s["labeling"]
        assert (row["batches"], row["items"], row["labels"]) == (batches, items, labels)
        assert (row["cost_per_item"], row["audit_accuracy"]) == pytest.approx((cost, audit))
        (backlog,), = sql('SELECT count(*) FROM "support_ticket_labels".adjudication_queue')
        assert row["adjudication_backlog"] == backlog
        # Spend per vendor over the batches measured this week.
        spend = {v: (total, n) for v, total, n in sql(
            "SELECT vendor, sum(total_cost), sum(labels) FROM labeling_vendors WHERE "
            "(dataset, version) IN (SELECT (dataset, version) FROM labeling_batches WHERE "
            "measured_at > ? AND measured_at <= ?) GROUP BY ALL", week)}
        assert {v["vendor"] for v in s["vendors"]} == set(spend)
        for v in s["vendors"]:
            assert (v["spend"], v["labels"]) == pytest.approx(spend[v["vendor"]])
        # Drift: versions whose dataset drifted this week.
        (drifted,), = sql("SELECT count(*) FROM drift_summary WHERE dataset_drift AND "
                          "measured_at > ? AND measured_at <= ?", week)
        assert s["operations"]["drifted_versions"] == drifted
    store = sqlite3.connect(Layout(demo.data_dir).incidents_db)
    (active,), = store.execute("SELECT count(*) FROM incidents WHERE state IN "
                               "('open', 'acknowledged', 'assigned')").fetchall()
    assert s["operations"]["incidents_active"] == active
    # Risks: every open high-severity incident is one, owned by its owner team.
    high = store.execute("SELECT id, owner FROM incidents WHERE severity = 'high' AND state "
                         "IN ('open', 'acknowledged', 'assigned') ORDER BY id").fetchall()
    assert [(r["subject"], r["owner"]) for r in s["risks"] if r["kind"] == "incident"] == \
        [tuple(x) for x in high]
