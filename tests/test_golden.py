"""The golden-file helper: compares, shows a short diff, and rewrites only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import DIFF_LINES, UPDATE_ENV, assert_golden


def test_a_mismatch_fails_with_the_first_lines_of_a_diff(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    expected = "".join(f"line {i}\n" for i in range(200))
    (tmp_path / "doc.md").write_text(expected)
    assert_golden(expected, "doc.md", tmp_path)
    actual = "".join(f"changed {i}\n" if i == 5 or i >= 150 else f"line {i}\n"
                     for i in range(200))
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_golden(actual, "doc.md", tmp_path)
    message = str(failed.value)
    assert "--- golden/doc.md" in message and "-line 5" in message and "+changed 5" in message
    assert "+changed 199" not in message and "more diff lines" in message
    assert len(message.splitlines()) <= DIFF_LINES + 3
    assert (tmp_path / "doc.md").read_text() == expected  # comparing never writes


def test_a_missing_golden_file_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="missing"):
        assert_golden("text\n", "new.md", tmp_path)
    assert not (tmp_path / "new.md").exists()


def test_update_flag_rewrites_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_golden("first\n", "sub/doc.md", tmp_path)
    assert_golden("second\r\n", "sub/doc.md", tmp_path)
    assert (tmp_path / "sub" / "doc.md").read_bytes() == b"second\r\n"
