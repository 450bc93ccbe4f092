"""Every domain error is raised with a message id that ``pybabel extract`` can find.

A refusal is translated by looking its message id up in the catalog, so the id must be a
literal marked ``N_("...")`` at the call: an f-string, a ``+`` or a ``.format()`` would give
an id that no catalog holds, and the clerk would read English. Parameters carry the data.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [
    *(p for p in (ROOT / "transactional").rglob("*.py") if "migrations" not in p.parts),
    *(ROOT / "dashboards" / "writeback").glob("*.py"),
    # The consolidation file readers refuse a file in the user's language too.
    *(ROOT / "ingestion" / "consolidation").glob("*.py"),
    # So do the manufacturing file readers and the table reader both share.
    *(ROOT / "ingestion" / "manufacturing").glob("*.py"),
    ROOT / "ingestion" / "table_files.py",
]
ERRORS = {
    "DomainError",
    "ValidationError",
    "PermissionDenied",
    "SignInRefused",
    "PeriodClosed",
    "UnbalancedEntry",
    "ImmutableRecord",
}


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in SCANNED}


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """The error classes of errors.py plus every subclass defined in the scanned modules."""
    names = set(ERRORS)
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else "" for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grown = True
    return names


def _is_marked_literal(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "N_"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _marked_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound once to ``N_("literal")`` (a message shared by two raises)."""
    bound: dict[str, int] = {}
    marked: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound[target.id] = bound.get(target.id, 0) + 1
                    if _is_marked_literal(node.value) and node in tree.body:
                        marked.add(target.id)
    return {name for name in marked if bound[name] == 1}


def _allowed(arg: ast.expr, constants: set[str]) -> bool:
    if _is_marked_literal(arg):
        return True
    if isinstance(arg, ast.IfExp):
        # One complete message per case: ``N_("... customer ...") if sales else N_("...")``.
        return _allowed(arg.body, constants) and _allowed(arg.orelse, constants)
    if isinstance(arg, ast.Name):
        return arg.id in constants
    # Re-raising a refusal with its own id (renumbered, re-typed): ``err.message_id``.
    return isinstance(arg, ast.Attribute) and arg.attr == "message_id"


def test_every_domain_error_is_raised_with_a_marked_literal_message_id() -> None:
    trees = _trees()
    classes = _error_classes(trees)
    offenders = []
    for path, tree in trees.items():
        constants = _marked_constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in classes:
                continue
            if not node.args or not _allowed(node.args[0], constants):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(...)")
    assert not offenders, "message ids not N_(literal):\n" + "\n".join(offenders)


def test_the_check_sees_the_forms_it_refuses() -> None:
    """The walk itself: an f-string, a concatenation and a bare literal are all refused."""
    constants = _marked_constants(ast.parse('A = N_("Shared.")\nB = "Not marked."'))
    good = ['N_("Account {code} is closed.")', "A", "err.message_id", 'N_("a") if x else N_("b")']
    bad = [
        'f"Account {code} is closed."',
        '"a" + b',
        '"Closed."',
        "B",
        'N_(f"{x}")',
        'N_("a") if x else "b"',
    ]
    for source in good:
        assert _allowed(ast.parse(source, mode="eval").body, constants), source
    for source in bad:
        assert not _allowed(ast.parse(source, mode="eval").body, constants), source
