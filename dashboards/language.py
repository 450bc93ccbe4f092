"""The user's language and number formats: gettext catalogs and CLDR (babel).

The catalogs live in ``dashboards/locales/<lang>/LC_MESSAGES/messages.po`` (compiled to
``.mo`` beside them, committed); ``pybabel extract/update/compile`` keeps them (README,
"Translations"). Every string the app shows goes through :func:`_` when the page runs:
module-level texts are marked with ``N_`` and translated where they are shown, because
the language is the signed-in user's, known only then. The services' refusals carry a
message id and parameters (:class:`transactional.errors.DomainError`), translated here
by :func:`error_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st
from babel.dates import format_date
from babel.support import NullTranslations, Translations
from streamlit.runtime.scriptrunner import get_script_run_ctx

from transactional.errors import N_, DomainError
from transactional.organisation.models import LOCALES

CATALOGS = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
LOCALE_KEY = "locale"
DEFAULT_LOCALE = "en"
# How each locale calls itself in the sidebar's language picker.
LOCALE_NAMES = {
    "en": "English",
    "fr_FR": "Français (France)",
    "fr_BE": "Français (Belgique)",
    "nl_NL": "Nederlands (Nederland)",
    "nl_BE": "Nederlands (België)",
}
assert set(LOCALE_NAMES) == set(LOCALES)

__all__ = ["N_", "_", "current_locale", "error_text", "language_of", "ngettext"]


def language_of(locale: str) -> str:
    """``nl_BE`` -> ``nl``: the catalog a locale reads."""
    return locale.split("_")[0]


@lru_cache(maxsize=8)
def translations(language: str) -> NullTranslations:
    """The compiled catalog of ``language`` (English: the message ids themselves)."""
    if language == "en":
        return NullTranslations()
    found = Translations.load(str(CATALOGS), [language], DOMAIN)
    return found


_OVERRIDE: ContextVar[str | None] = ContextVar("locale_override", default=None)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Format and translate in ``locale`` within the block, whoever is signed in (a
    workbook built for a named locale, tests)."""
    token = _OVERRIDE.set(locale)
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def current_locale() -> str:
    """The locale the page is shown in: the signed-in user's, or the one picked on the
    sign-in page; English outside a Streamlit run."""
    override = _OVERRIDE.get()
    if override is not None:
        return override
    if get_script_run_ctx(suppress_warning=True) is None:  # tests, the command line
        return DEFAULT_LOCALE
    value = st.session_state.get(LOCALE_KEY)
    return value if value in LOCALE_NAMES else DEFAULT_LOCALE


def _(message: str, **params: Any) -> str:
    """``message`` in the current language, its ``{placeholders}`` filled from ``params``."""
    text = translations(language_of(current_locale())).gettext(message)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The singular or plural form for ``n`` in the current language (``{n}`` is filled)."""
    text = translations(language_of(current_locale())).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def error_text(error: DomainError) -> str:
    """A service's refusal in the current language. Text parameters that are message ids
    themselves (a role, an action, a field's label) are translated too; other text (codes,
    names) has no catalog entry and stays as it is."""
    catalog = translations(language_of(current_locale()))
    text = catalog.gettext(error.message_id)
    params = {k: _parameter(catalog, v) for k, v in error.params.items()}
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        # A translation with a broken placeholder must not hide the refusal.
        return error.message


def _parameter(catalog: NullTranslations, value: Any) -> Any:
    if isinstance(value, DomainError):  # a refusal quoted in another (a file's row)
        return error_text(value)
    if isinstance(value, date):  # a date handed over as a date (a lot's expiry date)
        return format_date(value, format="medium", locale=current_locale())
    if isinstance(value, str) and value:
        return _place(catalog, value)
    return value


# The services name where in a document a value sits as "Line 3: quantity", "Order line 2",
# "Allocation 1", "Material 2", "Row 4" (a label handed to a shared check such as
# money.to_decimal, a production order's material line or operation, a file's row handed
# to the stock core). Those shapes, and the fields they name, are translated here so a
# refusal reads in one language.
_PLACE = re.compile(
    r"^(Line|Order line|Allocation|Rate|Material|Operation|Row) (\d+)(?:(:)? (.+))?$"
)
_PLACES = {
    "Line": N_("Line {n}"),
    "Row": N_("Row {n}"),
    "Material": N_("Material {n}"),
    "Operation": N_("Operation {n}"),
    "Order line": N_("Order line {n}"),
    "Allocation": N_("Allocation {n}"),
    "Rate": N_("Rate {n}"),
}
_FIELDS = (
    N_("quantity"),
    N_("price"),
    N_("debit"),
    N_("credit"),
    N_("rate"),
    N_("amount"),
    N_("base amount"),
    N_("counted quantity"),
    N_("expiry date"),
)


def _place(catalog: NullTranslations, value: str) -> str:
    """A parameter in the current language: a message id, a place in a document
    ("Line 3: quantity"), or data (a code, a name) left as it is."""
    found = _PLACE.match(value)
    if found is None:
        return catalog.gettext(value)
    place, n, colon, field = found.groups()
    text = catalog.gettext(_PLACES[place]).format(n=n)
    if field is None:
        return text
    return f"{text}{colon or ''} {catalog.gettext(field)}"


# st.date_input's display formats (the only orders it knows), per language.
_DATE_INPUT_FORMATS = {"nl": "DD-MM-YYYY", "fr": "DD/MM/YYYY"}


def date_input_format() -> str:
    """How a date field shows its date in the current language (``05-01-2026`` in
    Dutch, ``05/01/2026`` in French, ``2026-01-05`` in English)."""
    return _DATE_INPUT_FORMATS.get(language_of(current_locale()), "YYYY-MM-DD")
