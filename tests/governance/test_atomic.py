"""The atomic-write primitive: whole new content or the old file, never a partial one."""

from __future__ import annotations

import gzip
import os
import stat
import threading

import pytest

from governance import atomic
from governance.atomic import atomic_write_bytes, atomic_write_text, atomic_writer


def test_write_replaces_the_content_and_leaves_only_the_target(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old\n", encoding="utf-8")
    atomic_write_text(path, "new ✓\n")
    assert path.read_text(encoding="utf-8") == "new ✓\n"
    atomic_write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_streamed_writer_yields_a_file_for_gzip(tmp_path):
    path = tmp_path / "data.json.gz"
    with atomic_writer(path) as raw, gzip.GzipFile(fileobj=raw, mode="wb") as fh:
        fh.write(b"payload")
    with gzip.open(path) as fh:
        assert fh.read() == b"payload"


def test_an_error_inside_the_writer_keeps_the_old_content_and_no_temp_file(tmp_path):
    path = tmp_path / "export.parquet"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="halfway"), atomic_writer(path) as fh:
        fh.write(b"partial")
        raise RuntimeError("halfway")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["export.parquet"]


def test_a_failing_rename_keeps_the_old_content_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "head"
    path.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk gone"):
        atomic_write_text(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["head"]


def test_a_new_file_is_not_created_when_the_write_fails(tmp_path):
    with pytest.raises(ValueError), atomic_writer(tmp_path / "new.txt", "w") as fh:
        fh.write("x")
        raise ValueError
    assert list(tmp_path.iterdir()) == []


def test_concurrent_writers_to_one_target_both_succeed_with_one_whole_content(tmp_path):
    path = tmp_path / "shared.bin"
    contents = [b"a" * 2_000_000, b"b" * 3_000_000]
    both_open = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            with atomic_writer(path) as fh:
                fh.write(data[:1000])
                both_open.wait(timeout=10)  # both temp files exist at once
                fh.write(data[1000:])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c,)) for c in contents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert path.read_bytes() in contents
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"]


def test_file_and_folder_are_fsynced(tmp_path, monkeypatch):
    path = tmp_path / "audit.head"
    synced: list[bool] = []
    real_fsync = os.fsync

    def record(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", record)
    atomic_write_text(path, "1 abc\n")
    # The file's data first, then the folder entry after the rename.
    assert synced == [False, True]


def test_permissions_are_applied_to_the_new_file(tmp_path):
    private, shared = tmp_path / "private.parquet", tmp_path / "shared.json"
    atomic_write_bytes(private, b"x", permissions=0o600)
    atomic_write_text(shared, "{}")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o666 & ~umask


def test_folders_that_cannot_be_fsynced_are_skipped(tmp_path, monkeypatch):
    def unsupported(fd: int) -> None:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "fsync", unsupported)
    atomic.fsync_dir(tmp_path)  # no error


def test_only_write_modes_are_accepted(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_writer(tmp_path / "x", "ab"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_append_line_keeps_concurrent_lines_whole_and_closes_a_torn_one(tmp_path):
    log = tmp_path / "outbox.jsonl"
    log.write_bytes(b'{"torn": ')  # a writer that died mid-line
    lines = [f'{{"writer": {w}, "n": {n}, "pad": "{"x" * 300}"}}' for w in range(4)
             for n in range(50)]
    threads = [threading.Thread(target=lambda w=w: [atomic.append_line(log, line)
                                                    for line in lines[w * 50:(w + 1) * 50]])
               for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = log.read_text().splitlines()
    assert got[0] == '{"torn": ' and sorted(got[1:]) == sorted(lines)
    with pytest.raises(ValueError, match="one line"):
        atomic.append_line(log, "two\nlines")
