"""Rewriting files without a subject or a column, and the warehouse without freed blocks."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from governance.compaction import CompactionError, compact_warehouse
from governance.rawstore import RawStore, sha256_file
from governance.redaction import RedactionError, redact_raw, rewrite_file
from governance.storage import ensure_table
from governance.tables import UnregisteredTableError

SECRET = "ann.secret@example.com"


def test_csv_rewrite_drops_mentioning_records_and_blanks_columns(tmp_path):
    path = tmp_path / "batch.csv"
    path.write_text('id,email,body\n1,ANN.SECRET@example.com,"multi\nline"\n2,bob@x.org,hi\n')
    result = rewrite_file(path, "csv", drop_mentioning=[SECRET], blank_columns=["body"],
                          permissions=0o644)
    assert result.changed and result.records_removed == 1
    assert path.read_text() == "id,email,body\n2,bob@x.org,\n"
    assert (result.sha256, result.size) == sha256_file(path)


def test_unchanged_file_is_left_byte_for_byte(tmp_path):
    path = tmp_path / "batch.csv"
    path.write_bytes(b'id,email\r\n1,"bob@x.org"\r\n')
    before = path.stat().st_ino
    assert not rewrite_file(path, "csv", drop_mentioning=[SECRET]).changed
    assert path.read_bytes() == b'id,email\r\n1,"bob@x.org"\r\n' and path.stat().st_ino == before


def test_gzipped_jsonl_and_parquet_are_rewritten_in_their_own_format(tmp_path):
    jsonl = tmp_path / "batch.jsonl.gz"
    rows = [{"id": 1, "email": SECRET, "body": "x"}, {"id": 2, "email": "b@x.org", "body": "y"}]
    jsonl.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    assert rewrite_file(jsonl, "jsonl", drop_mentioning=[SECRET], blank_columns=["body"],
                        permissions=0o644).records_removed == 1
    assert [json.loads(line) for line in gzip.decompress(jsonl.read_bytes()).splitlines()] \
        == [{"id": 2, "email": "b@x.org", "body": None}]
    parquet = tmp_path / "batch.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    assert rewrite_file(parquet, "parquet", drop_mentioning=[SECRET],
                        permissions=0o644).records_removed == 1
    assert pq.read_table(parquet).to_pylist() == [rows[1]]
    assert SECRET.encode() not in parquet.read_bytes()


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "batch.csv"
    path.write_bytes(b"%PDF-1.7 ...")
    with pytest.raises(RedactionError):
        rewrite_file(path, "csv", drop_mentioning=[SECRET])


def test_raw_redaction_keeps_the_original_digest_and_notes_the_new_one(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(f"id,email\n1,{SECRET}\n2,b@x.org\n")
    store = RawStore(tmp_path / "raw")
    raw = store.put("tickets", source).raw
    result = redact_raw(store, "tickets", raw.version, "csv", "redacted by erasure",
                        drop_mentioning=[SECRET])
    after = store.get("tickets", raw.version)
    assert (after.sha256, after.size) == (raw.sha256, raw.size)
    assert after.redactions[0]["note"] == "redacted by erasure"
    assert after.redactions[0]["sha256"] == result.sha256 == sha256_file(
        store.data_file(after))[0]
    assert SECRET not in store.data_file(after).read_text()
    assert store.data_file(after).stat().st_mode & 0o777 == 0o444


def test_compaction_drops_freed_blocks_and_keeps_live_data(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE SCHEMA s")
        conn.execute("CREATE TABLE s.t (i BIGINT, v VARCHAR)")
        # Inserted the way the pipeline's small tables are: values stay readable in the file.
        rows = [(i, f"{hashlib.md5(str(i).encode()).hexdigest()} p{i}@planted.example")
                for i in range(3000)]
        conn.executemany("INSERT INTO s.t VALUES (?, ?)", rows)
        secret = rows[1234][1]
        conn.execute("DELETE FROM s.t WHERE i = 1234")
    assert secret.encode() in path.read_bytes()  # freed, not overwritten
    result = compact_warehouse(path)
    assert secret.encode() not in path.read_bytes()
    assert result.bytes_after > 0 and not Path(f"{path}.wal").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["warehouse.duckdb"]
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM s.t").fetchone()[0] == 2999


def test_compaction_refuses_while_this_process_has_the_file_open(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS a")
        # Swapping the file under an open connection would send its later writes nowhere.
        with pytest.raises(CompactionError, match="busy"):
            compact_warehouse(path)
        conn.execute("INSERT INTO t VALUES (2)")
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("SELECT a FROM t ORDER BY a").fetchall() == [(1,), (2,)]


def test_unregistered_tables_are_refused(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        with pytest.raises(UnregisteredTableError, match=r"governance/tables\.py"):
            ensure_table(conn, "main", "scratch", [("a", "VARCHAR")])
        with pytest.raises(UnregisteredTableError, match="schema main"):
            ensure_table(conn, "tickets", "quality_metrics", [("a", "VARCHAR")])
