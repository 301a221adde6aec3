"""`dataops backup` and `dataops restore` on the demo: the restore verifies and re-delivers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from dataops_assets.cli import main
from dataops_assets.definitions import build_definitions
from dataops_assets.runner import run_version
from governance.settings import Layout
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _delivered_rows(data_dir: Path, dataset: str, version: str) -> str:
    """A digest of the delivered table's rows of one version, in a fixed order."""
    with open_warehouse(Layout(data_dir)).reader() as conn:
        rows = conn.execute(f'SELECT * FROM "{dataset}"."delivered" WHERE _version = ? '
                            "ORDER BY _row_id", [version]).fetchall()
    assert rows
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_a_restored_backup_verifies_and_redelivers_identical_bytes(demo, tmp_path, monkeypatch,
                                                                    capsys):
    dataset, version = "loan_applications", "v1"  # delivered by the demo
    original = demo.data_dir
    export = Layout(original).delivered_file(dataset, version)
    expected_export, expected_rows = _sha(export), _delivered_rows(original, dataset, version)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(original))
    monkeypatch.setenv("DAGSTER_HOME", str(original.parent / "home"))  # the demo's instance
    assert main(["backup", str(tmp_path / "backup")]) == 0
    assert "Dagster instance included" in capsys.readouterr().out
    assert main(["backup", str(tmp_path / "backup")]) == 2  # not empty: refused
    assert "not an empty folder" in capsys.readouterr().err

    restored = tmp_path / "moved" / "restored"
    assert main(["restore", str(tmp_path / "backup"), str(restored)]) == 0
    assert f"DAGSTER_HOME={restored / 'dagster_home'}" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "backup"), str(restored)]) == 2
    capsys.readouterr()
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(restored))
    monkeypatch.setenv("DAGSTER_HOME", str(restored / "dagster_home"))
    monkeypatch.delenv("DATAOPS_DATASHEETS_DIR", raising=False)
    assert main(["audit", "verify"]) == 0
    assert "audit trail OK" in capsys.readouterr().out

    with dg.DagsterInstance.from_config(str(restored / "dagster_home")) as instance:
        # The run history came along: the version is a known partition with its runs.
        assert version in instance.get_dynamic_partitions(f"{dataset}_versions")
        assert instance.get_latest_materialization_event(
            dg.AssetKey([dataset, "delivered"])) is not None
        restored_export = Layout(restored).delivered_file(dataset, version)
        restored_export.unlink()  # re-made from the restored raw batch below
        outcome = run_version(build_definitions(CONTRACTS_DIR, restored), instance,
                              dataset, version)
    assert outcome.delivered, outcome.errors
    assert _sha(restored_export) == expected_export
    assert _delivered_rows(restored, dataset, version) == expected_rows
    assert (restored / "datasheets" / dataset / f"{version}.md").is_file()
