"""Delivery in chunks: plan row ranges of a version, treat each anywhere, combine whole.

Free-text redaction runs at a few hundred texts a second per core, so a large version
is split into row-id ranges of the validated table that different workers treat at the
same time. Each chunk lands in its own staging Parquet file; `combine_chunks` then
replaces the version in the delivered table with all of them in the caller's single
transaction, and refuses when a chunk is missing, doubled or short, so a version is
delivered whole or not at all.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from governance.atomic import atomic_writer
from governance.contracts import DatasetContract
from governance.errors import GovernanceError, InvalidNameError
from governance.identifiers import check_dataset_name, check_version, qualified, quote_ident
from governance.pii.treatment import TreatmentReport, delivered_columns, treat_batches
from governance.storage import VERSION_COL, count_rows, delete_version, ensure_table
from governance.tables import DELIVERED, ROW_ID, VALIDATED

CHUNK_ROWS_ENV = "DATAOPS_CHUNK_ROWS"
# About 5 minutes of redaction per chunk at ~170 texts/s: long enough that a step's
# start-up cost (process, spaCy model) stays small, short enough to spread over workers.
DEFAULT_CHUNK_ROWS = 50_000
_READ_BATCH = 10_000
_ATTEMPT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
_CHUNK_FILE = re.compile(r"chunk-(\d{5})\.parquet")
_ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
                "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us")}


class ChunkSettingError(GovernanceError):
    """The chunk size setting is not a positive whole number."""


class ChunkMismatchError(GovernanceError):
    """The treated chunks of a version do not add up to the whole version."""

    def __init__(self, dataset: str, version: str, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"Delivery of {dataset} {version} stopped: {problem}. Nothing was delivered; "
            "run the delivery again to treat every chunk afresh.")


@dataclass(frozen=True)
class Chunk:
    """One row-id range of a version's validated rows (both ends included)."""

    index: int
    first_row_id: int
    last_row_id: int
    rows: int

    def to_dict(self) -> dict[str, int]:
        """Plain dict, for passing between processes."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Chunk:
        """The chunk a `to_dict` result describes."""
        return cls(int(data["index"]), int(data["first_row_id"]), int(data["last_row_id"]),
                   int(data["rows"]))

    @property
    def file_name(self) -> str:
        """Name of this chunk's treated Parquet file in the staging folder."""
        return f"chunk-{self.index:05d}.parquet"

    @property
    def input_name(self) -> str:
        """Name of this chunk's untreated input file, when inputs are staged."""
        return f"input-{self.index:05d}.parquet"


def chunk_rows_setting(environ: Mapping[str, str] | None = None) -> int:
    """Rows per chunk: $DATAOPS_CHUNK_ROWS, else the default; must be a positive integer."""
    env = os.environ if environ is None else environ
    text = (env.get(CHUNK_ROWS_ENV) or "").strip()
    if not text:
        return DEFAULT_CHUNK_ROWS
    if not text.isdigit() or int(text) < 1:
        raise ChunkSettingError(f"{CHUNK_ROWS_ENV} must be a whole number of rows above 0, "
                              f"not {text!r}")
    return int(text)


def staging_root(data_dir: Path, dataset: str) -> Path:
    """Folder holding every staged delivery attempt of one dataset."""
    return Path(data_dir) / "staging" / check_dataset_name(dataset)


def staging_dir(data_dir: Path, dataset: str, version: str, attempt: str) -> Path:
    """Folder of one delivery attempt's chunk files: staging/<dataset>/<version>/delivered/<id>."""
    if not _ATTEMPT.fullmatch(attempt):
        raise InvalidNameError(f"{attempt!r} is not a usable delivery attempt id: use "
                               "letters, digits, '-' and '_' (at most 80 characters)")
    return staging_root(data_dir, dataset) / check_version(version) / DELIVERED / attempt


