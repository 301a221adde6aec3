"""Parse a raw batch (CSV, Parquet or JSON Lines) against its contract.

Rows that cannot be read or typed go to quarantine with their line and reason;
problems that make the whole file unreadable raise IntakeError. Reasons never quote
the offending value, because it may be personal data; the quarantine table keeps the
record itself, and the raw store keeps the bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from governance.contracts import ColumnSpec, DatasetContract
from governance.errors import IntakeError
from governance.tables import ROW_ID

BATCH_ROWS = 50_000
# A field longer than this (characters; the contract's `maxFieldSize` overrides it) sends its
# record to quarantine. A line may hold several such fields: lines longer than
# LINE_FACTOR x the field limit are quarantined unread, which bounds memory per record.
MAX_FIELD_CHARS = 4 * 1024 * 1024
LINE_FACTOR = 4
_DRAIN = 1 << 20
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
    read_as: str = ""

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

    def __init__(self, columns: tuple[ColumnSpec, ...], report: IntakeReport,
                 max_field: int = MAX_FIELD_CHARS) -> None:
        self.columns = columns
        self.report = report
        self.max_field = max_field
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
            if isinstance(raw, str) and len(raw) > self.max_field:
                self.report.quarantined.append(QuarantinedRecord(
                    row_id, col.name, f"field has {len(raw):,} characters, more than the "
                    f"limit of {self.max_field:,} (contract property maxFieldSize)",
                    _clipped(values, self.max_field)))
                return
            if isinstance(raw, str) and "\x00" in raw:
                self.report.quarantined.append(QuarantinedRecord(
                    row_id, col.name, "contains a NUL byte (binary data in a text field)", record))
                return
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


def _clipped(values: dict[str, Any], limit: int) -> str:
    """The record as JSON with its oversized fields replaced by their length."""
    return json.dumps({k: f"<{len(v):,} characters, over the field limit>"
                       if isinstance(v, str) and len(v) > limit else v
                       for k, v in values.items()}, default=str)


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


@dataclass(frozen=True)
class FileKind:
    """What a raw file is: its container, its compression and how that was decided."""

    container: str  # csv, jsonl or parquet
    compression: str | None  # gzip, zstd or None
    decided_by: str  # content, suffix or contract

    def describe(self) -> str:
        """For example 'jsonl, gzip-compressed (by content)'."""
        packed = f", {self.compression}-compressed" if self.compression else ""
        return f"{self.container}{packed} (by {self.decided_by})"


_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BOM = b"\xef\xbb\xbf"
_SNIFF = 4096
# Files intake cannot read, named by their signature so the refusal says what they are.
_FOREIGN = (
    (re.compile(rb"^PK\x03\x04"), "a ZIP archive (an Excel .xlsx workbook is one)"),
    (re.compile(rb"^\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "a legacy Microsoft Office file (.xls)"),
    (re.compile(rb"^%PDF-"), "a PDF document"),
    (re.compile(rb"^BZh[1-9]1AY&SY"), "a bzip2-compressed file"),
    (re.compile(rb"^\xfd7zXZ\x00"), "an xz-compressed file"),
    (re.compile(rb"^SQLite format 3\x00"), "an SQLite database"),
    (re.compile(rb"^Obj\x01"), "an Avro file"),
)
_SUFFIXES = ((".parquet", "parquet"), (".pq", "parquet"), (".jsonl", "jsonl"),
             (".ndjson", "jsonl"), (".csv", "csv"))
_COMPRESSED_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
_DECOMPRESS_ERRORS = (EOFError, OSError, zlib.error, zstandard.ZstdError)


class _ZstdStream(io.RawIOBase):
    """A zstd file decompressed as a stream that notices a truncated end (frames in turn)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self._dobj = zstandard.ZstdDecompressor().decompressobj()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._dobj.unused_data if self._dobj.eof else self._file.read(_DRAIN)
            if self._dobj.eof:
                self._dobj = zstandard.ZstdDecompressor().decompressobj()
                chunk = chunk or self._file.read(_DRAIN)
                if not chunk:
                    return 0
            elif not chunk:
                raise zstandard.ZstdError("the zstd stream ends in the middle of a frame")
            self._pending = self._dobj.decompress(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._file.close()
        super().close()


def _open_binary(path: Path, compression: str | None) -> IO[bytes]:
    """The file's bytes, decompressed as a stream (never loaded whole)."""
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "zstd":
        return io.BufferedReader(_ZstdStream(path), buffer_size=_DRAIN)
    return path.open("rb")


def _looks_like_text(head: bytes) -> bool:
    """Mostly printable bytes: a stray NUL in one record does not make a CSV binary."""
    control = sum(b < 9 or 13 < b < 32 for b in head)
    return control <= len(head) // 10


def sniff_format(path: Path, default: str, name: str | None = None) -> FileKind:
    """Decide how to read a file: content signature first, then its name's suffix, then default.

    Raises IntakeError naming what the file is when it is something intake cannot read.
    """
    shown = str(path)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF)
    if head.startswith(_PARQUET_MAGIC):
        return FileKind("parquet", None, "content")
    for pattern, what in _FOREIGN:
        if pattern.match(head):
            raise IntakeError(shown, f"the file is {what}, not CSV, JSON Lines or Parquet")
    compression = ("gzip" if head.startswith(_GZIP_MAGIC)
                   else "zstd" if head.startswith(_ZSTD_MAGIC) else None)
    if compression:
        try:
            with _open_binary(path, compression) as fh:
                head = fh.read(_SNIFF)
        except _DECOMPRESS_ERRORS as exc:
            raise IntakeError(shown, f"the file is {compression}-compressed but cannot be "
                              f"decompressed ({exc})") from None
        if head.startswith(_PARQUET_MAGIC):
            raise IntakeError(shown, f"the file is a {compression}-compressed Parquet file; "
                              "Parquet compresses inside the file, send the .parquet itself")
    text = head.removeprefix(_BOM).lstrip()
    if text.startswith(b"{"):
        return FileKind("jsonl", compression, "content")
    if text.startswith(b"["):
        raise IntakeError(shown, "the file is a JSON document (an array), not JSON Lines "
                          "(one JSON object per line)")
    lowered = (name or path.name).lower()
    for suffix, packed in _COMPRESSED_SUFFIXES.items():
        if lowered.endswith(suffix):
            lowered = lowered.removesuffix(suffix)
            if compression is None:
                raise IntakeError(shown, f"the name says {packed}-compressed but the content "
                                  "is not; the file is damaged or misnamed")
    fmt, by = next(((f, "suffix") for s, f in _SUFFIXES if lowered.endswith(s)),
                   (default, "contract"))
    packed = f"{compression}-compressed " if compression else ""
    if not _looks_like_text(head):
        raise IntakeError(shown, f"the file is {packed}binary data of an unknown kind, not "
                          "CSV, JSON Lines or Parquet")
    if fmt == "jsonl":
        raise IntakeError(shown, "the first line is not a JSON object, so the file is not "
                          f"JSON Lines as its {by} says; it is {packed}text, perhaps CSV")
    # Text cannot be Parquet whatever the name or contract says: it is read as CSV.
    return FileKind("csv", compression, "content" if fmt == "parquet" else by)


