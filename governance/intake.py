"""Parse a raw batch (CSV, Parquet or JSON Lines) against its contract.

Rows that cannot be read or typed go to quarantine with their line and reason;
problems that make the whole file unreadable raise IntakeError. Reasons never quote
the offending value, because it may be personal data; the quarantine table keeps the
record itself, and the raw store keeps the bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from governance.contracts import ColumnSpec, DatasetContract
from governance.errors import IntakeError

ROW_ID = "_row_id"
BATCH_ROWS = 50_000
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}
_INT = re.compile(r"^[+-]?[0-9]+$")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_UNDECODABLE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class QuarantinedRecord:
    """One record (or file-level problem, line None) that did not enter the intake table."""

    line: int | None
    column: str | None
    reason: str
    record: str | None


@dataclass
class IntakeReport:
    """What parsing found, filled in while the batches are read."""

    path: str
    records: int = 0
    loaded: int = 0
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns_seen: list[str] = field(default_factory=list)

    def problem(self, reason: str) -> None:
        """Record a file-level problem that lets reading go on but blocks delivery."""
        self.warnings.append(reason)
        self.quarantined.append(QuarantinedRecord(None, None, reason, None))


class _Bad(ValueError):
    """A value that does not fit its column's logical type."""


def _to_int(v: Any) -> int:
    if isinstance(v, bool):
        raise _Bad("is a boolean, not an integer")
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v.is_integer():
            return int(v)
        raise _Bad("is not a whole number")
    if isinstance(v, str) and _INT.match(v.strip()):
        return int(v.strip())
    raise _Bad("is not a valid integer")


def _to_float(v: Any) -> float:
    if isinstance(v, bool):
        raise _Bad("is a boolean, not a number")
    try:
        out = float(v.strip() if isinstance(v, str) else v)
    except (TypeError, ValueError):
        raise _Bad("is not a valid number") from None
    if not math.isfinite(out):
        raise _Bad("is not a finite number")
    return out


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad("is not a valid boolean (true/false)")


def _to_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        raise _Bad("is not a valid ISO date (YYYY-MM-DD)") from None


def _to_timestamp(v: Any) -> datetime:
    if isinstance(v, datetime):
        out = v
    elif isinstance(v, date):
        out = datetime(v.year, v.month, v.day)
    else:
        try:
            out = datetime.fromisoformat(str(v).strip())
        except ValueError:
            raise _Bad("is not a valid ISO timestamp") from None
    # Stage tables hold naive UTC timestamps.
    if out.tzinfo is not None:
        out = out.astimezone(UTC).replace(tzinfo=None)
    return out


def _to_str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, dict | list):
        raise _Bad("is a nested object, not text")
    return str(v)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "string": _to_str,
    "integer": _to_int,
    "number": _to_float,
    "boolean": _to_bool,
    "date": _to_date,
    "timestamp": _to_timestamp,
}


class _Typer:
    """Accumulates typed rows column-wise and emits Arrow batches."""

    def __init__(self, columns: tuple[ColumnSpec, ...], report: IntakeReport) -> None:
        self.columns = columns
        self.report = report
        self.buffers: dict[str, list[Any]] = {c.name: [] for c in columns}
        self.row_ids: list[int] = []

    def add(self, row_id: int, values: dict[str, Any], record: str) -> None:
        self.report.records += 1
        typed: dict[str, Any] = {}
        for col in self.columns:
            raw = values.get(col.name)
            if raw is None or (isinstance(raw, str) and raw == ""):
                typed[col.name] = None
                continue
            if isinstance(raw, str) and _UNDECODABLE.search(raw):
                self.report.quarantined.append(QuarantinedRecord(
                    row_id, col.name, "contains bytes that are not valid text in the "
                    "declared encoding", record))
                return
            try:
                typed[col.name] = CONVERTERS[col.logical_type](raw)
            except _Bad as exc:
                self.report.quarantined.append(QuarantinedRecord(
                    row_id, col.name, f"value {exc} ({col.logical_type} expected)", record))
                return
        for name, value in typed.items():
            self.buffers[name].append(value)
        self.row_ids.append(row_id)
        self.report.loaded += 1

    def __len__(self) -> int:
        return len(self.row_ids)

    def flush(self) -> pa.Table:
        arrays = [pa.array(self.row_ids, type=pa.int64())]
        arrays += [pa.array(self.buffers[c.name], type=ARROW_TYPES[c.logical_type])
                   for c in self.columns]
        names = [ROW_ID, *(c.name for c in self.columns)]
        table = pa.Table.from_arrays(arrays, names=names)
        self.buffers = {c.name: [] for c in self.columns}
        self.row_ids = []
        return table


def _check_header(header: list[str], contract: DatasetContract, report: IntakeReport) -> None:
    report.columns_seen = list(header)
    dup = next((h for h in header if header.count(h) > 1), None)
    if dup is not None:
        raise IntakeError(report.path, f"the header names column '{dup}' twice", line=1)
    declared = set(contract.column_names)
    missing_required = [c.name for c in contract.columns if c.required and c.name not in header]
    if missing_required:
        raise IntakeError(report.path, "required columns are missing from the header: "
                          + ", ".join(missing_required), line=1)
    for col in contract.columns:
        if col.name not in header:
            report.problem(f"optional column '{col.name}' is missing; it is loaded as empty")
    unexpected = [h for h in header if h not in declared]
    if unexpected and contract.strict_columns:
        raise IntakeError(report.path, "columns not in the contract: " + ", ".join(unexpected),
                          line=1)
    for name in unexpected:
        report.problem(f"column '{name}' is not in the contract; its values were not loaded")


