"""Numbers as a person types them in their own locale.

``1.234,50`` in Dutch, ``1 234,50`` in French (a space, no-break space or dot between
thousands), ``1,234.50`` in English. The dashboards name the locale of the user who types
(:func:`typing_in`) around a service call; ``transactional.money.to_decimal`` then reads
typed text with :func:`canonical`. Input that could mean two numbers is refused rather
than guessed: ``1.234`` in Dutch is 1234 to a Dutchman and 1.234 to anyone used to
English, and a wrong guess posts an amount a thousand times off. A number with only the
other convention's decimal mark that cannot be a thousands separator (``12,5`` in English,
``12.5`` in Dutch) has one meaning and is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from babel.numbers import format_decimal, get_decimal_symbol

from transactional.errors import N_, ValidationError

_TYPING_LOCALE: ContextVar[str | None] = ContextVar("typing_locale", default=None)
_SPACES = " \u00a0\u202f"


@contextmanager
def typing_in(locale: str) -> Iterator[None]:
    """Numbers typed within the block are read in ``locale``'s format."""
    token = _TYPING_LOCALE.set(locale)
    try:
        yield
    finally:
        _TYPING_LOCALE.reset(token)


def typing_locale() -> str | None:
    return _TYPING_LOCALE.get()


def _groups(decimal: str) -> str:
    """The characters accepted between thousands where ``decimal`` is the decimal mark."""
    return "," if decimal == "." else "." + _SPACES


def canonical(text: str, locale: str, *, field: str, label: str) -> str:
    """``text`` typed in ``locale`` as plain ``-1234.50`` (not yet checked to be a number:
    ``Decimal`` does that), or a refusal saying how to write it."""
    value = text.strip()
    decimal = get_decimal_symbol(locale)
    groups = _groups(decimal)
    sign = ""
    if value[:1] in "+-":
        sign, value = value[:1].replace("+", ""), value[1:].strip()
    whole, _, fraction = value.partition(decimal)
    example = format_decimal(1234.5, format="#,##0.00", locale=locale)
    if decimal in fraction or any(c in fraction for c in groups):
        raise ValidationError(
            N_("{label}: '{value}' is not a number as you write them; for example {example}."),
            field=field,
            label=label,
            value=text.strip(),
            example=example,
        )
    other = "," if decimal == "." else "."
    head, mark, tail = whole.partition(other)
    if (
        mark
        and not fraction
        and head.isdigit()
        and tail.isdigit()
        and len(tail) != 3
        and other not in tail
    ):
        # "12,5" to an English reader, "12.5" to a Dutch one: the other convention's
        # decimal mark, and no thousands separator (not three digits after it): one
        # meaning only, so it is read as such.
        return f"{sign}{head}.{tail}"
    used = {c for c in whole if c in groups}
    if used:
        separator = used.pop()
        grouped = re.fullmatch(rf"\d{{1,3}}(?:[{re.escape(groups)}]\d{{3}})+", whole)
        if used or grouped is None:
            raise ValidationError(
                N_("{label}: '{value}' is not a number as you write them; for example {example}."),
                field=field,
                label=label,
                value=text.strip(),
                example=example,
            )
        if not fraction and separator in ".,":
            # "1.234" (Dutch) or "1,234" (English): thousands, or a decimal mark typed
            # the other way round? Only a decimal part settles it.
            plain = whole.replace(separator, "")
            raise ValidationError(
                N_(
                    "{label}: '{value}' is ambiguous: is '{separator}' a thousands separator "
                    "or a decimal mark? Write {plain} or {with_decimals}."
                ),
                field=field,
                label=label,
                value=text.strip(),
                separator=separator,
                plain=plain,
                with_decimals=f"{whole}{decimal}00",
            )
        whole = re.sub(rf"[{re.escape(groups)}]", "", whole)
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"
