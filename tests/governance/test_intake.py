"""Intake parsing: good files in three formats, and each kind of bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from governance.errors import IntakeError
from governance.intake import IntakeReport, read_batches

HEADER = ["ticket_id", "created_at", "customer_name", "customer_email", "channel", "subject",
          "body", "category", "priority"]


def _row(i: int, **over: str) -> list[str]:
    row = {"ticket_id": f"T-{i:06d}", "created_at": "2026-11-20T10:00:00",
           "customer_name": "Ann Example", "customer_email": f"ann{i}@example.com",
           "channel": "email", "subject": "Refund", "body": "Hello, I need help, thanks",
           "category": "billing", "priority": "2"}
    row.update(over)
    return [row[h] for h in HEADER]


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _read(path: Path, contract) -> tuple[pa.Table, IntakeReport]:
    report = IntakeReport(path=str(path))
    table = pa.concat_tables(list(read_batches(path, contract, report)))
    return table, report


def test_good_csv_is_typed(tmp_path, tickets):
    table, report = _read(_csv(tmp_path / "a.csv", [_row(1), _row(2)]), tickets)
    assert table.num_rows == 2 and report.loaded == 2 and not report.quarantined
    assert table.column("priority").type == pa.int64()
    assert table.column("created_at").to_pylist()[0] == datetime(2026, 11, 20, 10)
    assert table.column("_row_id").to_pylist() == [2, 3]  # file line numbers


def test_good_jsonl_and_parquet_are_typed(tmp_path, tickets):
    rows = [dict(zip(HEADER, _row(i), strict=True)) for i in (1, 2, 3)]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    table, report = _read(jsonl, tickets)
    assert table.num_rows == 3 and not report.quarantined
    parquet = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    table, report = _read(parquet, tickets)
    assert table.num_rows == 3 and not report.quarantined
    assert table.column("priority").to_pylist() == [2, 2, 2]


def test_wrong_type_values_are_quarantined_with_line_and_column(tmp_path, tickets):
    path = _csv(tmp_path / "a.csv", [_row(1), _row(2, priority="high"),
                                     _row(3, created_at="yesterday")])
    table, report = _read(path, tickets)
    assert table.num_rows == 1
    bad = {(q.line, q.column) for q in report.quarantined}
    assert bad == {(3, "priority"), (4, "created_at")}
    reasons = " ".join(q.reason for q in report.quarantined)
    assert "not a valid integer" in reasons and "high" not in reasons  # never echo values
    assert all(q.record for q in report.quarantined)  # the record itself is kept


def test_broken_quoting_quarantines_the_record(tmp_path, tickets):
    path = _csv(tmp_path / "a.csv", [_row(1)])
    with path.open("a") as fh:  # an unterminated quote swallows the rest of the line
        fh.write('T-000002,2026-11-20T10:00:00,"Ann,ann@example.com,email\n')
    table, report = _read(path, tickets)
    assert table.num_rows == 1
    assert report.quarantined[0].line == 3
    assert "broken quoting" in report.quarantined[0].reason


def test_undecodable_bytes_are_quarantined(tmp_path, tickets):
    path = _csv(tmp_path / "a.csv", [_row(1), _row(2)])
    data = path.read_bytes().replace(b"Ann Example", b"Ann \xff\xfe", 1)
    path.write_bytes(data)
    table, report = _read(path, tickets)
    assert table.num_rows == 1
    assert report.quarantined[0].line == 2
    assert report.quarantined[0].column == "customer_name"
    assert "not valid text" in report.quarantined[0].reason


def test_declared_encoding_is_used(tmp_path, tickets):
    from dataclasses import replace
    latin = replace(tickets, encoding="latin-1")
    path = tmp_path / "a.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([HEADER, _row(1, customer_name="Zoë")])
    path.write_bytes(buf.getvalue().encode("latin-1"))
    table, report = _read(path, latin)
    assert table.column("customer_name").to_pylist() == ["Zoë"] and not report.quarantined


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\n\n", "empty"),
    ((",".join(HEADER) + "\n").encode(), "no data rows"),
])
def test_empty_files_fail(tmp_path, tickets, content, message):
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    with pytest.raises(IntakeError, match=message) as info:
        _read(path, tickets)
    assert str(path) in str(info.value)


def test_missing_required_column_fails_naming_it(tmp_path, tickets):
    header = [h for h in HEADER if h != "category"]
    rows = [[v for h, v in zip(HEADER, _row(1), strict=True) if h != "category"]]
    with pytest.raises(IntakeError, match=r"required columns are missing.*category") as info:
        _read(_csv(tmp_path / "a.csv", rows, header), tickets)
    assert info.value.line == 1


def test_missing_optional_column_is_a_problem_not_a_failure(tmp_path, tickets):
    header = [h for h in HEADER if h != "subject"]
    rows = [[v for h, v in zip(HEADER, _row(1), strict=True) if h != "subject"]]
    table, report = _read(_csv(tmp_path / "a.csv", rows, header), tickets)
    assert table.num_rows == 1 and table.column("subject").to_pylist() == [None]
    assert any("subject" in w for w in report.warnings)
    assert report.quarantined  # recorded, so delivery is blocked


def test_unexpected_column_is_reported_and_not_loaded(tmp_path, tickets):
    rows = [[*_row(1), "123-45-6789"]]
    table, report = _read(_csv(tmp_path / "a.csv", rows, [*HEADER, "ssn"]), tickets)
    assert "ssn" not in table.column_names
    assert any("'ssn' is not in the contract" in w for w in report.warnings)


def test_unexpected_column_fails_when_contract_is_strict(tmp_path, tickets):
    from dataclasses import replace
    strict = replace(tickets, strict_columns=True)
    with pytest.raises(IntakeError, match="ssn"):
        _read(_csv(tmp_path / "a.csv", [[*_row(1), "x"]], [*HEADER, "ssn"]), strict)


def test_bad_jsonl_lines_are_quarantined(tmp_path, tickets):
    good = json.dumps(dict(zip(HEADER, _row(1), strict=True)))
    path = tmp_path / "a.jsonl"
    path.write_text(good + "\n{not json\n[1, 2]\n")
    table, report = _read(path, tickets)
    assert table.num_rows == 1
    assert [(q.line, q.reason.split(" (")[0]) for q in report.quarantined] == [
        (2, "is not valid JSON"), (3, "is not a JSON object")]


def test_corrupt_parquet_fails(tmp_path, tickets):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(IntakeError, match="not a readable Parquet"):
        _read(path, tickets)


def test_a_5mb_field_quarantines_only_its_record(tmp_path, tickets):
    path = _csv(tmp_path / "a.csv", [_row(1), _row(2, body="x" * 5_000_000), _row(3)])
    table, report = _read(path, tickets)
    assert table.num_rows == 2 and table.column("_row_id").to_pylist() == [2, 4]
    [bad] = report.quarantined
    assert (bad.line, bad.column) == (3, "body")
    assert "more than the limit of 4,194,304" in bad.reason
    assert len(bad.record) < 1000  # the record is kept with the oversized field shortened


def test_field_limit_comes_from_the_contract(tmp_path, tickets):
    from dataclasses import replace
    small = replace(tickets, custom={**tickets.custom, "maxFieldSize": 100})
    path = _csv(tmp_path / "a.csv", [_row(1), _row(2, subject="s" * 101)])
    table, report = _read(path, small)
    assert table.num_rows == 1 and report.quarantined[0].column == "subject"


def test_over_long_lines_are_quarantined_unread_in_csv_and_jsonl(tmp_path, tickets):
    from dataclasses import replace
    small = replace(tickets, custom={**tickets.custom, "maxFieldSize": 100})  # lines: 400
    long_row = _row(2, body="b" * 90, subject="s" * 90, customer_name="n" * 90,
                    channel="c" * 90)
    table, report = _read(_csv(tmp_path / "a.csv", [_row(1), long_row, _row(3)]), small)
    assert table.num_rows == 2
    assert [(q.line, q.reason) for q in report.quarantined] == [
        (3, "line is longer than 400 characters")]
    rows = [dict(zip(HEADER, r, strict=True)) for r in (_row(1), long_row, _row(3))]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table, report = _read(jsonl, small)
    assert table.num_rows == 2
    assert [(q.line, q.reason) for q in report.quarantined] == [
        (2, "line is longer than 400 bytes")]


def test_nul_bytes_and_bad_encoding_quarantine_their_records(tmp_path, tickets):
    path = _csv(tmp_path / "a.csv", [_row(1), _row(2, subject="a\x00b"), _row(3), _row(4)])
    data = path.read_bytes().replace(b"ann4@", b"\xffnn4@", 1)
    path.write_bytes(data)
    table, report = _read(path, tickets)
    assert table.num_rows == 2
    assert [(q.line, q.column) for q in report.quarantined] == [
        (3, "subject"), (5, "customer_email")]
    assert "NUL byte" in report.quarantined[0].reason
    assert "not valid text" in report.quarantined[1].reason

