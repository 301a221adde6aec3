"""Immutable, content-addressed store of raw batches: one folder per dataset version.

Layout: <root>/<dataset>/<version>/data.<ext> (read-only) and manifest.json. The
version id (v1, v2, ...) is allocated under a per-dataset file lock so the sensor and
the CLI can ingest at the same time; the content hash is the dataset version's
identity, so the same bytes arriving twice are reported as a duplicate.

Manifests record the stored file relative to the data directory (the root's parent), so
a copied, moved or restored data directory acts only on its own files. Manifests written
before that recorded absolute paths; they are read by the part below the data directory
and a path that would lead outside the current data directory is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from governance.atomic import atomic_write_text, move_into_place
from governance.errors import GovernanceError, IntakeError, UnknownVersionError
from governance.identifiers import check_dataset_name, check_version
from governance.tables import version_id, version_number

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class RawManifestError(GovernanceError):
    """A raw-store manifest names a file outside the data directory, so it is not used."""


@dataclass(frozen=True)
class RawVersion:
    """What the raw store knows about one stored batch.

    stored_path is the stored copy in the current data directory (the manifest on disk
    holds it relative to the data directory). source_path is provenance text only: where
    the file came from, possibly on another machine; nothing acts on it.
    """

    dataset: str
    version: str
    sha256: str
    size: int
    arrived_at: str
    source_path: str
    file_name: str
    stored_path: str
    purged: str | None = None  # why the bytes were deleted (retention), if they were
    # Rewrites of the stored copy (erasure, column retention), oldest first: each has a
    # note, the new sha256 and size, and when. `sha256` and `size` stay the original's.
    redactions: tuple[dict[str, object], ...] = ()

    @property
    def number(self) -> int:
        """The version's sequence number (v12 -> 12)."""
        return version_number(self.version)

    @property
    def arrived(self) -> datetime:
        """When the batch landed in the raw store, as an aware UTC time."""
        at = datetime.fromisoformat(self.arrived_at)
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class IngestResult:
    """The outcome of putting a file into the raw store."""

    raw: RawVersion
    duplicate: bool


