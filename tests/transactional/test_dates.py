"""Dates as users type them (transactional/dates.py): what is read, and what is refused
rather than read as something the user did not mean."""

from __future__ import annotations

from datetime import date

import pytest

from transactional.dates import parse_date
from transactional.errors import ValidationError


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("2027-12-31", date(2027, 12, 31)),
        ("31-12-2027", date(2027, 12, 31)),
        ("31/12/2027", date(2027, 12, 31)),
        ("31.12.2027", date(2027, 12, 31)),
        (" 1-2-2026 ", date(2026, 2, 1)),
        ("1900-01-01", date(1900, 1, 1)),
        (date(2026, 5, 4), date(2026, 5, 4)),
    ],
)
def test_iso_and_day_month_year_are_read(typed: object, read: date) -> None:
    assert parse_date(typed, field="on", label="Date") == read


@pytest.mark.parametrize(
    "typed",
    [
        "31-12-27",  # a short year would be year 27, silently in the past
        "31/12/027",
        "0027-12-31",
        "1899-12-31",
        "31-13-2027",
        "31-02-2026",
        "tomorrow",
        "2027-12",
    ],
)
def test_what_is_not_a_date_is_refused_with_the_formats_to_use(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_date(typed, field="on", label="Expiry date")
    assert str(refused.value) == (
        f"Expiry date '{typed}' is not a date; use YYYY-MM-DD or DD-MM-YYYY."
    )


def test_an_empty_date_is_required() -> None:
    with pytest.raises(ValidationError, match="Expiry date is required."):
        parse_date("  ", field="on", label="Expiry date")
