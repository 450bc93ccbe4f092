"""How amounts read on screen: thousands separators, two decimals, a minus sign for negatives
(never parentheses), the currency code; percentages and shares as "13.0 %"."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

Number = float | int | Decimal

# From this size on a KPI card shows an amount compactly ("1.01 bn"): "1,013,283,123.45"
# does not fit a card and was cut to "1,013,283,1…". The exact amount goes in the tooltip.
COMPACT_FROM = 10_000_000


def _missing(value: Number | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_amount(value: Number | None, currency: str | None = None) -> str:
    """``1234.5`` -> ``'1,234.50 EUR'`` (no code when ``currency`` is None); NaN -> a dash."""
    if value is None or _missing(value):
        return "–"
    # Round first so a float sum like -0.004 does not print as "-0.00".
    rounded = round(float(value), 2) + 0.0
    return f"{rounded:,.2f}" + (f" {currency}" if currency else "")


def format_change(value: Number | None, currency: str | None = None) -> str | None:
    """A metric delta: signed, or None (no delta shown) when there is nothing to compare."""
    if value is None or _missing(value):
        return None
    rounded = round(float(value), 2) + 0.0
    return f"{rounded:+,.2f}" + (f" {currency}" if currency else "")


def delta_style(change: Number | None, color: str = "normal") -> dict[str, Any]:
    """``st.metric``'s colour and arrow for a change: none at all when nothing changed (to
    the cent), where a plain metric showed "+0.00" as a green rise or a red worsening."""
    if change is None or _missing(change) or round(float(change), 2) == 0:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": color}


def compact_amount(value: Number | None, currency: str | None = None, *, sign: bool = False) -> str:
    """An amount that fits a KPI card: whole below 10 million, else in millions or billions
    with two decimals (``'1.01 bn'``, ``'-12.35 M'``); ``sign`` puts a + on positives."""
    if value is None or _missing(value):
        return "–"
    number = round(float(value), 2) + 0.0
    size = abs(number)
    if size < COMPACT_FROM:
        text = f"{number:+,.2f}" if sign else f"{number:,.2f}"
    else:
        scaled, unit = (number / 1e9, "bn") if size >= 1e9 else (number / 1e6, "M")
        text = (f"{scaled:+,.2f}" if sign else f"{scaled:,.2f}") + f" {unit}"
    return text + (f" {currency}" if currency else "")


def format_percent(value: Number | None) -> str:
    """A percentage held as 0-100 (``12.5`` -> ``'12.5 %'``); missing -> blank."""
    if value is None or _missing(value):
        return ""
    return f"{float(value):,.1f} %"


def format_share(value: Number | None) -> str:
    """A share held as a fraction (``0.13`` -> ``'13.0 %'``); missing -> blank."""
    if value is None or _missing(value):
        return ""
    return format_percent(100 * float(value))


def format_number(value: Number | None) -> str:
    """An amount in a table cell: ``-1,234.50``; missing -> blank (not "None")."""
    if value is None or _missing(value):
        return ""
    return f"{round(float(value), 2) + 0.0:,.2f}"