def _limited_lines(text: IO[str], limit: int, overlong: set[int]) -> Iterator[str]:
    """Yield the stream's lines; a line over limit characters is skipped unread.

    Its line number goes to overlong and an empty line takes its place, so line numbers
    stay right and memory stays bounded by the limit.
    """
    number = 0
    while line := text.readline(limit + 1):
        number += 1
        if len(line) > limit and line[-1] not in "\r\n":
            while (rest := text.readline(_DRAIN)) and rest[-1] not in "\r\n":
                pass
            overlong.add(number)
            line = "\n"
        yield line


def _csv_rows(stream: IO[bytes], contract: DatasetContract, report: IntakeReport,
              typer: _Typer) -> Iterator[pa.Table]:
    encoding = contract.encoding.lower()
    if encoding.replace("-", "").replace("_", "") == "utf8":
        encoding = "utf-8-sig"  # tolerate a byte-order mark
    line_limit = typer.max_field * LINE_FACTOR
    # The csv module's own limit is process-wide; it must let any line we accept through.
    csv.field_size_limit(max(csv.field_size_limit(), line_limit))
    text = io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape", newline="")
    overlong: set[int] = set()
    reader = csv.reader(_limited_lines(text, line_limit, overlong))

    def quarantine(line: int, reason: str, record: str | None = None) -> None:
        report.records += 1
        report.quarantined.append(QuarantinedRecord(line, None, reason, record))

    header = next(reader, None)
    while header is not None and not any(h.strip() for h in header):
        if reader.line_num in overlong:
            raise IntakeError(report.path, f"the first line is longer than {line_limit:,} "
                              "characters; no header can be read", line=reader.line_num)
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
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            quarantine(last_line + 1, f"the CSV structure is broken ({exc})")
            last_line = reader.line_num
            continue
        start = last_line + 1
        last_line = reader.line_num
        if not fields:
            if start in overlong:
                quarantine(start, f"line is longer than {line_limit:,} characters")
            continue  # blank line
        record = json.dumps(fields)
        if len(fields) != width:
            quarantine(start, f"has {len(fields)} fields where the header has {width} "
                       "(broken quoting or a stray delimiter)", record)
            continue
        typer.add(start, dict(zip(header, fields, strict=True)), record)
        if len(typer) >= BATCH_ROWS:
            yield typer.flush()
    if report.records == 0:
        raise IntakeError(report.path, "the file has a header but no data rows")


