"""Chunked delivery: plan boundaries, treatment per chunk, and an all-or-nothing combine."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from governance.chunking import (
    DEFAULT_CHUNK_ROWS,
    Chunk,
    ChunkMismatchError,
    ChunkSettingError,
    chunk_rows_setting,
    combine_chunks,
    plan_chunks,
    read_staged_input,
    remove_staging,
    stage_inputs,
    staging_dir,
    treat_chunk,
    treat_chunk_from,
)
from governance.errors import InvalidNameError
from governance.identifiers import qualified
from governance.intake import ROW_ID
from governance.pii.treatment import TreatmentReport
from governance.stages import build_cleaned, build_delivered, build_validated
from governance.storage import (
    delete_version,
    ensure_stage_table,
    insert_batches,
    table_exists,
    transaction,
)

NAMES = ["Maria Keller", "John Smith", "Aiko Tanaka", "Pierre Dubois", "Olga Ivanova"]


def _rows(n: int, gap_every: int = 0) -> pa.Table:
    rows, row_id = [], 0
    for i in range(n):
        row_id += 2 if gap_every and i % gap_every == 0 else 1  # cleaning leaves id gaps
        name = NAMES[i % len(NAMES)]
        body = (f"Hello, this is {name}. Please call me on +44 20 7946 0{i % 1000:03d} "
                f"about order {i}." if i % 3 else None if i % 6 == 0 else "Thanks, all fine.")
        rows.append({ROW_ID: row_id, "ticket_id": f"T-{i:06d}",
                     "created_at": datetime(2026, 11, 1), "customer_name": name,
                     "customer_email": f"user{i}@example.com", "channel": "email",
                     "subject": f"Order {i}", "body": body, "category": "billing",
                     "priority": 2})
    return pa.Table.from_pylist(rows)


def _load(conn: duckdb.DuckDBPyConnection, contract, version: str, table: pa.Table) -> None:
    intake = ensure_stage_table(conn, contract, "intake")
    with transaction(conn):
        delete_version(conn, intake, version)
        insert_batches(conn, intake, version, [table])
        build_cleaned(conn, contract, version)
        build_validated(conn, contract, version)


def _delivered(conn: duckdb.DuckDBPyConnection, version: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {qualified('support_tickets', 'delivered')} "
                        "WHERE _version = ? ORDER BY _row_id", [version]).fetchall()


def _treat_all(conn, contract, version, chunks, folder) -> list[dict]:
    return [treat_chunk_from(conn, contract, version, c, "key", folder) for c in chunks]


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def test_plan_splits_by_row_count_across_id_gaps(tickets, conn):
    _load(conn, tickets, "v1", _rows(23, gap_every=4))
    chunks = plan_chunks(conn, tickets, "v1", 10)
    assert [c.rows for c in chunks] == [10, 10, 3]
    assert [c.index for c in chunks] == [0, 1, 2]
    ids = [r[0] for r in conn.execute(
        f"SELECT _row_id FROM {qualified('support_tickets', 'validated')} ORDER BY 1").fetchall()]
    # Ranges cover every row id once, in order, and never overlap.
    assert chunks[0].first_row_id == ids[0] and chunks[-1].last_row_id == ids[-1]
    assert [c.first_row_id for c in chunks[1:]] == [ids[10], ids[20]]
    assert all(a.last_row_id < b.first_row_id for a, b in pairwise(chunks))


def test_small_version_is_one_chunk_and_other_versions_are_ignored(tickets, conn):
    _load(conn, tickets, "v1", _rows(5))
    _load(conn, tickets, "v2", _rows(40))
    assert plan_chunks(conn, tickets, "v1") == [Chunk(0, 1, 5, 5)]
    assert plan_chunks(conn, tickets, "v1", 5) == [Chunk(0, 1, 5, 5)]
    assert len(plan_chunks(conn, tickets, "v2", 10)) == 4
    assert Chunk.from_dict(Chunk(3, 7, 9, 2).to_dict()) == Chunk(3, 7, 9, 2)


def test_chunk_size_setting(monkeypatch):
    assert chunk_rows_setting({}) == DEFAULT_CHUNK_ROWS
    assert chunk_rows_setting({"DATAOPS_CHUNK_ROWS": "1000"}) == 1000
    for bad in ("0", "-5", "lots", "1e5"):
        with pytest.raises(ChunkSettingError, match="DATAOPS_CHUNK_ROWS"):
            chunk_rows_setting({"DATAOPS_CHUNK_ROWS": bad})


def test_staging_dir_layout_and_refused_ids(tmp_path):
    folder = staging_dir(tmp_path, "support_tickets", "v3", "run-1a2b")
    assert folder == tmp_path / "staging" / "support_tickets" / "v3" / "delivered" / "run-1a2b"
    for bad in ("../x", "", "a/b", ".hidden"):
        with pytest.raises(InvalidNameError):
            staging_dir(tmp_path, "support_tickets", "v3", bad)


def test_chunked_delivery_equals_unchunked(tickets, conn, tmp_path):
    _load(conn, tickets, "v1", _rows(30, gap_every=7))
    whole = TreatmentReport()
    with transaction(conn):
        build_delivered(conn, tickets, "v1", "key", whole)
    expected = _delivered(conn, "v1")

    folder = staging_dir(tmp_path, "support_tickets", "v1", "attempt1")
    chunks = plan_chunks(conn, tickets, "v1", 7)
    assert len(chunks) == 5
    results = _treat_all(conn, tickets, "v1", chunks, folder)
    report = TreatmentReport()
    with transaction(conn):
        rows = combine_chunks(conn, tickets, "v1", chunks, results, folder, report)
    assert rows == 30
    assert _delivered(conn, "v1") == expected
    assert report.changed == whole.changed and report.spans == whole.spans
    assert report.spans["PERSON"] > 0  # the bodies quote names: redaction really ran
    other = staging_dir(tmp_path, "support_tickets", "v2", "attempt9")
    other.mkdir(parents=True)
    remove_staging(folder)
    assert not (tmp_path / "staging" / "support_tickets" / "v1").exists()
    assert other.is_dir()  # another delivery's folder stays
    remove_staging(other)
    assert not (tmp_path / "staging").exists() and tmp_path.is_dir()


def test_staged_inputs_treat_the_same_as_reading_the_warehouse(tickets, conn, tmp_path):
    _load(conn, tickets, "v1", _rows(12))
    chunks = plan_chunks(conn, tickets, "v1", 5)
    direct = tmp_path / "direct"
    staged = tmp_path / "staged"
    stage_inputs(conn, tickets, "v1", chunks, staged)
    # Untreated rows carry personal values: only the owner may read them.
    assert {(staged / c.input_name).stat().st_mode & 0o777 for c in chunks} == {0o600}
    for chunk in chunks:
        a = treat_chunk_from(conn, tickets, "v1", chunk, "key", direct)
        b = treat_chunk(read_staged_input(staged, chunk), tickets, chunk, "key", staged)
        assert a == b
        assert (pa.parquet.read_table(direct / chunk.file_name)
                == pa.parquet.read_table(staged / chunk.file_name))


def _delivered_once(conn, tickets, tmp_path) -> tuple[list[Chunk], list[dict], Path, list]:
    """Deliver v1 whole once, then treat a new attempt's chunks without combining them."""
    _load(conn, tickets, "v1", _rows(15))
    with transaction(conn):
        build_delivered(conn, tickets, "v1", "key", TreatmentReport())
    before = _delivered(conn, "v1")
    folder = staging_dir(tmp_path, "support_tickets", "v1", "attempt2")
    chunks = plan_chunks(conn, tickets, "v1", 4)
    return chunks, _treat_all(conn, tickets, "v1", chunks, folder), folder, before


