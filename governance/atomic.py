"""Atomic file writes: a uniquely named temp file beside the target, fsynced, then renamed.

Readers see the previous file or the complete new one, never a partial file; a failure
at any point leaves the previous file as it was and no temp file behind. After the
rename the folder is fsynced too, so the new entry survives a crash.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# Like open(): new files get 0o666 less the process umask. Pass 0o600 for private files.
DEFAULT_PERMISSIONS = 0o666
_ATTEMPTS = 100
_NAME_KEEP = 200  # the temp name must stay under the usual 255-byte limit
_NO_DIR_FSYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF})
_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL
          | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries to disk; skipped where folders cannot be opened or fsynced."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # e.g. Windows, or a folder we may write to but not read
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIR_FSYNC:
            raise
    finally:
        os.close(fd)


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush a file written by someone else (DuckDB's COPY) to disk before it is renamed."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_into_place(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename a finished, fsynced file over target and fsync the folder(s) involved."""
    os.replace(tmp, target)
    source_dir, target_dir = Path(tmp).parent, Path(target).parent
    fsync_dir(target_dir)
    if source_dir.resolve() != target_dir.resolve():
        fsync_dir(source_dir)


def _create_temp(path: Path, permissions: int) -> tuple[int, Path]:
    """Create a new, uniquely named file beside path; return its descriptor and name."""
    for _ in range(_ATTEMPTS):
        tmp = path.with_name(f".{path.name[:_NAME_KEEP]}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, _FLAGS, permissions), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temp file name", str(path.parent))


@contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "wb", *,
                  encoding: str = "utf-8", newline: str | None = None,
                  permissions: int = DEFAULT_PERMISSIONS) -> Iterator[IO[Any]]:
    """Yield a file ("wb" or "w"); a clean exit replaces path whole, an error leaves it."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer mode must be 'wb' or 'w', not {mode!r}")
    path = Path(path)
    fd, tmp = _create_temp(path, permissions)
    try:
        if mode == "w":
            fh = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        else:
            fh = os.fdopen(fd, mode)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    try:
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        move_into_place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *,
                       permissions: int = DEFAULT_PERMISSIONS) -> None:
    """Replace path with data atomically and durably."""
    with atomic_writer(path, "wb", permissions=permissions) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8", *,
                      permissions: int = DEFAULT_PERMISSIONS) -> None:
    """Replace path with text atomically and durably."""
    with atomic_writer(path, "w", encoding=encoding, permissions=permissions) as fh:
        fh.write(text)


def append_line(path: str | os.PathLike[str], line: str, *,
                permissions: int = DEFAULT_PERMISSIONS) -> None:
    """Append one line to a log file whole: one write under an exclusive lock, then fsync.

    Concurrent writers never interleave; a torn last line (a writer that died mid-write)
    is closed with a newline first, so it spoils only itself, not the new line.
    """
    if "\n" in line:
        raise ValueError("append_line writes one line; the text holds a line break")
    path = Path(path)
    with open(path.with_name(path.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND
                         | getattr(os, "O_CLOEXEC", 0), permissions)
            try:
                size = os.fstat(fd).st_size
                torn = size > 0 and _last_byte(path, size) != b"\n"
                os.write(fd, (("\n" if torn else "") + line + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1)
