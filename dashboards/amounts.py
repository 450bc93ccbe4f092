"""How amounts read on screen, in the signed-in user's locale (CLDR, through babel):
``1.234.567,89 €`` in Dutch, ``1 234 567,89 €`` in French, ``€1,234,567.89`` in English;
a minus sign for negatives (never parentheses); the currency's own decimals (JPY none);
percentages and shares as "13,0 %"."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    get_currency_symbol,
)

from dashboards.language import current_locale, language_of

Number = float | int | Decimal

# From this size on a KPI card shows an amount compactly ("1,01 mld."): "1.013.283.123,45"
# does not fit a card and was cut to "1.013.283.1…". The exact amount goes in the tooltip.
COMPACT_FROM = 10_000_000
# Where the currency goes, per language. CLDR puts the euro sign first in Dutch
# ("€ 1.234,50"); our Dutch and Belgian users write it after the amount, as in French.
_CURRENCY_PATTERNS = {"nl": "#,##0.00\u00a0¤", "fr": "#,##0.00\u00a0¤"}
_NUMBER = "#,##0.00"


def _missing(value: Number | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _exact(value: Number) -> Decimal:
    # Round first so a float sum like -0.004 does not print as "-0,00".
    return (
        Decimal(str(round(float(value), 2) + 0.0)) if isinstance(value, float) else Decimal(value)
    )


def _money(value: Decimal, currency: str | None, *, sign: bool = False) -> str:
    locale = current_locale()
    if currency:
        pattern = _CURRENCY_PATTERNS.get(language_of(locale))
        text = format_currency(value, currency, format=pattern, locale=locale)
    else:
        text = format_decimal(value, format=_NUMBER, locale=locale)
    return f"+{text}" if sign and value >= 0 else text


def format_amount(value: Number | None, currency: str | None = None) -> str:
    """``1234.5`` -> ``'1.234,50 €'`` in Dutch (no currency when ``currency`` is None:
    ``'1.234,50'``); NaN -> a dash."""
    if value is None or _missing(value):
        return "–"
    return _money(_exact(value), currency)


def format_change(value: Number | None, currency: str | None = None) -> str | None:
    """A metric delta: signed, or None (no delta shown) when there is nothing to compare."""
    if value is None or _missing(value):
        return None
    return _money(_exact(value), currency, sign=True)


def delta_style(change: Number | None, color: str = "normal") -> dict[str, Any]:
    """``st.metric``'s colour and arrow for a change: none at all when nothing changed (to
    the cent), where a plain metric showed "+0.00" as a green rise or a red worsening."""
    if change is None or _missing(change) or round(float(change), 2) == 0:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": color}


def compact_amount(value: Number | None, currency: str | None = None, *, sign: bool = False) -> str:
    """An amount that fits a KPI card: whole below 10 million, else in millions or billions
    with two decimals (``'1,01 mld. €'``, ``'-12,35 mln. €'``); ``sign`` puts a + on
    positives."""
    if value is None or _missing(value):
        return "–"
    number = _exact(value)
    if abs(number) < COMPACT_FROM:
        return _money(number, currency, sign=sign)
    locale = current_locale()
    text = format_compact_decimal(number, format_type="short", locale=locale, fraction_digits=2)
    if sign and number >= 0:
        text = f"+{text}"
    return f"{text}\u00a0{get_currency_symbol(currency, locale)}" if currency else text


def format_percent(value: Number | None) -> str:
    """A percentage held as 0-100 (``12.5`` -> ``'12,5 %'`` in Dutch); missing -> blank."""
    if value is None or _missing(value):
        return ""
    return format_decimal(float(value), format="#,##0.0", locale=current_locale()) + "\u00a0%"


def format_share(value: Number | None) -> str:
    """A share held as a fraction (``0.13`` -> ``'13,0 %'``); missing -> blank."""
    if value is None or _missing(value):
        return ""
    return format_percent(100 * float(value))


def format_rate(value: Number | None) -> str:
    """An exchange rate: six decimals (``1,171234`` in Dutch); missing -> blank."""
    return format_quantity(value, decimals=6)


def format_number(value: Number | None) -> str:
    """An amount in a table cell: ``-1.234,50`` in Dutch; missing -> blank (not "None")."""
    if value is None or _missing(value):
        return ""
    return format_decimal(_exact(value), format=_NUMBER, locale=current_locale())


def format_quantity(value: Number | None, decimals: int = 0) -> str:
    """A count or quantity: ``1.234`` in Dutch; missing -> blank."""
    if value is None or _missing(value):
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=current_locale())


def format_day(value: Any) -> str:
    """A date in a table: ``5 jan 2026`` in Dutch, ``Jan 5, 2026`` in English (CLDR's
    medium form: no day/month order to misread); missing -> blank."""
    if value is None or value is pd.NaT or (not isinstance(value, date) and pd.isna(value)):
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="medium", locale=current_locale())
