"""The command line's exit codes, and where Dagster's event lines go."""

from __future__ import annotations

import logging

from dataops_assets.cli._common import exit_code
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
    # A refusal by the delivery gate (marked in the failure's metadata) is a block, not a bug.
    assert exit_code(_outcome(materialized=["intake"], refusals=["Delivery refused"])) == 3


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
