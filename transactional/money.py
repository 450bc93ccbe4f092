"""Exact decimal storage and rounding for money, rates and quantities.

PostgreSQL stores NUMERIC. SQLite has no exact decimal type (NUMERIC columns become
floating point), so there the value is stored as a scaled 64-bit integer: SUM() stays
exact and no float ever enters a money path. Python always sees ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_SCALE = 4
RATE_SCALE = 8


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) on real databases, scaled BIGINT on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 19, scale: int = MONEY_SCALE) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._factor = Decimal(10) ** scale
        self._quantum = Decimal(1).scaleb(-scale)

    def __repr__(self) -> str:
        # Alembic renders column types with repr(): keep precision and scale in migrations.
        return f"ExactDecimal({self.precision}, {self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not accepted in money or rate columns; use Decimal")
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        if dialect.name == "sqlite":
            return int(exact * self._factor)
        return exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)


class Money(ExactDecimal):
    """Money column type: 4 decimals kept, amounts rounded per currency by the services."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(19, MONEY_SCALE)


class Rate(ExactDecimal):
    """Exchange-rate, quantity and percentage column type (8 decimals)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(19, RATE_SCALE)


def to_decimal(value: Any, *, field: str, label: str) -> Decimal:
    """Parse what a user typed into a Decimal, or raise a clerk-readable error.

    Text is read in the typing user's locale when the caller named one
    (``transactional.typed_numbers.typing_in``), else as plain ``1234.50``/``1234,50``.
    """
    from transactional.errors import N_, ValidationError
    from transactional.typed_numbers import canonical, typing_locale

    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(N_("{label} is required."), field=field, label=label)
    if isinstance(value, float):
        # Floats reach us only from careless callers; their repr is what the user meant.
        value = repr(value)
    if isinstance(value, str):
        locale = typing_locale()
        if locale is not None:
            # Typed by a signed-in user in their own format ("1.234,50" in Dutch).
            value = canonical(value, locale, field=field, label=label)
        else:
            value = value.strip().replace(" ", "")
            # Accept a decimal comma as typed in the Benelux ("1234,50"), not thousands commas.
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            N_("{label} must be a number, not '{value}'."), field=field, label=label, value=value
        ) from None
    if not result.is_finite():
        raise ValidationError(
            N_("{label} must be a number, not '{value}'."), field=field, label=label, value=value
        )
    return result


def round_money(amount: Decimal, decimals: int) -> Decimal:
    """Round half-up to the currency's number of decimals (2 for EUR, 0 for JPY...).

    For COMPUTED amounts only (quantity x price, currency conversion, shares of a total).
    An amount a user or caller typed goes through ``exact_money``/``to_money`` instead.
    """
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def exact_money(
    amount: Decimal, decimals: int, *, currency: str, field: str, label: str
) -> Decimal:
    """An INPUT amount in the currency's decimals, or a refusal naming the field.

    Rounding what someone typed would post a different figure than the one they meant
    (100.123 EUR silently became 100.12), so more decimals than the currency has are
    refused; trailing zeros ("100.120") are fine.
    """
    from transactional.errors import N_, ValidationError

    rounded = round_money(amount, decimals)
    if rounded != amount:
        raise ValidationError(
            N_("{label}: {amount} has more decimals than {currency} allows ({decimals})."),
            field=field,
            label=label,
            amount=format(amount, "f"),
            currency=currency,
            decimals=decimals,
        )
    return rounded


def to_money(value: Any, decimals: int, *, currency: str, field: str, label: str) -> Decimal:
    """Parse a typed amount (``to_decimal``) and refuse more decimals than its currency has."""
    amount = to_decimal(value, field=field, label=label)
    return exact_money(amount, decimals, currency=currency, field=field, label=label)
