"""The README names only repository paths and asset keys that exist, so it cannot drift.

Every path-like word in backticks or a code block (it contains a `/` or ends in a source or
config suffix) must exist relative to the repository root, and every asset key
(`<dataset>/<stage>`, with `<ds>` or `<dataset>` standing for any dataset, optionally
followed by `:check`) must exist in the Definitions built from the repository's contracts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import dagster as dg
import pytest

from dataops_assets.definitions import build_definitions
from dataops_assets.keys import REPORTS_GROUP
from tests.conftest import CONTRACTS_DIR, REPO

README = REPO / "README.md"
SUFFIXES = (".py", ".yaml", ".yml", ".md", ".toml", ".j2", ".json")
DATASET_PLACEHOLDERS = {"<ds>", "<dataset>"}
# Named in the README but not in a fresh clone, each with the reason.
ALLOWED = {
    ".venv/bin/dataops": "created by `make install`",
    ".venv/bin/dagster": "created by `make install`",
    ".venv/bin/python": "created by `make install`",
    ".venv/bin/pytest": "created by `make install`",
    "manifest.json": "one per version in the raw store, under the data directory",
    "holds.json": "the legal holds file, under the data directory",
    "operations/outbox.jsonl": "the notifier's outbox, under the data directory",
    "postmortems/INC-0007.md": "a drafted post-mortem, under the datasheets folder",
    "warehouse/": "the Parquet warehouse's folder, under a data directory that uses it",
    "warehouse.json": "the data directory's record of its warehouse backend",
    "backup-manifest.json": "written into each backup folder by `dataops backup`",
    ".dagster_home/": "the Dagster instance the Makefile creates beside the data directory",
    "datasheets/index.md": "written by the datasheet job, never committed",
    "datasheets/reports/": "written by the weekly report, never committed",
    "datasheets/reports/weekly-2026-49.html": "a weekly report the demo writes",
    "weekly-YYYY-WW.md": "the weekly report's file name pattern",
    "portal/builds/": "the portal's builds, under the data directory",
    "dagster/column_lineage": "a Dagster metadata key, not a path",
    "dagster/column_schema": "a Dagster metadata key, not a path",
    "snapshots/": "the Development section names it within tests/dataops_assets/",
    "governance/audit_trail": "the audit witness's asset key (dataops_assets/keys.py): "
    "observations only, no asset in the Definitions",
}
# The "where" column of this table is relative to the data directory, not the repository.
DATA_TABLE_SECTION = "## Where data lives"

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(r"`([^`\n]+)`")
_URL = re.compile(r"\b[a-z][a-z+]*://\S+")
_WORD = re.compile(r"[\w.<>*$~{}:-]+(?:/[\w.<>*$~{}:-]*)+|[\w.<>-]+")


@dataclass(frozen=True)
class Named:
    """One path or asset key the README names, and the line it is on."""

    text: str
    line: int


def _code_spans(markdown: str) -> list[Named]:
    """Text in code blocks and inline backticks, with line numbers."""
    spans: list[Named] = []
    fenced = [(m.start(1), m.end(1)) for m in _FENCE.finditer(markdown)]
    for start, end in fenced:
        spans.append(Named(markdown[start:end], markdown.count("\n", 0, start) + 1))
    outside = markdown
    for start, end in fenced:  # blank the blocks out, keeping line numbers
        outside = outside[:start] + re.sub(r"[^\n]", " ", outside[start:end]) + outside[end:]
    for m in _INLINE.finditer(outside):
        spans.append(Named(m.group(1), markdown.count("\n", 0, m.start()) + 1))
    return spans


def _blank_data_dir_cells(markdown: str) -> str:
    """Blank the "where" cells of the data-directory table (relative to the data dir),
    except a row that says its path is in the repository."""
    lines = markdown.split("\n")
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("## "):
            inside = line.strip() == DATA_TABLE_SECTION
        elif inside and line.startswith("|") and "in the repository" not in line:
            head, _, where = line.rstrip().removesuffix("|").rpartition("|")
            lines[i] = f"{head}|{' ' * len(where)}|"
    return "\n".join(lines)


def named_words(markdown: str) -> list[Named]:
    """Every path-like word the README names in code, with its line."""
    words = []
    for span in _code_spans(_blank_data_dir_cells(markdown)):
        for offset, text in enumerate(span.text.splitlines() or [""]):
            line = span.line + offset
            text = _URL.sub(" ", text)
            for word in _WORD.findall(text):
                word = word.rstrip(".,:;").strip("'\"")
                if "/" in word or word.endswith(SUFFIXES):
                    words.append(Named(word, line))
    return words


def _is_placeholder(word: str) -> bool:
    """Placeholders, globs, variables, absolute paths and the data directory's paths."""
    return (any(c in word for c in "<>*$~{}")
            or word.removeprefix("./").startswith(("/", ".dataops/")))


