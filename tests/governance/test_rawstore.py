"""Raw store: immutable copies, hash identity, duplicates, sequential versions."""

from __future__ import annotations

import json
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from governance.errors import IntakeError, InvalidNameError, UnknownVersionError
from governance.rawstore import RawManifestError, RawStore, sha256_file


def test_put_copies_bytes_unchanged_and_records_manifest(tmp_path):
    src = tmp_path / "batch.csv"
    src.write_bytes(b"a,b\n1,2\n\xff\n")
    store = RawStore(tmp_path / "raw")
    result = store.put("tickets", src)
    assert not result.duplicate
    raw = result.raw
    assert raw.version == "v1"
    assert raw.size == src.stat().st_size
    assert raw.sha256 == sha256_file(src)[0]
    assert raw.source_path == "batch.csv"  # inside the data directory: relative
    with open(raw.stored_path, "rb") as fh:
        assert fh.read() == src.read_bytes()
    assert not os.stat(raw.stored_path).st_mode & stat.S_IWUSR  # read-only
    assert store.get("tickets", "v1") == raw


def test_same_bytes_are_a_duplicate_not_a_new_version(tmp_path):
    store = RawStore(tmp_path / "raw")
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text("x\n1\n")
    b.write_text("x\n1\n")
    c.write_text("x\n2\n")
    first = store.put("tickets", a)
    again = store.put("tickets", b)
    other = store.put("tickets", c)
    assert again.duplicate and again.raw == first.raw
    assert other.raw.version == "v2" and not other.duplicate
    assert [v.version for v in store.versions("tickets")] == ["v1", "v2"]


def test_concurrent_puts_get_distinct_versions(tmp_path):
    store = RawStore(tmp_path / "raw")
    files = []
    for i in range(8):
        path = tmp_path / f"f{i}.csv"
        path.write_text(f"x\n{i}\n")
        files.append(path)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda p: store.put("tickets", p), files))
    assert sorted(r.raw.version for r in results) == sorted(f"v{i}" for i in range(1, 9))


def test_missing_source_and_unknown_version(tmp_path):
    store = RawStore(tmp_path / "raw")
    with pytest.raises(IntakeError, match="does not exist"):
        store.put("tickets", tmp_path / "nope.csv")
    with pytest.raises(UnknownVersionError):
        store.get("tickets", "v9")


@pytest.mark.parametrize("name", ["../etc", "Tickets", "a/b", "x; drop table y"])
def test_unsafe_dataset_names_are_refused(tmp_path, name):
    with pytest.raises(InvalidNameError):
        RawStore(tmp_path / "raw").versions(name)


def test_remove_deletes_a_version(tmp_path):
    store = RawStore(tmp_path / "raw")
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    store.put("tickets", src)
    assert store.remove("tickets", "v1")
    assert store.versions("tickets") == []
    assert not store.remove("tickets", "v1")


def _manifest(store: RawStore, dataset: str, version: str) -> Path:
    return store.root / dataset / version / "manifest.json"


def test_manifest_records_the_stored_file_relative_to_the_data_directory(tmp_path):
    store = RawStore(tmp_path / "data" / "raw")
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    raw = store.put("tickets", src).raw
    recorded = json.loads(_manifest(store, "tickets", "v1").read_text())
    assert recorded["stored_path"] == "raw/tickets/v1/data.csv"
    assert recorded["source_path"] == str(src)  # outside the data directory: provenance only
    assert str(tmp_path / "data") not in _manifest(store, "tickets", "v1").read_text()
    assert Path(raw.stored_path) == (tmp_path / "data" / "raw" / "tickets" / "v1" / "data.csv")


def test_a_copied_store_acts_only_on_its_own_files(tmp_path):
    original = RawStore(tmp_path / "orig" / "raw")
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    original.put("tickets", src)
    shutil.copytree(tmp_path / "orig", tmp_path / "copy")
    copy = RawStore(tmp_path / "copy" / "raw")
    assert Path(copy.get("tickets", "v1").stored_path).is_relative_to(tmp_path / "copy")
    assert copy.remove_bytes("tickets", "v1", "retention body")
    assert Path(original.get("tickets", "v1").stored_path).read_text() == "x\n1\n"
    assert not (tmp_path / "copy" / "raw" / "tickets" / "v1" / "data.csv").exists()


def test_old_absolute_manifests_resolve_under_the_current_data_directory(tmp_path):
    store = RawStore(tmp_path / "moved" / "raw")
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    store.put("tickets", src)
    manifest = _manifest(store, "tickets", "v1")
    data = json.loads(manifest.read_text())
    data["stored_path"] = "/srv/old-place/.dataops/raw/tickets/v1/data.csv"  # as written before
    manifest.write_text(json.dumps(data))
    raw = store.get("tickets", "v1")
    assert Path(raw.stored_path) == tmp_path / "moved" / "raw" / "tickets" / "v1" / "data.csv"
    store.remove_bytes("tickets", "v1", "retention body")  # rewritten relative on the way
    assert json.loads(manifest.read_text())["stored_path"] == "raw/tickets/v1/data.csv"


@pytest.mark.parametrize("recorded", ["/srv/elsewhere/secrets.csv", "../../../etc/passwd",
                                      "raw/tickets/v2/data.csv", "/x/raw/other/v1/data.csv"])
def test_manifests_naming_files_outside_the_version_are_refused(tmp_path, recorded):
    store = RawStore(tmp_path / "data" / "raw")
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    store.put("tickets", src)
    manifest = _manifest(store, "tickets", "v1")
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()),
                                    "stored_path": recorded}))
    with pytest.raises(RawManifestError, match="not inside this data directory"):
        store.get("tickets", "v1")