def _csv_rows(path: Path, contract: DatasetContract, report: IntakeReport,
              typer: _Typer) -> Iterator[pa.Table]:
    encoding = contract.encoding.lower()
    if encoding.replace("-", "").replace("_", "") == "utf8":
        encoding = "utf-8-sig"  # tolerate a byte-order mark
    with path.open("rb") as raw_fh:
        text = io.TextIOWrapper(raw_fh, encoding=encoding, errors="surrogateescape", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
            while header is not None and not any(h.strip() for h in header):
                header = next(reader, None)
            if header is None:
                raise IntakeError(report.path, "the file is empty")
            if any(_UNDECODABLE.search(h) for h in header):
                raise IntakeError(report.path, "the header is not valid text in the "
                                  f"declared encoding {contract.encoding}", line=reader.line_num)
            header = [h.strip() for h in header]
            _check_header(header, contract, report)
            width = len(header)
            last_line = reader.line_num
            for fields in reader:
                start = last_line + 1
                last_line = reader.line_num
                if not fields:
                    continue  # blank line
                record = json.dumps(fields)
                if len(fields) != width:
                    report.records += 1
                    report.quarantined.append(QuarantinedRecord(
                        start, None, f"has {len(fields)} fields where the header has {width} "
                        "(broken quoting or a stray delimiter)", record))
                    continue
                typer.add(start, dict(zip(header, fields, strict=True)), record)
                if len(typer) >= BATCH_ROWS:
                    yield typer.flush()
        except csv.Error as exc:
            raise IntakeError(report.path, f"the CSV structure is broken ({exc})",
                              line=reader.line_num) from None
        except UnicodeDecodeError as exc:
            raise IntakeError(report.path, f"bytes are not valid {contract.encoding}: {exc.reason}",
                              line=reader.line_num) from None
    if report.records == 0:
        raise IntakeError(report.path, "the file has a header but no data rows")


def _jsonl_rows(path: Path, contract: DatasetContract, report: IntakeReport,
                typer: _Typer) -> Iterator[pa.Table]:
    declared = set(contract.column_names)
    unexpected: set[str] = set()
    keys_seen: set[str] = set()
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode(contract.encoding))
            except UnicodeDecodeError:
                report.records += 1
                report.quarantined.append(QuarantinedRecord(
                    line_no, None, f"bytes are not valid {contract.encoding}",
                    raw.decode(contract.encoding, errors="replace")))
                continue
            except json.JSONDecodeError as exc:
                report.records += 1
                report.quarantined.append(QuarantinedRecord(
                    line_no, None, f"is not valid JSON ({exc.msg} at column {exc.colno})",
                    raw.decode(contract.encoding, errors="replace")))
                continue
            if not isinstance(obj, dict):
                report.records += 1
                report.quarantined.append(QuarantinedRecord(
                    line_no, None, "is not a JSON object", json.dumps(obj)))
                continue
            keys_seen.update(obj)
            unexpected.update(k for k in obj if k not in declared)
            typer.add(line_no, obj, json.dumps(obj, default=str))
            if len(typer) >= BATCH_ROWS:
                yield typer.flush()
    if report.records == 0:
        raise IntakeError(report.path, "the file is empty")
    missing_required = [c.name for c in contract.columns if c.required and c.name not in keys_seen]
    if missing_required:
        raise IntakeError(report.path, "required fields never appear: "
                          + ", ".join(missing_required))
    if unexpected and contract.strict_columns:
        raise IntakeError(report.path, "fields not in the contract: "
                          + ", ".join(sorted(unexpected)))
    for name in sorted(unexpected):
        report.problem(f"field '{name}' is not in the contract; its values were not loaded")


def _parquet_rows(path: Path, contract: DatasetContract, report: IntakeReport,
                  typer: _Typer) -> Iterator[pa.Table]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IntakeError(report.path, f"not a readable Parquet file ({exc})") from None
    header = list(parquet.schema_arrow.names)
    _check_header(header, contract, report)
    wanted = [c for c in contract.column_names if c in header]
    row_id = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        columns = {name: batch.column(name).to_pylist() for name in wanted}
        for i in range(batch.num_rows):
            row_id += 1
            values = {name: columns[name][i] for name in wanted}
            typer.add(row_id, values, json.dumps(values, default=str))
        if len(typer) >= BATCH_ROWS:
            yield typer.flush()
    if report.records == 0:
        raise IntakeError(report.path, "the Parquet file has no rows")


_READERS = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows}


def detect_format(path: Path, default: str) -> str:
    """Pick the reader from the file name, falling back to the contract's format."""
    name = path.name.lower()
    for suffix, fmt in ((".parquet", "parquet"), (".jsonl", "jsonl"), (".ndjson", "jsonl"),
                        (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    return default


def read_batches(path: str | Path, contract: DatasetContract, report: IntakeReport,
                 display_name: str | None = None) -> Iterator[pa.Table]:
    """Yield typed Arrow batches of the good rows; fill report with everything else."""
    path = Path(path)
    report.path = display_name or str(path)
    if path.stat().st_size == 0:
        raise IntakeError(report.path, "the file is empty (0 bytes)")
    fmt = detect_format(Path(display_name or path.name), contract.file_format)
    typer = _Typer(contract.columns, report)
    yield from _READERS[fmt](path, contract, report, typer)
    if len(typer) or report.loaded == 0:
        yield typer.flush()
