"""The outcome summary and JSON printed after in-process runs."""

from __future__ import annotations

import json

from dataops_assets.console import print_json, print_summary
from dataops_assets.outcomes import FailedCheck, VersionOutcome

CHECK = FailedCheck("allowed_values", 3, "category.isin: 3 row(s)", blocking=True)


def _outcome(**kw) -> VersionOutcome:
    return VersionOutcome("loan_applications", "v2", "run-1", **kw)


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


def test_the_gates_refusal_is_shown_only_when_no_check_explains_it(capsys):
    refusal = "Delivery of loan_applications version v2 is refused: the labeling batch failed"
    print_summary([_outcome(materialized=["intake"], refusals=[refusal])])
    assert refusal in capsys.readouterr().out
    print_summary([_outcome(materialized=["intake"], checks=[CHECK], refusals=[refusal])])
    out = capsys.readouterr().out
    assert refusal not in out and "allowed_values" in out
