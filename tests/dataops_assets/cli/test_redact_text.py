"""`dataops redact-text` as a filter: JSON Lines in, redacted JSON Lines out, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent


def _run(stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "dataops", "redact-text"], input=stdin, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_redacts_text_and_keeps_other_fields():
    lines = [{"id": "a", "text": "Please ask Ingrid about it; card 4111 1111 1111 1111."},
             {"id": "b", "text": "The app crashes when I open the settings page."}]
    done = _run("".join(json.dumps(line) + "\n" for line in lines))
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert out[0] == {"id": "a", "text": "Please ask <PERSON> about it; card <CREDIT_CARD>."}
    assert out[1] == lines[1]


def test_a_bad_line_is_refused_by_number_and_exits_1():
    done = _run('{"text": "Mr Kowalski called"}\nnot json\n')
    assert done.returncode == 1
    assert "refused line 2: not valid JSON" in done.stderr
    assert "Kowalski" not in done.stderr and "Kowalski" not in done.stdout
