"""The checks of one cell of a manufacturing file (docs/manufacturing.md §7.1): a value
required, a code's length, one of a list, quantities, percentages, money and whole
numbers, each with the business limits of its kind.

The reader (``ingestion.manufacturing.files``) has already turned the text into a number
or a date; these checks refuse what the business does not accept, naming the file's row
and column and quoting the value. A check returns the value to use: None for a cell left
empty, which keeps the record's current value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from transactional.errors import N_, ValidationError

RATE_DECIMALS = 8  # quantities, hours and percentages are stored with 8 decimals


@dataclass(frozen=True)
class Currency:
    """The division's currency: a money cell has no more decimals than it has."""

    code: str
    decimals: int


def at(row: int, column: str) -> dict[str, Any]:
    """Where a refusal of a cell points: the row and column it names, the column as its
    field (the form field it shows beside)."""
    return {"field": column, "row": row, "column": column}


def required(row: int, column: str, value: object) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(
            N_("Row {row}, column {column}: a value is required."), **at(row, column)
        )


def code(row: int, column: str, value: str, length: int) -> str:
    required(row, column, value)
    text = value.strip()
    if len(text) > length:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is longer than {length} characters."),
            **at(row, column),
            value=text,
            length=length,
        )
    return text


def one_of(row: int, column: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not one of: {allowed}."),
            **at(row, column),
            value=value,
            allowed=", ".join(allowed),
        )


def quantity(
    row: int, column: str, value: Decimal | None, *, above_zero: bool = False
) -> Decimal | None:
    """A quantity, hours or percentage: not negative (above zero where asked), at most 8
    decimals."""
    if value is None:
        return None
    _sign(row, column, value, show(value), above_zero=above_zero)
    if value != value.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        raise ValidationError(
            N_("Row {row}, column {column}: {value} has more than 8 decimals."),
            **at(row, column),
            value=show(value),
        )
    return value


def percentage(row: int, column: str, value: Decimal | None) -> None:
    quantity(row, column, value)
    if value is not None and value > 100:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} is above 100 (percent)."),
            **at(row, column),
            value=show(value),
        )


def money(row: int, column: str, value: Decimal | None, currency: Currency) -> Decimal | None:
    """A rate, price or cost in the division's currency: not negative, and with no more
    decimals than the currency has (never rounded)."""
    if value is None:
        return None
    _sign(row, column, value, show(value), above_zero=False)
    if value != value.quantize(Decimal(1).scaleb(-currency.decimals)):
        raise ValidationError(
            N_(
                "Row {row}, column {column}: {value} has more decimals than {currency} has "
                "({decimals}); amounts are not rounded."
            ),
            **at(row, column),
            value=show(value),
            currency=currency.code,
            decimals=currency.decimals,
        )
    return value


def whole(row: int, column: str, value: int | None, *, above_zero: bool = False) -> None:
    """A whole number (days, a sequence): not negative, or above zero where asked."""
    if value is not None:
        # The message quotes the number itself, as the file's reader made it.
        _sign(row, column, value, value, above_zero=above_zero)


def show(value: object) -> str:
    """A value as a message or a plan quotes it: ``2.5`` not ``2.50``, ``(none)`` for
    nothing."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if value is None or value == "":
        return "(none)"
    return str(value)


def _sign(row: int, column: str, value: Decimal | int, shown: object, *, above_zero: bool) -> None:
    if above_zero and value <= 0:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} must be above zero."),
            **at(row, column),
            value=shown,
        )
    if value < 0:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} cannot be negative."),
            **at(row, column),
            value=shown,
        )