def _combine(conn, tickets, chunks, results, folder) -> None:
    with transaction(conn):
        combine_chunks(conn, tickets, "v1", chunks, results, folder, TreatmentReport())


def test_missing_chunk_is_refused_and_previous_delivery_kept(tickets, conn, tmp_path):
    chunks, results, folder, before = _delivered_once(conn, tickets, tmp_path)
    with pytest.raises(ChunkMismatchError, match=r"missing \[2\]"):
        _combine(conn, tickets, chunks, results[:2] + results[3:], folder)
    (folder / chunks[2].file_name).unlink()
    with pytest.raises(ChunkMismatchError, match="staging folder holds"):
        _combine(conn, tickets, chunks, results, folder)
    assert _delivered(conn, "v1") == before


def test_duplicate_or_extra_chunk_is_refused(tickets, conn, tmp_path):
    chunks, results, folder, before = _delivered_once(conn, tickets, tmp_path)
    with pytest.raises(ChunkMismatchError, match="more than once"):
        _combine(conn, tickets, chunks, [*results, results[1]], folder)
    extra = Chunk(len(chunks), 900, 901, 2)
    (folder / extra.file_name).write_bytes((folder / chunks[0].file_name).read_bytes())
    with pytest.raises(ChunkMismatchError, match="staging folder holds"):
        _combine(conn, tickets, chunks, results, folder)
    with pytest.raises(ChunkMismatchError, match="unplanned"):
        _combine(conn, tickets, chunks, [*results, {"index": extra.index}], folder)
    assert _delivered(conn, "v1") == before


def test_short_chunk_or_changed_validated_rows_deliver_nothing(tickets, conn, tmp_path):
    chunks, results, folder, before = _delivered_once(conn, tickets, tmp_path)
    short = Chunk(chunks[1].index, chunks[1].first_row_id, chunks[1].last_row_id - 1,
                  chunks[1].rows - 1)
    treat_chunk_from(conn, tickets, "v1", short, "key", folder)
    with pytest.raises(ChunkMismatchError, match="chunk 1 holds 3 rows, the plan has 4"):
        _combine(conn, tickets, chunks, results, folder)
    assert _delivered(conn, "v1") == before
    # Chunks that no longer add up to the validated version (it was rebuilt meanwhile).
    treat_chunk_from(conn, tickets, "v1", chunks[1], "key", folder)
    _load(conn, tickets, "v1", _rows(16))
    with pytest.raises(ChunkMismatchError, match="the validated version 16"):
        _combine(conn, tickets, chunks, results, folder)
    assert _delivered(conn, "v1") == before


def test_first_delivery_failing_leaves_no_delivered_rows(tickets, conn, tmp_path):
    _load(conn, tickets, "v1", _rows(6))
    folder = staging_dir(tmp_path, "support_tickets", "v1", "a")
    chunks = plan_chunks(conn, tickets, "v1", 3)
    results = _treat_all(conn, tickets, "v1", chunks, folder)
    with pytest.raises(ChunkMismatchError):
        _combine(conn, tickets, chunks, results[:1], folder)
    assert not table_exists(conn, "support_tickets", "delivered") or not _delivered(conn, "v1")