def plan_chunks(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                chunk_rows: int = DEFAULT_CHUNK_ROWS) -> list[Chunk]:
    """Split a version's validated rows into ranges of at most chunk_rows rows, in row order."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    source = qualified(contract.name, VALIDATED)
    row_id, ver = quote_ident(ROW_ID), quote_ident(VERSION_COL)
    # Ranges follow row numbers, not row-id arithmetic: cleaning leaves gaps in the ids,
    # and equal row counts keep the chunks equally long to treat.
    rows = conn.execute(
        f"SELECT (n - 1) // ? AS idx, min({row_id}), max({row_id}), count(*) FROM "
        f"(SELECT {row_id}, row_number() OVER (ORDER BY {row_id}) AS n FROM {source} "
        f"WHERE {ver} = ?) GROUP BY idx ORDER BY idx",
        [chunk_rows, check_version(version)]).fetchall()
    return [Chunk(int(i), int(lo), int(hi), int(n)) for i, lo, hi, n in rows]


def read_chunk(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
               chunk: Chunk) -> pa.RecordBatchReader:
    """The validated rows of one chunk, in row order, as a streaming Arrow reader."""
    cols = ", ".join(quote_ident(c) for c in (VERSION_COL, ROW_ID, *contract.column_names))
    row_id = quote_ident(ROW_ID)
    # A cursor of its own, so the caller's connection may hold another open result.
    return conn.cursor().sql(
        f"SELECT {cols} FROM {qualified(contract.name, VALIDATED)} "
        f"WHERE {quote_ident(VERSION_COL)} = ? AND {row_id} BETWEEN ? AND ? "
        f"ORDER BY {row_id}",
        params=[check_version(version), chunk.first_row_id, chunk.last_row_id],
    ).to_arrow_reader(_READ_BATCH)


def stage_inputs(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                 chunks: Sequence[Chunk], folder: Path) -> None:
    """Copy each chunk's validated rows to an input file, for workers that cannot open the
    warehouse (an embedded DuckDB file admits one writing process at a time)."""
    folder.mkdir(parents=True, exist_ok=True)
    for chunk in chunks:
        reader = read_chunk(conn, contract, version, chunk)
        # Untreated rows hold personal values: readable by the pipeline's own user only.
        with atomic_writer(folder / chunk.input_name, permissions=0o600) as fh, \
                pq.ParquetWriter(fh, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)


def read_staged_input(folder: Path, chunk: Chunk) -> Iterator[pa.RecordBatch]:
    """The rows `stage_inputs` wrote for one chunk, batch by batch."""
    yield from pq.ParquetFile(folder / chunk.input_name).iter_batches(batch_size=_READ_BATCH)


def delivered_schema(contract: DatasetContract) -> pa.Schema:
    """Arrow schema of a treated chunk file, the same for every chunk of every worker."""
    fields = [(VERSION_COL, pa.string()), (ROW_ID, pa.int64())]
    fields += [(name, _ARROW_TYPES[typ]) for name, typ in delivered_columns(contract)]
    return pa.schema(fields)


def treat_chunk(batches: Iterable[pa.RecordBatch], contract: DatasetContract, chunk: Chunk,
                hash_key: str | None, folder: Path) -> dict[str, Any]:
    """Treat one chunk's rows into its staging file; return its counts as a plain dict."""
    folder.mkdir(parents=True, exist_ok=True)
    report = TreatmentReport()
    schema = delivered_schema(contract)
    rows = 0
    # Cast to one fixed schema: a chunk whose column is all null would otherwise get a
    # null-typed column and no longer line up with the other chunks' files.
    with atomic_writer(folder / chunk.file_name) as fh, pq.ParquetWriter(fh, schema) as writer:
        for table in treat_batches(iter(batches), contract, hash_key, report):
            writer.write_table(table.select(schema.names).cast(schema))
            rows += table.num_rows
    return {"index": chunk.index, "rows": rows, "file": chunk.file_name,
            "changed": dict(report.changed), "spans": dict(report.spans)}


def treat_chunk_from(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                     chunk: Chunk, hash_key: str | None, folder: Path) -> dict[str, Any]:
    """Read one chunk's validated rows through conn and treat them (see `treat_chunk`)."""
    return treat_chunk(read_chunk(conn, contract, version, chunk), contract, chunk,
                       hash_key, folder)


def _check_complete(contract: DatasetContract, version: str, chunks: Sequence[Chunk],
                    results: Sequence[Mapping[str, Any]], folder: Path) -> list[Path]:
    """The chunk files to load, after proving they are exactly the planned chunks."""
    def refuse(problem: str) -> ChunkMismatchError:
        return ChunkMismatchError(contract.name, version, problem)

    planned = [c.index for c in chunks]
    reported = Counter(int(r["index"]) for r in results)
    doubled = sorted(i for i, n in reported.items() if n > 1)
    if doubled:
        raise refuse(f"chunk(s) {doubled} were reported more than once")
    if sorted(reported) != sorted(planned):
        missing = sorted(set(planned) - set(reported))
        extra = sorted(set(reported) - set(planned))
        raise refuse(f"treated chunks do not match the plan (missing {missing}, "
                     f"unplanned {extra})")
    on_disk = sorted(int(m.group(1)) for p in folder.glob("chunk-*.parquet")
                     if (m := _CHUNK_FILE.fullmatch(p.name)))
    if on_disk != sorted(planned):
        raise refuse(f"the staging folder holds chunk files {on_disk}, the plan has "
                     f"{sorted(planned)}")
    files = []
    for chunk in sorted(chunks, key=lambda c: c.index):
        path = folder / chunk.file_name
        rows = pq.ParquetFile(path).metadata.num_rows
        if rows != chunk.rows:
            raise refuse(f"chunk {chunk.index} holds {rows} rows, the plan has {chunk.rows}")
        files.append(path)
    return files


def combine_chunks(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                   chunks: Sequence[Chunk], results: Sequence[Mapping[str, Any]],
                   folder: Path, report: TreatmentReport) -> int:
    """Replace the version in the delivered table with all chunk files (call inside a
    transaction); add the chunks' counts to report and return the rows delivered."""
    files = _check_complete(contract, version, chunks, results, folder)
    columns = [(VERSION_COL, "VARCHAR"), (ROW_ID, "BIGINT"), *delivered_columns(contract)]
    target = ensure_table(conn, contract.name, DELIVERED, columns)
    delete_version(conn, target, version)
    if files:
        conn.execute(f"INSERT INTO {target} BY NAME SELECT * FROM read_parquet(?)",
                     [[str(p) for p in files]])
    delivered = count_rows(conn, target, version)
    expected = count_rows(conn, qualified(contract.name, VALIDATED), version)
    if delivered != expected:
        raise ChunkMismatchError(contract.name, version, f"the chunks hold {delivered} rows, "
                                 f"the validated version {expected}")
    for result in results:
        report.changed.update(result.get("changed", {}))
        report.spans.update(result.get("spans", {}))
    return delivered


def remove_staging(folder: Path) -> None:
    """Delete one attempt's staging folder and any parents it leaves empty."""
    shutil.rmtree(folder, ignore_errors=True)
    # Empty folders (delivered, version, dataset, staging) would pile up over the years;
    # the first one still holding another delivery stops the climb.
    for parent in list(folder.parents)[:4]:
        try:
            parent.rmdir()
        except OSError:
            break
