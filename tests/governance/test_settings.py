"""Where a data directory's generated documents go."""

from __future__ import annotations

from pathlib import Path

from governance.settings import DEFAULT_DATASHEETS_DIR, REPO_DATA_DIR, datasheets_dir_for


def test_the_repository_data_directory_uses_the_repository_datasheets():
    assert datasheets_dir_for(REPO_DATA_DIR, environ={}) == DEFAULT_DATASHEETS_DIR


def test_any_other_data_directory_keeps_its_documents_inside_itself(tmp_path):
    assert datasheets_dir_for(tmp_path / "staging", environ={}) == \
        tmp_path / "staging" / "datasheets"
    assert datasheets_dir_for(tmp_path / "staging", environ={}) != DEFAULT_DATASHEETS_DIR


def test_the_environment_overrides_both(tmp_path):
    env = {"DATAOPS_DATASHEETS_DIR": str(tmp_path / "sheets")}
    assert datasheets_dir_for(REPO_DATA_DIR, environ=env) == tmp_path / "sheets"
    assert datasheets_dir_for(tmp_path / "x", environ=env) == tmp_path / "sheets"
    assert Path(datasheets_dir_for(tmp_path / "x", environ=env)).is_absolute()
