"""The transactional packages import each other one way only: no cycles.

The graph is read from the source with ``ast`` (module-level and function-level imports
alike: a cycle hidden in a function is still a cycle), at two grains: modules, and
packages (``transactional.finance``, ``transactional.stock``...; a top-level module such
as ``transactional.audit`` is its own node). New modules copy what they find, so a cycle
here fails the suite instead of spreading.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "transactional"


def module_names() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue  # Alembic loads the revisions by path; they import nothing of ours
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``transactional`` modules it imports, anywhere in its body."""
    modules = module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # ``from transactional.finance import lookups`` imports a module.
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        src = package_of(module)
        packages.setdefault(src, set())
        for target in targets:
            if package_of(target) != src:
                packages[src].add(package_of(target))
    return packages


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_cycle_finder_finds_a_cycle_through_three_nodes() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_imports() -> None:
    graph = import_graph()
    # rights sets the audit actor with an import inside the function.
    assert "transactional.audit" in graph["transactional.organisation.rights"]


def test_no_module_imports_itself_back() -> None:
    assert cycles(import_graph()) == []


def test_no_package_imports_itself_back() -> None:
    found = cycles(package_graph(import_graph()))
    assert found == [], f"import cycles between packages: {found}"


@pytest.mark.parametrize(
    "package",
    ["organisation", "relations", "finance", "wholesale", "stock", "purchasing", "sales"],
)
def test_each_package_imports_on_its_own(package: str) -> None:
    """The package's modules import in a fresh interpreter, before anything else of ours
    is loaded (a cycle at import time shows as an ImportError on a partly initialised
    module)."""
    modules = sorted(m for m in module_names() if m.startswith(f"transactional.{package}."))
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    result = subprocess.run(
        [sys.executable, "-c", code, *modules], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
