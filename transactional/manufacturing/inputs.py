"""What the manufacturing master-data services accept as quantities, hours, percentages
and rates, and the division they act in: one set of messages for every service.

Quantities and hours keep up to 8 decimals (the ``Rate`` columns); more is refused, never
rounded. Rates and prices are money in the division's currency, refused with more
decimals than it has.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import RATE_SCALE, exact_money, to_decimal
from transactional.organisation import rights
from transactional.organisation.models import Division, User

ACTION = "manage_items"


def managed_division(
    *, session: Session, user: User, division: str | int
) -> tuple[Lookups, Division]:
    """The division, after the user's right to maintain its items and BOMs."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, ACTION, div.id)
    return lookups, div


def quantity(
    value: object, *, field: str, label: str, above_zero: bool = False, where: str = ""
) -> Decimal:
    """A quantity, hours or a percentage: not negative (above zero when asked), at most
    8 decimals. ``where`` ("Line 2: ") leads the message."""
    number = to_decimal(value, field=field, label=label)
    if above_zero and number <= 0:
        raise ValidationError(
            N_("{where}{label} must be above zero."), field=field, where=where, label=label
        )
    if number < 0:
        raise ValidationError(
            N_("{where}{label} cannot be negative."), field=field, where=where, label=label
        )
    if number != number.quantize(Decimal(1).scaleb(-RATE_SCALE)):
        raise ValidationError(
            N_("{where}{label} has more than 8 decimals."), field=field, where=where, label=label
        )
    return number


def percentage(value: object, *, field: str, label: str, where: str = "") -> Decimal:
    """A percentage from 0 to 100 (10 for 10 %)."""
    number = quantity(value, field=field, label=label, where=where)
    if number > 100:
        raise ValidationError(
            N_("{where}{label} must be between 0 and 100."), field=field, where=where, label=label
        )
    return number


def money(
    value: object, lookups: Lookups, division: Division, *, field: str, label: str, where: str = ""
) -> Decimal:
    """A rate or price: not negative, in the division currency's decimals."""
    amount = to_decimal(value, field=field, label=label)
    if amount < 0:
        raise ValidationError(
            N_("{where}{label} cannot be negative."), field=field, where=where, label=label
        )
    decimals = lookups.currency(division.currency_code).decimals
    return exact_money(
        amount, decimals, currency=division.currency_code, field=field, label=f"{where}{label}"
    )


def whole_days(value: object, *, field: str, label: str) -> int:
    """A whole number of days, not negative."""
    number = to_decimal(value, field=field, label=label)
    if number < 0 or number != number.to_integral_value():
        raise ValidationError(
            N_("{label} must be a whole number of days, not negative."), field=field, label=label
        )
    return int(number)
