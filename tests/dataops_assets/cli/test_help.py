"""Every verb of the dataops command: one module with `register`, and --help with examples."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import dataops_assets.cli as cli
from tests.conftest import REPO

BIN = Path(sys.executable).parent


def _verb_paths(parser: argparse.ArgumentParser,
                path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from _verb_paths(sub, (*path, name))


VERB_PATHS = list(_verb_paths(cli.build_parser()))
VERB_MODULES = sorted(m.name for m in pkgutil.iter_modules(cli.__path__)
                      if not m.name.startswith("_"))


def test_the_verbs_are_the_documented_ones():
    top = sorted(path[0] for path in VERB_PATHS if len(path) == 1)
    assert top == ["audit", "backup", "consent", "contracts", "demo", "erase", "export", "gold",
                   "hold", "incident", "ingest", "pilot", "plan", "portal", "qualification",
                   "redact-text", "reference", "refresh-requests", "report", "restore",
                   "retention", "scan-pii", "sql", "status"]
    assert ("audit", "verify") in VERB_PATHS and ("hold", "list") in VERB_PATHS
    assert ("retention", "plan") in VERB_PATHS and ("report", "weekly") in VERB_PATHS
    assert ("incident", "resolve") in VERB_PATHS and ("incident", "escalate") in VERB_PATHS
    assert ("consent", "import") in VERB_PATHS and ("consent", "withdraw") in VERB_PATHS


@pytest.mark.parametrize("path", VERB_PATHS, ids=" ".join)
def test_every_verb_help_exits_0_with_examples(path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*path, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: dataops {' '.join(path)} ")
    examples = text.split("\nexamples:\n", 1)[1].splitlines()
    # Raw formatting: each example keeps its own line and runs this very verb.
    assert examples[0].startswith(f"  dataops {' '.join(path[:1])}")


@pytest.mark.parametrize("name", VERB_MODULES)
def test_every_verb_module_defines_register_and_is_registered(name):
    module = importlib.import_module(f"dataops_assets.cli.{name}")
    assert list(inspect.signature(module.register).parameters) == ["subparsers"]
    assert module in cli.VERBS


def test_every_registered_module_is_a_verb_module():
    assert sorted(m.__name__.rsplit(".", 1)[1] for m in cli.VERBS) == VERB_MODULES
    assert len(set(cli.VERBS)) == len(cli.VERBS)


def test_the_console_script_lists_every_verb():
    done = subprocess.run([BIN / "dataops", "--help"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for path in VERB_PATHS:
        if len(path) == 1:
            assert f"    {path[0]} " in done.stdout or f"    {path[0]}\n" in done.stdout
    assert "\nexamples:\n" in done.stdout


def test_python_dash_m_runs_the_same_command():
    done = subprocess.run([sys.executable, "-m", "dataops_assets.cli", "contracts", "--help"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: dataops contracts")
