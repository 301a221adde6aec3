"""Backups of a data directory that can be restored anywhere, each file checked by sha256.

A backup folder holds `data/` (the data directory as it was, with the Dagster instance at
`data/<dagster_home>`) and `backup-manifest.json` (sha256, size and mode of every file,
written last, so a folder without it is an unfinished backup). Each part is copied the
way that keeps it consistent while runs and the UI go on:

- the DuckDB warehouse through a read-only attach and COPY FROM DATABASE (one snapshot;
  it waits while a run holds the write lock, then refuses),
- the Dagster instance's SQLite files and the incidents database (operations/) through
  sqlite3's online backup API,
- the raw store one dataset at a time under its ingest lock, the audit trail and the JSON
  ledgers (holds, refresh requests) under their own locks, everything else as it is.

Order matters: warehouse first, then the raw store, then the audit trail, so every version
the snapshot's warehouse holds has its raw batch and every recorded action is in the trail.
Parts are consistent one by one, not as one instant: a run that ends during the backup may
be in the audit trail without being in the warehouse snapshot.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import duckdb

from governance.atomic import atomic_write_text, atomic_writer, move_into_place
from governance.errors import GovernanceError
from governance.settings import Layout

FORMAT = "dataops-backup/1"
MANIFEST = "backup-manifest.json"
DATA = "data"
DAGSTER_HOME_NAME = "dagster_home"
_CHUNK = 1 << 20
_SQLITE_SIDE = ("-wal", "-shm", "-journal")


class BackupError(GovernanceError):
    """A backup cannot be made or restored as asked; nothing was changed at the source."""


@dataclass
class BackupReport:
    """What a backup or a restore did."""

    files: int = 0
    bytes: int = 0
    dagster_home: str | None = None  # below the data directory, as restored
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(src: Path, dst: Path) -> tuple[str, int]:
    """Copy one file atomically, hashing what was written; return sha256 and size."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with src.open("rb") as fh, atomic_writer(dst, "wb") as out:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


@contextmanager
def _flocked(lock_file: Path) -> Iterator[None]:
    """Hold the project's own lock on a file while copying what it guards (if it exists)."""
    if not lock_file.is_file():
        yield
        return
    with lock_file.open("r") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _partial(dst: Path) -> Path:
    return dst.with_name(f".{dst.name}.{secrets.token_hex(6)}.partial")


def snapshot_warehouse(warehouse: Path, dst: Path, wait_seconds: float) -> None:
    """A consistent copy of the DuckDB file, taken through a read-only attach."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _partial(dst)
    deadline = time.monotonic() + wait_seconds
    while True:
        conn = duckdb.connect()
        try:
            # A read-only attach sees one committed state and blocks no other reader.
            conn.execute("ATTACH ? AS source_db (READ_ONLY)", [str(warehouse)])
            conn.execute("ATTACH ? AS snapshot_db", [str(tmp)])
            conn.execute("COPY FROM DATABASE source_db TO snapshot_db")
            conn.execute("DETACH snapshot_db")
            break
        except duckdb.IOException:
            Path(tmp).unlink(missing_ok=True)
            if time.monotonic() >= deadline:
                raise BackupError(
                    "the warehouse is being written by a run (DuckDB allows no reader while "
                    f"a writer holds the file) and stayed locked for {wait_seconds:g} s; retry "
                    "when no run is writing, or with a longer --wait") from None
            time.sleep(1.0)
        finally:
            conn.close()
    move_into_place(tmp, dst)


def snapshot_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite database (Dagster's storage) via the backup API."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _partial(dst)
    source = sqlite3.connect(f"file:{quote(str(src))}?mode=ro", uri=True)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BackupError(f"the Dagster database {src.name} could not be read ({exc}); "
                          "retry, or stop the Dagster UI for the backup") from None
    finally:
        target.close()
        source.close()
    move_into_place(tmp, dst)


def _skipped(rel: PurePosixPath) -> bool:
    """Files a backup leaves out: locks, temp files, and what a snapshot copies otherwise."""
    name = rel.name
    return (name.endswith((".lock", ".tmp", ".partial", *_SQLITE_SIDE))
            or name.startswith(".incoming-") or name == MANIFEST
            or any(part.endswith(".tmp") for part in rel.parts[:-1]))


def _files(root: Path, skip_dirs: set[Path]) -> list[Path]:
    """Regular files below root (symlinks are not followed), minus skipped folders."""
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if Path(folder, d) not in skip_dirs)
        out += [Path(folder, n) for n in sorted(names) if Path(folder, n).is_file()
                and not Path(folder, n).is_symlink()]
    return out


def _dagster_home_rel(data_dir: Path, dagster_home: Path | None) -> str | None:
    """Where the Dagster instance goes below the backup's data folder."""
    if dagster_home is None:
        return None
    if dagster_home == data_dir:
        raise BackupError("DAGSTER_HOME is the data directory itself; give the Dagster "
                          "instance its own folder (the Makefile uses .dagster_home beside "
                          "the data directory)")
    if dagster_home.is_relative_to(data_dir):
        return dagster_home.relative_to(data_dir).as_posix()
    if (data_dir / DAGSTER_HOME_NAME).exists():
        raise BackupError(f"DAGSTER_HOME is outside the data directory, and the data "
                          f"directory already has a {DAGSTER_HOME_NAME} folder; point "
                          "DAGSTER_HOME at that folder or rename it")
    return DAGSTER_HOME_NAME


