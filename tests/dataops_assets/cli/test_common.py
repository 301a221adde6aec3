"""The command line's summary, JSON and exit codes, and where Dagster's event lines go."""

from __future__ import annotations

import json
import logging

from dataops_assets.cli._common import exit_code, print_json, print_summary
from dataops_assets.outcomes import FailedCheck, VersionOutcome
from dataops_assets.runner import RUN_LOGGER, configure_run_log

CHECK = FailedCheck("allowed_values", 3, "category.isin: 3 row(s)", blocking=True)


def _outcome(**kw) -> VersionOutcome:
    return VersionOutcome("loan_applications", "v2", "run-1", **kw)


def test_exit_codes_follow_the_status():
    assert exit_code(_outcome(materialized=["intake", "delivered"])) == 0
    assert exit_code(_outcome(materialized=["intake"], checks=[CHECK])) == 3
    assert exit_code(_outcome(errors=["Cannot read x.csv: the file is empty"])) == 1
    warning = FailedCheck("drift_within_threshold", None, "4 of 7 columns drift", False)
    assert exit_code(_outcome(materialized=["intake"], checks=[warning])) == 1


def test_blocked_prints_plain_reasons_and_a_bug_prints_its_traceback(capsys):
    blocked = _outcome(materialized=["intake", "validated"], checks=[CHECK], quarantined=0)
    broken = VersionOutcome("support_tickets", "v4", "run-2", unexpected=[
        "ZeroDivisionError: division by zero\n  File \"x.py\", line 3, in f\n"])
    print_summary([blocked, broken])
    out, err = capsys.readouterr()
    assert "  allowed_values, 3 failure(s): category.isin: 3 row(s)" in out
    assert "Traceback" not in out and "File \"x.py\", line 3" in err
    print_json([blocked])
    [shown] = json.loads(capsys.readouterr().out)
    assert shown == {"dataset": "loan_applications", "version": "v2", "status": "blocked",
                     "failed_checks": [{"name": "allowed_values", "failures": 3,
                                        "first_reason": "category.isin: 3 row(s)",
                                        "blocking": True}],
                     "quarantined": 0, "errors": []}


def test_event_lines_go_to_the_run_log_and_to_the_terminal_only_with_verbose(tmp_path, capsys):
    log = tmp_path / "logs" / "runs.log"
    try:
        configure_run_log(log, verbose=False)
        logging.getLogger(RUN_LOGGER).debug("STEP_START quiet")
        configure_run_log(log, verbose=True)
        logging.getLogger(RUN_LOGGER).debug("STEP_START loud")
        assert "STEP_START quiet" in log.read_text() and "STEP_START loud" in log.read_text()
        err = capsys.readouterr().err
        assert "STEP_START loud" in err and "STEP_START quiet" not in err
    finally:
        configure_run_log(log, verbose=False)
