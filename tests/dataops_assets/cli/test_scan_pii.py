"""`dataops scan-pii` as scripts and auditors use it: JSON on stdout, clear errors, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
# Any attempt to reach the network fails fast through an unusable proxy.
OFFLINE = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


def _scan(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "dataops", "scan-pii", str(path)], env=OFFLINE, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def loans_csv(tmp_path_factory) -> Path:
    from datetime import date

    from dataops_assets.demo.generate import generate_demo

    root = tmp_path_factory.mktemp("scan")
    return generate_demo(root, date(2026, 11, 20))["loan_applications"][0]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_scan_prints_the_stable_json(loans_csv, tmp_path, fmt):
    path = loans_csv
    if fmt == "parquet":
        path = tmp_path / "loans.parquet"
        pq.write_table(pcsv.read_csv(loans_csv), path)
    result = _scan(path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "tldextract" not in result.stderr.lower()
    out = json.loads(result.stdout)
    assert set(out) == {"rows", "rows_scanned", "seconds", "guarantee", "columns"}
    assert out["rows"] == 3000 and out["rows_scanned"] == 688
    assert "99.9% confidence" in out["guarantee"]
    verdicts = {c["name"]: (c["pii"], c["entities"][0]["type"] if c["entities"] else None)
                for c in out["columns"]}
    assert verdicts["email"] == (True, "EMAIL_ADDRESS")
    assert verdicts["applicant_name"] == (True, "PERSON")
    assert verdicts["phone"] == (True, "PHONE_NUMBER")
    assert verdicts["date_of_birth"] == (True, "DATE_TIME")
    for column in ("application_id", "applied_at", "loan_amount", "purpose", "credit_score"):
        assert verdicts[column] == (False, None), column
    for column in out["columns"]:
        shares = [e["prevalence"] for e in column["entities"]]
        assert shares == sorted(shares, reverse=True)


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"), (b"", "empty"), (b"PAR1 not parquet", "cannot be read")])
def test_unreadable_input_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "input.parquet"
    if content is not None:
        path.write_bytes(content)
    result = _scan(path)
    assert result.returncode != 0
    assert message in result.stderr and "input.parquet" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
