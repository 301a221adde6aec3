"""The import graph of both packages: no cycle, no function-level import without a reason,
and governance/ never imports Dagster."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("governance", "dataops_assets")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_pkg: bool,
             known: dict[str, Path]) -> list[str]:
    """Project modules an import statement executes (the module and its parent packages)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_pkg else module.split(".")[:-1]
            anchor = anchor[:len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        # `from pkg import mod` executes pkg.mod when it is a module; otherwise only pkg.
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                 for a in node.names]
    out = []
    for name in names:
        parts = name.split(".")
        out += [".".join(parts[:i]) for i in range(1, len(parts) + 1)
                if ".".join(parts[:i]) in known]
    return out


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    known = _modules()
    graph: dict[str, set[str]] = {m: set() for m in known}
    inline: list[tuple[str, int, str]] = []
    for module, path in known.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        top = {id(n) for n in tree.body}
        guarded = {id(n) for stmt in tree.body if isinstance(stmt, ast.If)
                   for n in ast.walk(stmt)}  # `if TYPE_CHECKING:` blocks
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if id(node) in guarded:
                continue
            if id(node) not in top:
                previous = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                if not previous.startswith("#"):
                    inline.append((module, node.lineno, lines[node.lineno - 1].strip()))
            for target in _targets(node, module, path.name == "__init__.py", known):
                if target != module:
                    graph[module].add(target)
    return graph, inline


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # A package importing its own submodule is how packages work, not a cycle.
            if node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walk_sees_the_packages():
    graph, _ = _graph()
    assert "dataops_assets.definitions" in graph
    assert "dataops_assets.stages.definitions" in graph["dataops_assets.definitions"]
    assert "governance.contract_model" in graph["governance.contracts"]


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    graph, _ = _graph()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_imports_inside_functions_say_why():
    _, inline = _graph()
    assert not inline, ("imports inside a function need a comment on the line before saying "
                        f"why (a heavy optional dependency): {inline}")


@pytest.mark.parametrize("module", sorted(m for m in _modules() if m.startswith("governance")))
def test_governance_never_imports_dagster(module):
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom)}
    assert not imported & {"dagster", "dagster_duckdb", "dagster_webserver"}
