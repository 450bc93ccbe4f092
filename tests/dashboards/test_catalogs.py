"""Every text the app shows exists in French and Dutch, and the compiled catalogs are
the ones the .po files say.

The texts are found as ``pybabel extract`` finds them (``dashboards/locales/babel.cfg``):
``_``/``N_``/``ngettext`` in the dashboards, ``N_`` message ids of the services. A text
shown without ``_`` would not be found, so a second check walks the pages' calls of
Streamlit and refuses a plain string where a user reads it.
"""

from __future__ import annotations

import ast
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "dashboards" / "locales"
LANGUAGES = ("fr", "nl")
METHODS = [
    ("dashboards/**.py", "python"),
    ("transactional/**.py", "python"),
    ("ingestion/consolidation/**.py", "python"),
]
PLACEHOLDER = re.compile(r"\{(\w*)[^}]*\}")


def _extracted() -> dict[str, set[str]]:
    """msgid -> the files using it (a plural's singular stands for the pair)."""
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, {}):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, set()).add(filename)
    return found


def _catalog(language: str) -> Catalog:
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    return _extracted()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated(extracted: dict[str, set[str]], language: str) -> None:
    catalog = _catalog(language)
    missing = []
    for msgid, files in sorted(extracted.items()):
        message = catalog.get(msgid)
        strings = message.string if message is not None else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(texts):
            missing.append(f"{msgid!r} ({', '.join(sorted(files))})")
    assert not missing, f"{len(missing)} texts without a {language} translation:\n" + "\n".join(
        missing[:50]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    wrong = []
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted or (
                set(PLACEHOLDER.findall(ids[0])) - set(PLACEHOLDER.findall(text)) - {"n"}
            ):
                wrong.append(f"{ids[0]!r} -> {text!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_up_to_date(language: str) -> None:
    """The .mo the app loads holds what the .po says (run ``pybabel compile``)."""
    folder = LOCALES / language / "LC_MESSAGES"
    expected = BytesIO()
    write_mo(expected, _catalog(language))
    expected.seek(0)
    with open(folder / "messages.mo", "rb") as mo:
        compiled = read_mo(mo)
    wanted = read_mo(expected)
    assert _entries(compiled) == _entries(wanted)


def _entries(catalog: Catalog) -> dict[object, object]:
    """msgid -> msgstr, plurals as tuples (read_mo gives lists)."""

    def frozen(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


# Streamlit calls whose first argument (or ``label=``/``help=``...) a user reads.
SHOWN = {
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "write",
    "info",
    "warning",
    "error",
    "success",
    "toast",
    "button",
    "download_button",
    "form_submit_button",
    "selectbox",
    "multiselect",
    "radio",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "checkbox",
    "toggle",
    "metric",
    "expander",
    "tabs",
    "popover",
    "slider",
    "select_slider",
    "file_uploader",
    "page_link",
}
KEYWORDS = {"label", "help", "placeholder", "title", "caption"}


def _plain_text(node: ast.AST) -> bool:
    """A string the code wrote out, not run through _ (a literal or an f-string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c.isalpha() for c in node.value)
    return isinstance(node, ast.JoinedStr)


def test_pages_show_no_untranslated_literal() -> None:
    offenders = []
    for path in sorted((ROOT / "dashboards").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr not in SHOWN:
                continue
            shown = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in KEYWORDS]
            if node.func.attr == "tabs" and node.args and isinstance(node.args[0], ast.List):
                shown = list(node.args[0].elts)
            for arg in shown:
                if _plain_text(arg):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    assert not offenders, "texts shown without _():\n" + "\n".join(offenders)
