"""A service's refusal reads in the user's language, its parameters too."""

from __future__ import annotations

import pytest

from dashboards.language import error_text, use_locale
from transactional.errors import ValidationError
from transactional.money import to_decimal
from transactional.organisation.rights import MATRIX  # noqa: F401 - the rights' ids load
from transactional.typed_numbers import typing_in


def _refusal(typed: str, label: str) -> ValidationError:
    with typing_in("nl_NL"), pytest.raises(ValidationError) as refused:
        to_decimal(typed, field="lines.1.debit", label=label)
    return refused.value


def test_a_refusal_and_the_place_it_names_are_translated() -> None:
    err = _refusal("1.234", "Line 1: debit")
    assert str(err).startswith("Line 1: debit: '1.234' is ambiguous")  # logs: English
    with use_locale("nl_NL"):
        assert error_text(err).startswith("Regel 1: debet: '1.234' is dubbelzinnig")
    with use_locale("fr_BE"):
        # French typography: no-break spaces before the colon and inside the quotes.
        assert error_text(err).startswith("Ligne 1: débit\u00a0: «\u00a01.234\u00a0» est ambigu")


def test_data_in_a_refusal_stays_as_it_is() -> None:
    err = ValidationError("Account {code} does not exist.", code="Revenue goods")
    with use_locale("nl_NL"):
        # An account's name is data, not a text of the app: not looked up, not changed.
        assert "Revenue goods" in error_text(err)


def test_a_date_without_a_fiscal_year_names_who_may_open_it() -> None:
    from datetime import date

    from transactional.finance.period_rules import no_period

    err = no_period("GB02", date(2027, 1, 31), field="entry_date")
    # Read by a clerk or by an accountant who may open it: the roles, not "your accountant".
    assert str(err) == (
        "No fiscal period of division GB02 covers 2027-01-31; that fiscal year must first be "
        "opened by an accountant or an administrator."
    )
    with use_locale("fr_FR"):
        assert "doit d'abord être ouvert par un comptable ou un administrateur" in error_text(err)
    with use_locale("nl_NL"):
        assert "moet eerst worden geopend door een accountant of een beheerder" in error_text(err)
