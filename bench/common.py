"""Helpers shared by the benchmark scripts: child processes, memory, machine description."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, mode: str, *args: str) -> dict[str, Any]:
    """Run a benchmark script in child mode in a fresh interpreter; return its JSON or raise."""
    cmd = [sys.executable, str(Path(script).resolve()), "--child", mode, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{mode} exited with {proc.returncode}: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine(packages: tuple[str, ...]) -> str:
    """One line describing the machine and the given packages' versions."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown cpu")
    versions = ", ".join(f"{p} {package_version(p)}" for p in packages)
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {versions}")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, against the core count."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


@dataclass
class Measurement:
    """The repeats of one engine at one size; scripts add their own fields."""

    rows: int
    engine: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    base_mb: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float:
        """Median wall time of the repeats."""
        return statistics.median(self.seconds)
