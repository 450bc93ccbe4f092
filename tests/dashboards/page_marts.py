"""Which marts each Insights page reads, found in the code the page runs.

The dbt exposures (models/models/exposures.yml) say which marts each page depends on; this
reads the pages so a test can hold the two together. Starting from the page script (and
the app's entry script, whose sidebar runs on every page), it follows every name the code
uses into the ``dashboards`` modules it comes from (``finance.kpis`` -> that function ->
the helpers and constants it uses, and so on) and collects the string literals on the
way, docstrings left out. A mart counts as read when its name stands in one of them as
a whole word. In f-strings a name built around a placeholder
(``f"mart_{kind}_ageing"``) matches every mart it can spell.

It over-approximates on purpose (a function the page imports counts even if a branch
never calls it) and cannot see names assembled any other way: keep mart names literal.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Exposure name -> the page script (dashboards/app.py lists them).
PAGES = {
    "finance": "dashboards/app_pages/finance.py",
    "wholesale": "dashboards/app_pages/wholesale.py",
    "whatif": "dashboards/app_pages/whatif.py",
    "budgets": "dashboards/app_pages/budgets.py",
    "alerts": "dashboards/app_pages/alerts.py",
    "consolidation": "dashboards/app_pages/consolidation.py",
    "manufacturing": "dashboards/app_pages/manufacturing.py",
}
# Runs before every page: the sidebar's divisions and periods are read on each of them.
ENTRY = "dashboards/app.py"

PLACEHOLDER = "\x00"


@dataclass(frozen=True)
class _Module:
    tree: ast.Module
    defs: dict[str, ast.AST]  # top-level function, class or assigned name -> its node
    modules: dict[str, str]  # local alias -> dotted name of a dashboards module
    names: dict[str, tuple[str, str]]  # local alias -> (dotted module, name) imported from it
    docstrings: frozenset[int]  # id() of the docstring nodes, left out of the literals


def _path(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _module(dotted: str) -> _Module:
    path = _path(dotted)
    assert path is not None, dotted
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    defs: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    defs[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defs[node.target.id] = node
    modules: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    for imported in ast.walk(tree):
        if (
            isinstance(imported, ast.ImportFrom)
            and imported.module
            and imported.module.startswith("dashboards")
        ):
            for alias in imported.names:
                local = alias.asname or alias.name
                submodule = f"{imported.module}.{alias.name}"
                if _path(submodule) is not None:
                    modules[local] = submodule
                else:
                    names[local] = (imported.module, alias.name)
        elif isinstance(imported, ast.Import):
            for alias in imported.names:
                if alias.name.startswith("dashboards") and alias.asname:
                    modules[alias.asname] = alias.name
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    return _Module(tree, defs, modules, names, frozenset(docstrings))


def _dotted(script: str) -> str:
    return script.removesuffix(".py").replace("/", ".")


def _literals(start: str) -> Iterator[str]:
    """Every string literal of the page script ``start`` and of what it uses, f-strings
    with ``PLACEHOLDER`` where their expressions are."""
    seen: set[tuple[str, str | None]] = set()
    todo: list[tuple[str, str | None]] = [(_dotted(start), None)]  # None: the whole module
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        dotted, name = key
        module = _module(dotted)
        if name is None:
            root: ast.AST = module.tree
        elif name in module.defs:
            root = module.defs[name]
        elif name in module.names:
            todo.append(module.names[name])
            continue
        else:
            continue  # a submodule's attribute that is not top level (or from elsewhere)
        for node in ast.walk(root):
            if isinstance(node, ast.JoinedStr):
                yield fstring_text(node)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in module.docstrings
            ):
                yield node.value
            elif isinstance(node, ast.Name):
                if node.id in module.defs:
                    todo.append((dotted, node.id))
                elif node.id in module.names:
                    todo.append(module.names[node.id])
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module.modules
            ):
                todo.append((module.modules[node.value.id], node.attr))


def fstring_text(node: ast.JoinedStr) -> str:
    """The f-string's text with PLACEHOLDER where its expressions are."""
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else PLACEHOLDER for part in node.values
    )


def named(texts: Iterable[str], marts: Iterable[str]) -> set[str]:
    marts = sorted(marts)
    found: set[str] = set()
    for text in texts:
        for mart in marts:
            if re.search(rf"(?<![a-z0-9_]){re.escape(mart)}(?![a-z0-9_])", text):
                found.add(mart)
        # A name spelled around a placeholder: a literal prefix such as `finance__` or
        # `mart_`, then placeholders and word characters.
        for token in re.findall(rf"[a-z][a-z0-9]*_[a-z0-9_{PLACEHOLDER}]*", text):
            if PLACEHOLDER in token:
                pattern = "".join(
                    "[a-z0-9_]*" if ch == PLACEHOLDER else re.escape(ch) for ch in token
                )
                found.update(m for m in marts if re.fullmatch(pattern, m))
    return found


def page_marts(page: str, marts: Iterable[str]) -> set[str]:
    """The marts (of ``marts``) the Insights page ``page`` (a key of PAGES) reads, the
    sidebar's included."""
    marts = list(marts)
    return named(_literals(PAGES[page]), marts) | named(_literals(ENTRY), marts)