def _check_destination(dest: Path, *forbidden: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not an empty folder; choose a new "
                          "folder so nothing is overwritten")
    for place in forbidden:
        if dest.is_relative_to(place):
            raise BackupError(f"{dest} is inside {place}; put the backup outside the data "
                              "directory and the Dagster home")


def backup(data_dir: Path, dest: Path, dagster_home: Path | None = None,
           wait_seconds: float = 60.0) -> BackupReport:
    """Write a consistent backup of a data directory (and its Dagster instance) to dest."""
    started = time.monotonic()
    data_dir, dest = data_dir.resolve(), dest.resolve()
    home = dagster_home.resolve() if dagster_home else None
    if not data_dir.is_dir():
        raise BackupError(f"there is no data directory at {data_dir}")
    if home is not None and not home.is_dir():
        raise BackupError(f"DAGSTER_HOME {home} is not a folder")
    _check_destination(dest, data_dir, *([home] if home else []))
    report = BackupReport(dagster_home=_dagster_home_rel(data_dir, home))
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Written beside dest and renamed at the end: a refused or failed backup leaves nothing.
    staging = dest.parent / f".{dest.name}.backup-{secrets.token_hex(6)}"
    try:
        entries = _write_backup(data_dir, home, staging, report, wait_seconds)
        if dest.exists():
            dest.rmdir()  # checked empty above
        os.replace(staging, dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    report.files = len(entries)
    report.bytes = sum(e["size"] for e in entries.values())
    report.seconds = time.monotonic() - started
    return report


def _write_backup(data_dir: Path, home: Path | None, staging: Path, report: BackupReport,
                  wait_seconds: float) -> dict[str, dict[str, Any]]:
    """Copy every part into staging, in an order that keeps them consistent; the manifest."""
    out = staging / DATA
    entries: dict[str, dict[str, Any]] = {}

    def record(rel: str, src: Path, sha: str, size: int) -> None:
        entries[rel] = {"sha256": sha, "size": size, "mode": src.stat().st_mode & 0o777}

    layout = Layout(data_dir)
    if layout.warehouse.is_file():
        snapshot_warehouse(layout.warehouse, out / "warehouse.duckdb", wait_seconds)
        target = out / "warehouse.duckdb"
        record("warehouse.duckdb", layout.warehouse, _sha256(target), target.stat().st_size)
    else:
        report.notes.append("no warehouse yet: nothing materialized")
    if home is not None and report.dagster_home is not None:
        _backup_dagster_home(home, out / report.dagster_home, report.dagster_home, record)
    else:
        report.notes.append("DAGSTER_HOME is not set: the Dagster run history is not in "
                            "this backup")
    _backup_raw_store(data_dir, layout.raw_dir, out, record)
    # The warehouse (and its WAL) went into the snapshot above.
    rest = [p for p in _files(data_dir, {layout.raw_dir, *([home] if home else [])})
            if not (p.parent == data_dir and p.name.startswith(layout.warehouse.name))
            and not _skipped(PurePosixPath(p.relative_to(data_dir).as_posix()))]
    # The audit trail last, so every action recorded before the backup ended is in it.
    rest.sort(key=lambda p: p.is_relative_to(data_dir / "audit"))
    # The project's writers lock <name>.lock beside a file (audit trail and its head,
    # holds, ledgers): files sharing a lock are copied under one hold of it.
    groups: dict[Path, list[Path]] = {}
    for path in rest:
        groups.setdefault(path.with_suffix(".lock"), []).append(path)
    for lock, paths in groups.items():
        with _flocked(lock):
            for path in paths:
                rel = path.relative_to(data_dir).as_posix()
                if path == layout.incidents_db:
                    # WAL mode: committed incidents may still be in the -wal file only.
                    snapshot_sqlite(path, out / rel)
                    sha, size = _sha256(out / rel), (out / rel).stat().st_size
                else:
                    sha, size = _copy(path, out / rel)
                record(rel, path, sha, size)
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "dagster_home": report.dagster_home, "files": dict(sorted(entries.items()))}
    atomic_write_text(staging / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return entries


def _backup_raw_store(data_dir: Path, raw_dir: Path, out: Path,
                      record: Callable[[str, Path, str, int], None]) -> None:
    """Each dataset's batches under the lock that ingest takes, so no version is half there."""
    if not raw_dir.is_dir():
        return
    for dataset in sorted(p for p in raw_dir.iterdir() if p.is_dir()):
        with _flocked(dataset / ".lock"):
            for path in _files(dataset, set()):
                rel = PurePosixPath(path.relative_to(data_dir).as_posix())
                if _skipped(rel):
                    continue
                # A version folder without its manifest is an ingest that has not finished.
                if rel.name != "manifest.json" and not (path.parent / "manifest.json").is_file():
                    continue
                sha, size = _copy(path, out / rel)
                record(str(rel), path, sha, size)


def _backup_dagster_home(home: Path, target: Path, prefix: str,
                         record: Callable[[str, Path, str, int], None]) -> None:
    """The Dagster instance: SQLite files through the backup API, other files as they are."""
    for path in _files(home, set()):
        rel = PurePosixPath(path.relative_to(home).as_posix())
        if _skipped(rel):
            continue
        dst = target / rel
        if path.suffix == ".db":
            snapshot_sqlite(path, dst)
            sha, size = _sha256(dst), dst.stat().st_size
        else:
            sha, size = _copy(path, dst)
        record(f"{prefix}/{rel}", path, sha, size)


def read_manifest(src: Path) -> dict[str, Any]:
    """The manifest of a backup folder, refusing anything that is not a finished backup."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a finished dataops backup (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise BackupError(f"{path} is not valid JSON; the backup is damaged") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest")
    for rel in manifest.get("files", {}):
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts or not parts:
            raise BackupError(f"{path} names a file outside the backup; refusing to restore")
    return manifest


def verify_backup(src: Path) -> dict[str, Any]:
    """Check every file of a backup against its manifest; return the manifest."""
    src = src.resolve()
    manifest = read_manifest(src)
    files = manifest["files"]
    present = {p.relative_to(src / DATA).as_posix() for p in _files(src / DATA, set())}
    missing = sorted(set(files) - present)
    extra = sorted(present - set(files))
    if missing or extra:
        raise BackupError(f"the backup at {src} does not match its manifest: "
                          f"{len(missing)} file(s) missing, {len(extra)} not listed"
                          + (f" (first: {(missing or extra)[0]})"))
    for rel, meta in files.items():
        if _sha256(src / DATA / rel) != meta["sha256"]:
            raise BackupError(f"{rel} in the backup at {src} does not match the sha256 in "
                              "its manifest; the backup is damaged, nothing was restored")
    return manifest


def restore(src: Path, dest: Path) -> BackupReport:
    """Restore a backup into a new data directory at dest, every file checked by sha256."""
    started = time.monotonic()
    src, dest = src.resolve(), dest.resolve()
    _check_destination(dest, src)
    manifest = verify_backup(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.restoring-{secrets.token_hex(6)}"
    report = BackupReport(dagster_home=manifest.get("dagster_home"))
    try:
        for rel, meta in manifest["files"].items():
            sha, size = _copy(src / DATA / rel, staging / rel)
            if sha != meta["sha256"]:
                raise BackupError(f"{rel} changed while it was being restored; "
                                  "nothing was restored")
            os.chmod(staging / rel, int(meta["mode"]) & 0o777)
            report.files += 1
            report.bytes += size
        if dest.exists():
            dest.rmdir()  # checked empty above
        os.replace(staging, dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    report.seconds = time.monotonic() - started
    return report
