"""Numbers typed in the user's own format; what could mean two numbers is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from transactional.errors import ValidationError
from transactional.money import to_decimal
from transactional.typed_numbers import typing_in


@pytest.mark.parametrize(
    "locale, typed, meant",
    [
        ("nl_NL", "1.234,50", "1234.50"),
        ("nl_BE", "-1.234.567,89", "-1234567.89"),
        ("nl_NL", "1234,5", "1234.5"),
        ("nl_NL", "12.5", "12.5"),  # a dot before one digit cannot group thousands
        ("fr_BE", "1 234,50", "1234.50"),
        ("fr_FR", "1\u202f234,50", "1234.50"),  # the narrow no-break space CLDR writes
        ("fr_BE", "1.234,50", "1234.50"),  # Belgian habit: dots between thousands
        ("en", "1,234.50", "1234.50"),
        ("en", "12,5", "12.5"),
        ("en", "+7", "7"),
    ],
)
def test_a_number_as_the_user_writes_it(locale: str, typed: str, meant: str) -> None:
    with typing_in(locale):
        assert to_decimal(typed, field="amount", label="Amount") == Decimal(meant)


@pytest.mark.parametrize(
    "locale, typed, says",
    [
        (
            "nl_NL",
            "1.234",
            "ambiguous: is '.' a thousands separator or a decimal mark? Write 1234 or 1.234,00.",
        ),
        (
            "en",
            "1,234",
            "ambiguous: is ',' a thousands separator or a decimal mark? Write 1234 or 1,234.00.",
        ),
        ("nl_NL", "1,234.50", "is not a number as you write them; for example 1.234,50."),
        ("en", "1.234,50", "is not a number as you write them; for example 1,234.50."),
        ("nl_NL", "1.23.4", "is not a number as you write them"),
    ],
)
def test_what_could_mean_two_numbers_is_refused(locale: str, typed: str, says: str) -> None:
    with typing_in(locale), pytest.raises(ValidationError) as refused:
        to_decimal(typed, field="amount", label="Amount")
    assert says in str(refused.value)
    assert refused.value.field == "amount"


def test_without_a_typing_locale_the_plain_forms_are_read() -> None:
    # The command line and the services' own callers: "1234.50" or "1234,50".
    assert to_decimal("1234,50", field="a", label="A") == Decimal("1234.50")
    assert to_decimal("1234.50", field="a", label="A") == Decimal("1234.50")
