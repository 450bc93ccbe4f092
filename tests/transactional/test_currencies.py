"""A currency's decimals come from CLDR, never from a number typed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.errors import ValidationError
from transactional.money import to_money
from transactional.organisation import services as org
from transactional.organisation.models import Currency


def test_new_currencies_take_their_decimals_from_cldr(db_url: str) -> None:
    with session_scope(make_engine(db_url)) as s:
        admin = user(s, "admin")
        for code in ("BHD", "CHF", "ISK"):
            org.create_currency(session=s, user=admin, code=code, name=code)
    with session_scope(make_engine(db_url)) as s:
        decimals = dict(s.exec(select(Currency.code, Currency.decimals)).all())
    # ISO 4217 / CLDR: the Bahraini dinar has 3, the franc 2, the Icelandic krona and the
    # yen none (the test company's JPY was made the same way).
    assert (decimals["BHD"], decimals["CHF"], decimals["ISK"], decimals["JPY"]) == (3, 2, 0, 0)
    assert to_money("12.345", decimals["BHD"], currency="BHD", field="a", label="A") == Decimal(
        "12.345"
    )
    with pytest.raises(ValidationError, match="more decimals than ISK allows"):
        to_money("100.5", decimals["ISK"], currency="ISK", field="a", label="A")


def test_an_unknown_currency_code_is_refused(db_url: str) -> None:
    with session_scope(make_engine(db_url)) as s:
        admin = user(s, "admin")
        with pytest.raises(ValidationError, match="XYZ is not an ISO 4217 currency code"):
            org.create_currency(session=s, user=admin, code="XYZ", name="Nothing")
