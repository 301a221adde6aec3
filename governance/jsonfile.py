"""Small JSON state files changed under an exclusive lock and replaced atomically."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def locked_json(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the file's content as a dict; whatever it holds afterwards is written back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The lock file sits beside the data so readers of the data never block on it.
    with path.with_suffix(".lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        yield data
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)
