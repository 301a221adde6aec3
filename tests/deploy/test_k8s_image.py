"""The code location's image (deploy/k8s/Dockerfile), checked offline: never built here.

There is no Docker daemon on this machine. Instead: every COPY source exists and is in the
build context (deploy/k8s/Dockerfile.dockerignore), the lock files it installs exist, the
package goes in non-editable, the lexicons are extracted at build as the app user, the user
is not root, no ENV or ARG carries a secret, the default command serves the cluster code
location on port 4000 and that module's third-party imports are pinned in the installed lock
files (and it imports, when the cluster extra is installed). Each check is a function
returning the problems it found; the tests also feed it broken copies to show it can fail.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import shlex
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.deploy.test_k8s import K8S, MODULE, SECRET_NAMES

DOCKERFILE = K8S / "Dockerfile"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


def _in_build_context(path: str) -> bool:
    """Whether the Dockerfile's ignore file lets this repository path into the context."""
    included = True
    for raw in (K8S / "Dockerfile.dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        keep = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch(p, pattern) or fnmatch(p.rsplit("/", 1)[-1], pattern) for p in prefixes):
            included = keep
    return included


def _dockerfile_problems(text: str) -> list[str]:
    """What is wrong with the code location's Dockerfile."""
    steps = _instructions(text)
    problems = []
    copied: set[str] = set()
    for word, args in steps:
        if word == "COPY":
            *sources, _dest = [a for a in shlex.split(args) if not a.startswith("--")]
            for source in sources:
                copied.add(source)
                if not (REPO / source).exists():
                    problems.append(f"COPY source {source} does not exist")
                elif not _in_build_context(source):
                    problems.append(f"COPY source {source} is left out of the build context")
        if word in ("ENV", "ARG"):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args) or args.split()[:1]:
                if name in SECRET_NAMES or re.search(r"KEY$|TOKEN|PASSWORD|SECRET", name):
                    problems.append(f"{word} {name} would bake a secret into the image")
        if word == "ENTRYPOINT":
            problems.append("ENTRYPOINT set: the chart's container args would be appended to it")
    runs = [args for word, args in steps if word == "RUN"]
    for lock in re.findall(r"-r (\S+)", " ".join(runs)):
        if lock not in copied or not (REPO / lock).is_file():
            problems.append(f"installs from {lock}, which is missing or not copied")
    if not any(re.search(r"pip install (?!.*-e ).*--no-deps.* \.(\s|$)", r) for r in runs):
        problems.append("the package is not installed non-editable (pip install --no-deps .)")
    users = [args for word, args in steps if word == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the image runs as root")
    lexicon = [i for i, (w, a) in enumerate(steps) if w == "RUN" and "governance.pii.lexicon" in a]
    last_user = max((i for i, (w, _) in enumerate(steps) if w == "USER"), default=len(steps))
    if not lexicon or lexicon[-1] < last_user:
        problems.append("the lexicons are not extracted at build as the app user")
    cmd = " ".join(args for word, args in steps if word == "CMD")
    if not (MODULE in cmd and '"4000"' in cmd and "code-server" in cmd):
        problems.append(f"the default command does not serve {MODULE} on port 4000")
    if not re.match(r"python:3\.\d+-slim", dict(steps).get("FROM", "")):
        problems.append("the base image is not a slim Python")
    return problems


def test_dockerfile_is_sound() -> None:
    assert _dockerfile_problems(DOCKERFILE.read_text()) == []


@pytest.mark.parametrize(("change", "expected"), [
    (lambda t: t.replace("USER 10001:10001", "USER root"), "runs as root"),
    (lambda t: t + "ENV DATAOPS_HASH_KEY=oops\n", "bake a secret"),
    (lambda t: t.replace("COPY pyproject.toml", "COPY setup.cfg"), "setup.cfg does not exist"),
    (lambda t: t.replace("COPY governance ", "COPY tests "), "left out of the build context"),
    (lambda t: t.replace("-r requirements-k8s.lock", "-r requirements-gpu.lock"),
     "requirements-gpu.lock"),
    (lambda t: t.replace("--no-build-isolation .", "--no-build-isolation -e ."),
     "non-editable"),
    (lambda t: t + 'ENTRYPOINT ["dagster"]\n', "ENTRYPOINT"),
])
def test_dockerfile_check_catches_a_broken_dockerfile(change: Any, expected: str) -> None:
    problems = _dockerfile_problems(change(DOCKERFILE.read_text()))
    assert any(expected in p for p in problems), problems


def test_build_context_leaves_out_venvs_data_and_instances() -> None:
    for path in (".venv/bin/python", ".venv-datacontract/x", ".dataops/raw/a.csv",
                 ".dataops-cluster/x", ".dagster_home/dagster.yaml", "tests/conftest.py",
                 "governance/__pycache__/x.pyc"):
        assert not _in_build_context(path), path
    assert _in_build_context("governance/pii/lexicon.py")


def test_served_module_imports_only_pinned_packages() -> None:
    # Offline stand-in for building the image: every third-party package the served module
    # imports at the top is pinned in a lock file the Dockerfile installs.
    source = importlib.util.find_spec(MODULE)
    assert source is not None and source.origin is not None
    tree = ast.parse(Path(source.origin).read_text())
    roots = {a.name.split(".")[0] for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in tree.body
              if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    third_party = roots - set(sys.stdlib_module_names) - {"governance", "dataops_assets"}
    installed = " ".join(re.findall(r"-r (\S+)", DOCKERFILE.read_text()))
    pins = {line.split("==")[0].lower().replace("_", "-")
            for lock in installed.split() for line in (REPO / lock).read_text().splitlines()
            if "==" in line}
    assert third_party and {m.replace("_", "-") for m in third_party} <= pins


def test_served_module_imports() -> None:
    pytest.importorskip("dagster_celery", reason="the cluster extra is not installed "
                        "(`make cluster-install`); the image installs it")
    module = importlib.import_module(MODULE)
    assert callable(module.defs)
