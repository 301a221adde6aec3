"""Intake picks its reader by content, then suffix, then contract; every combination."""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from governance.errors import IntakeError
from governance.intake import IntakeReport, read_batches
from tests.governance.test_intake import HEADER, _row

ROWS = [dict(zip(HEADER, _row(i), strict=True)) for i in (1, 2, 3)]
CONTAINERS = ("csv", "jsonl", "parquet")
PACKING = {"": lambda b: b, ".gz": gzip.compress,
           ".zst": lambda b: zstandard.ZstdCompressor().compress(b)}


def _content(container: str) -> bytes:
    if container == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows([r[h] for h in HEADER] for r in ROWS)
        return buf.getvalue().encode()
    if container == "jsonl":
        return "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(ROWS), sink)
    return sink.getvalue().to_pybytes()


def _read(path: Path, contract) -> tuple[pa.Table, IntakeReport]:
    report = IntakeReport(path=str(path))
    return pa.concat_tables(list(read_batches(path, contract, report))), report


def _write(tmp_path: Path, container: str, name_as: str, packing: str = "") -> Path:
    suffix = {"same": f".{container}", "none": ".dat", "other": ".csv"
              if container != "csv" else ".jsonl"}[name_as]
    path = tmp_path / f"batch{suffix}{packing}"
    path.write_bytes(PACKING[packing](_content(container)))
    return path


@pytest.mark.parametrize("contract_format", CONTAINERS)
@pytest.mark.parametrize("name_as", ["same", "none", "other"])
@pytest.mark.parametrize("container", ["jsonl", "parquet"])
def test_parquet_and_jsonl_are_read_by_content_whatever_name_and_contract(
        tmp_path, tickets, container, name_as, contract_format):
    path = _write(tmp_path, container, name_as)
    table, report = _read(path, replace(tickets, file_format=contract_format))
    assert table.num_rows == 3 and not report.quarantined
    assert table.column("priority").to_pylist() == [2, 2, 2]  # typed by the contract
    assert report.read_as == f"{container} (by content)"


@pytest.mark.parametrize(("name_as", "contract_format", "decided"), [
    ("same", "csv", "suffix"), ("same", "jsonl", "suffix"), ("same", "parquet", "suffix"),
    ("none", "csv", "contract"), ("none", "parquet", "content"),
])
def test_csv_is_read_when_name_or_contract_allow_it(tmp_path, tickets, name_as,
                                                    contract_format, decided):
    path = _write(tmp_path, "csv", name_as)
    table, report = _read(path, replace(tickets, file_format=contract_format))
    assert table.num_rows == 3 and not report.quarantined
    assert report.read_as == f"csv (by {decided})"


@pytest.mark.parametrize(("name", "contract_format"), [
    ("batch.jsonl", "csv"), ("batch.dat", "jsonl"), ("batch.ndjson", "parquet")])
def test_csv_where_json_lines_are_expected_is_refused_naming_what_it_is(
        tmp_path, tickets, name, contract_format):
    path = tmp_path / name
    path.write_bytes(_content("csv"))
    with pytest.raises(IntakeError, match=r"not JSON Lines.*it is text, perhaps CSV"):
        _read(path, replace(tickets, file_format=contract_format))


def test_text_named_parquet_is_read_as_csv(tmp_path, tickets):
    path = tmp_path / "batch.parquet"
    path.write_bytes(_content("csv"))
    table, report = _read(path, tickets)
    assert table.num_rows == 3 and report.read_as == "csv (by content)"


@pytest.mark.parametrize("packing", [".gz", ".zst"])
@pytest.mark.parametrize("container", ["csv", "jsonl"])
@pytest.mark.parametrize("contract_format", CONTAINERS)
def test_compressed_csv_and_jsonl_are_read_transparently(tmp_path, tickets, packing,
                                                          container, contract_format):
    path = _write(tmp_path, container, "same", packing)
    table, report = _read(path, replace(tickets, file_format=contract_format))
    assert table.num_rows == 3 and not report.quarantined
    compression = "gzip" if packing == ".gz" else "zstd"
    assert report.read_as.startswith(f"{container}, {compression}-compressed")


@pytest.mark.parametrize("packing", [".gz", ".zst"])
def test_compressed_without_a_suffix_is_found_by_content(tmp_path, tickets, packing):
    path = tmp_path / "batch"
    path.write_bytes(PACKING[packing](_content("csv")))
    table, _ = _read(path, tickets)
    assert table.num_rows == 3


@pytest.mark.parametrize(("data", "message"), [
    (b"PK\x03\x04" + b"\x00" * 40, "is a ZIP archive"),
    (b"%PDF-1.7\n...", "is a PDF document"),
    (b"[{\"ticket_id\": 1}]", "is a JSON document \\(an array\\), not JSON Lines"),
    (bytes(range(256)) * 4, "binary data of an unknown kind"),
    (gzip.compress(b"\x00\x01\x02\x03" * 100), "gzip-compressed binary data"),
    (gzip.compress(_content("parquet")), "gzip-compressed Parquet file"),
    (_content("csv")[:60] + b"\x00" * 300, "binary data"),
])
def test_unreadable_kinds_are_refused_naming_what_they_are(tmp_path, tickets, data, message):
    path = tmp_path / "batch.csv"
    path.write_bytes(data)
    with pytest.raises(IntakeError, match=message) as info:
        _read(path, tickets)
    assert str(path) in str(info.value)


def test_truncated_parquet_says_so(tmp_path, tickets):
    path = tmp_path / "batch.parquet"
    path.write_bytes(_content("parquet")[:200])
    with pytest.raises(IntakeError, match=r"starts as Parquet.*truncated or damaged"):
        _read(path, tickets)


@pytest.mark.parametrize("packing", [".gz", ".zst"])
def test_truncated_compressed_stream_fails_the_file(tmp_path, tickets, packing):
    rows = [dict(zip(HEADER, _row(i), strict=True)) for i in range(2000)]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    packed = PACKING[packing](data)
    path = tmp_path / f"batch.jsonl{packing}"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IntakeError, match="truncated or damaged"):
        _read(path, tickets)


def test_name_says_compressed_but_is_not(tmp_path, tickets):
    path = tmp_path / "batch.csv.gz"
    path.write_bytes(_content("csv"))
    with pytest.raises(IntakeError, match="says gzip-compressed but the content is not"):
        _read(path, tickets)


def test_broken_first_json_line_is_quarantined_not_misread(tmp_path, tickets):
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'{"ticket_id": "T-1", broken\n' + _content("jsonl"))
    table, report = _read(path, tickets)
    assert table.num_rows == 3
    assert [(q.line, q.reason.split(" (")[0]) for q in report.quarantined] == [
        (1, "is not valid JSON")]
