"""Rewrite a file without some records or without some columns' values (erasure, retention).

Raw batches, reference samples and other CSV/JSON Lines/Parquet files kept under the data
directory are rewritten in full into a new file that replaces the old one atomically, so
the removed values are in no file afterwards. The caller records the new digest; the raw
store keeps the original digest as the version's identity.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import zstandard

from governance.atomic import atomic_writer
from governance.errors import GovernanceError, IntakeError
from governance.intake import sniff_format
from governance.rawstore import RawStore, sha256_file

# Raw copies are read-only in the store; a rewrite keeps them so.
READ_ONLY = 0o444
_BATCH = 50_000


class _Unchanged(Exception):
    """Raised inside the atomic writer to keep the old file when nothing was removed."""


class RedactionError(GovernanceError):
    """A file could not be rewritten without the values (an unreadable or foreign format)."""


@dataclass(frozen=True)
class Rewrite:
    """What a rewrite removed, and the new file's digest and size."""

    records_removed: int
    sha256: str
    size: int
    changed: bool


def _mentions(text: str, needles: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(n in lowered for n in needles)


@contextmanager
def _text_in(path: Path, compression: str | None) -> Iterator[IO[str]]:
    raw: IO[bytes]
    if compression == "gzip":
        raw = gzip.open(path, "rb")  # noqa: SIM115 - closed by the with below
    elif compression == "zstd":
        raw = zstandard.ZstdDecompressor().stream_reader(path.open("rb"), closefd=True)
    else:
        raw = path.open("rb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape",
                               newline="") as text:
        yield text


@contextmanager
def _text_out(path: Path, compression: str | None, permissions: int) -> Iterator[IO[str]]:
    with atomic_writer(path, "wb", permissions=permissions) as fh:
        packed: IO[bytes]
        if compression == "gzip":
            packed = gzip.GzipFile(fileobj=fh, mode="wb", mtime=0)
        elif compression == "zstd":
            packed = zstandard.ZstdCompressor().stream_writer(fh, closefd=False)
        else:
            packed = fh
        text = io.TextIOWrapper(packed, encoding="utf-8", errors="surrogateescape",
                                newline="", write_through=True)
        try:
            yield text
            text.flush()
        finally:
            text.detach()
            if packed is not fh:
                packed.close()


def _csv(src: IO[str], dst: IO[str], needles: Sequence[str], blank: set[str],
         keys: tuple[str, set[str]]) -> int:
    reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
    header = next(reader, None)
    if header is None:
        return 0
    writer.writerow(header)
    blanked = [i for i, name in enumerate(header) if name.strip() in blank]
    names = [name.strip() for name in header]
    at = names.index(keys[0]) if keys[0] in names and keys[1] else None
    removed = 0
    for row in reader:
        if (needles and _mentions("\x1f".join(row), needles)) or (
                at is not None and at < len(row) and row[at].strip() in keys[1]):
            removed += 1
            continue
        for i in blanked:
            if i < len(row):
                row[i] = ""
        writer.writerow(row)
    return removed


def _jsonl(src: IO[str], dst: IO[str], needles: Sequence[str], blank: set[str],
           keys: tuple[str, set[str]]) -> int:
    removed = 0
    for line in src:
        if not line.strip():
            dst.write(line)
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        # Values are compared decoded, so an escaped e-mail is found too.
        text = json.dumps(record, ensure_ascii=False) if record is not None else line
        keyed = isinstance(record, dict) and str(record.get(keys[0])) in keys[1]
        if keyed or (needles and (_mentions(text, needles) or _mentions(line, needles))):
            removed += 1
            continue
        if blank and isinstance(record, dict) and blank & record.keys():
            record.update({k: None for k in blank & record.keys()})
            line = json.dumps(record, ensure_ascii=False) + "\n"
        dst.write(line)
    return removed


def _parquet(path: Path, needles: Sequence[str], blank: set[str], permissions: int) -> int:
    source = pq.ParquetFile(path)
    removed = 0
    with atomic_writer(path, "wb", permissions=permissions) as fh:
        writer: pq.ParquetWriter | None = None
        for batch in source.iter_batches(_BATCH):
            table = pa.Table.from_batches([batch])
            if needles:
                hit = pa.array([False] * table.num_rows)
                for column in table.columns:
                    text = pc.utf8_lower(pc.cast(column, pa.string()))
                    for needle in needles:
                        hit = pc.or_(hit, pc.fill_null(pc.match_substring(text, needle), False))
                removed += pc.sum(hit).as_py() or 0
                table = table.filter(pc.invert(hit))
            for name in blank & set(table.column_names):
                i = table.column_names.index(name)
                table = table.set_column(i, name, pa.nulls(table.num_rows,
                                                           table.schema.field(name).type))
            writer = writer or pq.ParquetWriter(fh, table.schema)
            writer.write_table(table)
        if writer is None:
            pq.ParquetWriter(fh, source.schema_arrow).close()
        else:
            writer.close()
        if not removed and not blank:
            raise _Unchanged
    return removed


def rewrite_file(path: Path, default_format: str, *, drop_mentioning: Sequence[str] = (),
                 drop_keys: tuple[str, set[str]] = ("", set()),
                 blank_columns: Sequence[str] = (), permissions: int = READ_ONLY) -> Rewrite:
    """Rewrite a CSV, JSON Lines or Parquet file (compressed or not) in place, atomically,
    without the records that mention any of `drop_mentioning` (case-insensitive) or whose
    `drop_keys` column holds one of its values, and with `blank_columns` emptied."""
    needles = [n.lower() for n in drop_mentioning if n]
    blank = set(blank_columns)
    try:
        kind = sniff_format(path, default_format)
    except IntakeError as exc:
        raise RedactionError(f"cannot rewrite {path.name}: {exc.reason}") from None
    try:
        if kind.container == "parquet":
            removed = _parquet(path, needles, blank, permissions)
        else:
            copy = _csv if kind.container == "csv" else _jsonl
            with _text_in(path, kind.compression) as src, \
                    _text_out(path, kind.compression, permissions) as dst:
                removed = copy(src, dst, needles, blank, drop_keys)
                if not removed and not blank:
                    raise _Unchanged
    except _Unchanged:
        digest, size = sha256_file(path)
        return Rewrite(0, digest, size, changed=False)
    digest, size = sha256_file(path)
    return Rewrite(removed, digest, size, changed=True)


def redact_raw(store: RawStore, dataset: str, version: str, default_format: str, note: str,
               *, drop_mentioning: Sequence[str] = (), blank_columns: Sequence[str] = (),
               now: datetime | None = None) -> Rewrite | None:
    """Rewrite a stored raw copy without the values and note it in the manifest (the
    original sha256 and size stay the version's identity); None when no bytes are kept."""
    raw = store.get(dataset, version)
    path = store.data_file(raw)
    if raw.purged or not path.exists():
        return None
    result = rewrite_file(path, default_format, drop_mentioning=drop_mentioning,
                          blank_columns=blank_columns)
    if result.changed:
        store.record_redaction(dataset, version, {
            "note": note, "sha256": result.sha256, "size": result.size,
            "records_removed": result.records_removed,
            "at": (now or datetime.now(UTC)).isoformat(timespec="seconds")})
    return result
