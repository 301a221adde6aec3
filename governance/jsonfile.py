"""Small JSON state files changed under an exclusive lock and replaced atomically."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from governance.atomic import atomic_write_text


@contextmanager
def locked_json(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the file's content as a dict; whatever it holds afterwards is written back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The lock file sits beside the data so readers of the data never block on it.
    with path.with_suffix(".lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        yield data
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
