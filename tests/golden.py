"""Golden files: generated documents compared with reviewed copies in tests/fixtures/golden.

Refresh after an intended change by setting the environment variable UPDATE_GOLDEN=1, e.g.
``UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/dataops_assets/test_golden_documents.py``;
the tests then rewrite the files instead of comparing. Review ``git diff tests/fixtures``
and commit the new files together with the change that caused them.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "fixtures" / "golden"
UPDATE_ENV = "UPDATE_GOLDEN"
DIFF_LINES = 40  # a mismatch shows this many lines of the unified diff, not the whole file


def updating() -> bool:
    """Whether golden files are being rewritten (UPDATE_GOLDEN=1)."""
    return os.environ.get(UPDATE_ENV) == "1"


def golden_diff(expected: str, actual: str, name: str, limit: int = DIFF_LINES) -> str:
    """The first `limit` lines of the unified diff from the golden file to the actual text."""
    diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                     f"golden/{name}", "actual", lineterm=""))
    if not diff:
        return "(the texts differ only in line endings or the final newline)"
    shown = diff[:limit]
    if len(diff) > limit:
        shown.append(f"... {len(diff) - limit} more diff lines")
    return "\n".join(shown)


def _read(path: Path) -> str:
    """The file's text exactly as stored (line endings kept)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


def assert_golden(actual: str, name: str, golden_dir: Path = GOLDEN_DIR) -> None:
    """Assert `actual` equals golden_dir/name, or rewrite that file when UPDATE_GOLDEN=1."""
    path = golden_dir / name
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or _read(path) != actual:
            path.write_text(actual, encoding="utf-8", newline="")
        return
    if not path.is_file():
        pytest.fail(f"golden file {path} is missing: run with {UPDATE_ENV}=1, review and "
                    "commit it", pytrace=False)
    expected = _read(path)
    if actual != expected:
        pytest.fail(f"{name} differs from its golden file {path}; if the change is intended, "
                    f"rerun with {UPDATE_ENV}=1 and review the diff\n"
                    f"{golden_diff(expected, actual, name)}", pytrace=False)