def _jsonl_rows(stream: IO[bytes], contract: DatasetContract, report: IntakeReport,
                typer: _Typer) -> Iterator[pa.Table]:
    declared = set(contract.column_names)
    unexpected: set[str] = set()
    keys_seen: set[str] = set()
    line_limit = typer.max_field * LINE_FACTOR
    line_no = 0

    def quarantine(reason: str, record: str | None) -> None:
        report.records += 1
        report.quarantined.append(QuarantinedRecord(line_no, None, reason, record))

    while raw := stream.readline(line_limit + 1):
        line_no += 1
        if len(raw) > line_limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(_DRAIN)) and not rest.endswith(b"\n"):
                pass
            quarantine(f"line is longer than {line_limit:,} bytes", None)
            continue
        if line_no == 1:
            raw = raw.removeprefix(_BOM)
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode(contract.encoding))
        except UnicodeDecodeError:
            quarantine(f"bytes are not valid {contract.encoding}",
                       raw.decode(contract.encoding, errors="replace"))
            continue
        except json.JSONDecodeError as exc:
            quarantine(f"is not valid JSON ({exc.msg} at column {exc.colno})",
                       raw.decode(contract.encoding, errors="replace"))
            continue
        if not isinstance(obj, dict):
            quarantine("is not a JSON object", json.dumps(obj))
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
        raise IntakeError(report.path, "the file starts as Parquet but is not a readable "
                          f"Parquet file: truncated or damaged ({exc})") from None
    header = list(parquet.schema_arrow.names)
    _check_header(header, contract, report)
    wanted = [c for c in contract.column_names if c in header]
    row_id = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            columns = {name: batch.column(name).to_pylist() for name in wanted}
            for i in range(batch.num_rows):
                row_id += 1
                values = {name: columns[name][i] for name in wanted}
                typer.add(row_id, values, json.dumps(values, default=str))
            if len(typer) >= BATCH_ROWS:
                yield typer.flush()
    except (pa.ArrowInvalid, OSError) as exc:
        raise IntakeError(report.path, f"the Parquet file is damaged after row {row_id} "
                          f"({exc})") from None
    if report.records == 0:
        raise IntakeError(report.path, "the Parquet file has no rows")


def detect_format(path: Path, default: str) -> str:
    """The container intake reads a file as (see sniff_format)."""
    return sniff_format(path, default).container


def quarantine_summary(report: IntakeReport, limit: int = 20) -> dict[str, int]:
    """Quarantined records counted by column and reason (reasons never hold values)."""
    counts: dict[str, int] = {}
    for q in report.quarantined:
        key = f"column '{q.column}': {q.reason}" if q.column else q.reason
        counts[key] = counts.get(key, 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])
    return dict(top[:limit])


def max_field_chars(contract: DatasetContract) -> int:
    """The contract's field size limit in characters (maxFieldSize), else the default."""
    return int(contract.custom.get("maxFieldSize") or MAX_FIELD_CHARS)


def read_batches(path: str | Path, contract: DatasetContract, report: IntakeReport,
                 display_name: str | None = None,
                 max_field: int | None = None) -> Iterator[pa.Table]:
    """Yield typed Arrow batches of the good rows; fill report with everything else."""
    path = Path(path)
    report.path = display_name or str(path)
    if path.stat().st_size == 0:
        raise IntakeError(report.path, "the file is empty (0 bytes)")
    try:
        kind = sniff_format(path, contract.file_format)
    except IntakeError as exc:
        raise IntakeError(report.path, exc.reason) from None
    report.read_as = kind.describe()
    typer = _Typer(contract.columns, report, max_field or max_field_chars(contract))
    if kind.container == "parquet":
        yield from _parquet_rows(path, contract, report, typer)
    else:
        rows = _csv_rows if kind.container == "csv" else _jsonl_rows
        with _open_binary(path, kind.compression) as stream:
            try:
                yield from rows(stream, contract, report, typer)
            except _DECOMPRESS_ERRORS as exc:
                raise IntakeError(report.path, f"the {kind.compression or 'file'} stream is "
                                  f"truncated or damaged ({exc})") from None
    if len(typer) or report.loaded == 0:
        yield typer.flush()