def _check_key(word: str, datasets: set[str], keys: set[tuple[str, str]],
               checks: set[tuple[str, str, str]]) -> bool:
    """True if an asset key (and its check, when named) exists."""
    key, _, check = word.partition(":")
    dataset, stage = key.split("/", 1)
    names = datasets if dataset in DATASET_PLACEHOLDERS else {dataset}
    if check:
        return any((d, stage, check) in checks for d in names)
    return any((d, stage) in keys for d in names)


def _is_asset_key(word: str, datasets: set[str]) -> bool:
    parts = word.split(":")[0].split("/")
    return (len(parts) == 2 and (parts[0] in datasets or parts[0] in DATASET_PLACEHOLDERS)
            and re.fullmatch(r"\w+", parts[1]) is not None)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    return build_definitions(CONTRACTS_DIR, tmp_path_factory.mktemp("readme-data"))


def _missing(markdown: str, defs: dg.Definitions) -> tuple[list[str], list[str]]:
    """Paths and asset keys the README names that do not exist."""
    asset_graph = defs.resolve_asset_graph()
    all_keys = asset_graph.get_all_asset_keys()
    keys = {tuple(k.path) for k in all_keys if len(k.path) == 2}
    datasets = {d for d, _ in keys}
    checks = {(*c.asset_key.path, c.name) for c in asset_graph.get_check_keys_for_assets(all_keys)}
    paths, missing_keys = [], []
    for named in named_words(markdown):
        word = named.text
        if _is_asset_key(word, datasets):
            if not _check_key(word, datasets, keys, checks):
                missing_keys.append(f"line {named.line}: {word}")
        elif not _is_placeholder(word) and word not in ALLOWED \
                and not (REPO / word).exists():
            paths.append(f"line {named.line}: {word}")
    return paths, missing_keys


def test_every_path_and_asset_key_the_readme_names_exists(graph):
    paths, keys = _missing(README.read_text(encoding="utf-8"), graph)
    assert not paths and not keys, (
        "README.md names what does not exist.\nMissing paths:\n  " + "\n  ".join(paths)
        + "\nMissing asset keys (or checks):\n  " + "\n  ".join(keys))


def test_the_readme_check_finds_a_wrong_path_and_a_wrong_key(graph):
    text = ("See `governance/no_such_module.py`, `<ds>/pii_scan`, `<ds>/validated:intake_complete`"
            "\n```\nloan_applications/nowhere\ndataops_assets/stages/assets.py\n```\n"
            "`.dataops/warehouse.duckdb`, `<ds>/labeling:no_check`, `README.md`\n"
            "\n## Where data lives\n\n| a | `audit/audit.jsonl` |\n\n## Next\n")
    paths, keys = _missing(text, graph)
    assert paths == ["line 1: governance/no_such_module.py"]
    assert keys == ["line 3: loan_applications/nowhere", "line 6: <ds>/labeling:no_check"]


def test_the_readme_names_the_whole_chain(graph):
    words = {n.text for n in named_words(README.read_text(encoding="utf-8"))}
    keys = graph.resolve_asset_graph().get_all_asset_keys()
    # Reports (the weekly report, the portal) are one asset each, not one per dataset.
    stages = {k.path[1] for k in keys if k.path[0] != REPORTS_GROUP}
    assert {f"<ds>/{s}" for s in stages} <= words
    # The reports group is not per dataset: its assets are named in full.
    assert {k.to_user_string() for k in keys if k.path[0] == REPORTS_GROUP} <= words