def sha256_file(path: Path) -> tuple[str, int]:
    """Return the sha256 hex digest and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class RawStore:
    """Content-addressed raw batches under a root folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        # Manifests hold paths relative to the data directory, the raw folder's parent.
        self._base = self.root.resolve().parent

    def _dataset_dir(self, dataset: str) -> Path:
        return self.root / check_dataset_name(dataset)

    @contextmanager
    def _locked(self, dataset: str) -> Iterator[Path]:
        folder = self._dataset_dir(dataset)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / ".lock").open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def versions(self, dataset: str) -> list[RawVersion]:
        """All stored versions of a dataset, oldest first."""
        folder = self._dataset_dir(dataset)
        if not folder.is_dir():
            return []
        out = [self._load(manifest) for manifest in folder.glob(f"v*/{MANIFEST}")]
        return sorted(out, key=lambda v: v.number)

    def arrivals(self, dataset: str) -> dict[str, datetime]:
        """When each stored version of a dataset arrived (aware UTC), oldest first."""
        return {v.version: v.arrived for v in self.versions(dataset)}

    def get(self, dataset: str, version: str) -> RawVersion:
        """Return one stored version or raise UnknownVersionError."""
        manifest = self._dataset_dir(dataset) / check_version(version) / MANIFEST
        if not manifest.is_file():
            raise UnknownVersionError(f"{dataset} has no version {version} in the raw store")
        return self._load(manifest)

    def _load(self, manifest: Path) -> RawVersion:
        """Read a manifest, its stored path resolved inside the current data directory."""
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["stored_path"] = str(self._resolve_stored(manifest.parent, data["stored_path"]))
        return RawVersion(**{**data, "redactions": tuple(data.get("redactions", ()))})

    def _resolve_stored(self, vdir: Path, recorded: str) -> Path:
        """The stored file a manifest names, always inside this version's folder."""
        parts = PurePosixPath(recorded).parts
        expected_dir = self._version_dir(vdir.parent.name, vdir.name)
        if PurePosixPath(recorded).is_absolute():
            # Written before paths were relative: keep only the part below the data
            # directory (<raw>/<dataset>/<version>/<file>), never the old location.
            if len(parts) < 4 or parts[-4:-1] != (self.root.name, vdir.parent.name, vdir.name):
                raise self._outside(vdir, recorded)
            return expected_dir / parts[-1]
        path = self._base.joinpath(*parts)
        if ".." in parts or path.parent != expected_dir:
            raise self._outside(vdir, recorded)
        return path

    def _provenance(self, source: Path) -> str:
        """Where a file came from: relative when inside the data directory (landing, demo)."""
        source = source.resolve()
        if source.is_relative_to(self._base):
            return source.relative_to(self._base).as_posix()
        return str(source)

    def _version_dir(self, dataset: str, version: str) -> Path:
        """A version's folder as an absolute path in the current data directory."""
        return self._base / self.root.name / check_dataset_name(dataset) / check_version(version)

    @staticmethod
    def _outside(vdir: Path, recorded: str) -> RawManifestError:
        return RawManifestError(
            f"the raw-store manifest of {vdir.parent.name} {vdir.name} names {recorded}, "
            "which is not inside this data directory's raw store; nothing was done with it. "
            "Restore the data directory from a backup or fix the manifest's stored_path")

    def _manifest(self, raw: RawVersion, **changes: Any) -> dict[str, Any]:
        """A version's manifest as written: the stored path relative to the data directory."""
        stored = Path(raw.stored_path)
        if stored.is_absolute():
            stored = stored.relative_to(self._base)
        return {**asdict(raw), "stored_path": stored.as_posix(), **changes}

    def find_by_hash(self, dataset: str, sha256: str) -> RawVersion | None:
        """Return the version holding exactly these bytes, if any."""
        return next((v for v in self.versions(dataset) if v.sha256 == sha256), None)

    def put(self, dataset: str, source: str | Path, now: datetime | None = None) -> IngestResult:
        """Copy a file unchanged into the store; same bytes again return the old version."""
        source = Path(source)
        if not source.is_file():
            raise IntakeError(str(source), "the file does not exist or is not a regular file")
        folder = self._dataset_dir(dataset)
        folder.mkdir(parents=True, exist_ok=True)
        # Copy first (outside the lock) while hashing, so a slow copy blocks nobody.
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=folder)
        try:
            with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            sha = digest.hexdigest()
            with self._locked(dataset):
                existing = self.find_by_hash(dataset, sha)
                if existing is not None:
                    return IngestResult(existing, duplicate=True)
                number = max((v.number for v in self.versions(dataset)), default=0) + 1
                version = version_id(number)
                vdir = folder / version
                vdir.mkdir()
                suffix = "".join(source.suffixes[-2:]) if source.suffix else ""
                stored = vdir / f"data{suffix}"
                # Read-only before it appears, then renamed in and the folders fsynced.
                os.chmod(tmp_name, 0o444)
                move_into_place(tmp_name, stored)
                raw = RawVersion(
                    dataset=dataset,
                    version=version,
                    sha256=sha,
                    size=size,
                    arrived_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
                    source_path=self._provenance(source),
                    file_name=source.name,
                    stored_path=str(self._version_dir(dataset, version) / stored.name),
                )
                _write_json_atomic(vdir / MANIFEST, self._manifest(raw))
                return IngestResult(raw, duplicate=False)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def data_file(self, raw: RawVersion) -> Path:
        """Where a version's stored copy is on disk."""
        return Path(raw.stored_path)

    def record_redaction(self, dataset: str, version: str, note: dict[str, object]) -> RawVersion:
        """Add a rewrite of the stored copy to the manifest; the original digest stays."""
        with self._locked(dataset):
            raw = self.get(dataset, version)
            data = self._manifest(raw, redactions=[*raw.redactions, note])
            _write_json_atomic(self._dataset_dir(dataset) / version / MANIFEST, data)
        return self.get(dataset, version)

    def remove_bytes(self, dataset: str, version: str, reason: str) -> bool:
        """Delete a version's bytes but keep its manifest, noting why (column retention)."""
        raw = self.get(dataset, version)
        path = self.data_file(raw)
        if not path.exists():
            return False
        os.chmod(path, 0o644)
        path.unlink()
        manifest = self._dataset_dir(dataset) / version / MANIFEST
        _write_json_atomic(manifest, self._manifest(raw, purged=reason))
        return True

    def remove(self, dataset: str, version: str) -> bool:
        """Delete a stored version (retention or erasure); return True if it existed."""
        vdir = self._dataset_dir(dataset) / check_version(version)
        if not vdir.exists():
            return False
        for path in vdir.iterdir():
            os.chmod(path, 0o644)
        shutil.rmtree(vdir)
        return True


def _write_json_atomic(path: Path, data: dict[str, object]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
