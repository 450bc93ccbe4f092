"""How amounts read on screen: thousands separators, two decimals, the currency code."""

from __future__ import annotations

import math


def format_amount(value: float | int | None, currency: str | None = None) -> str:
    """``1234.5`` -> ``'1,234.50 EUR'`` (no code when ``currency`` is None); NaN -> a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    # Round first so a float sum like -0.004 does not print as "-0.00".
    rounded = round(float(value), 2) + 0.0
    return f"{rounded:,.2f}" + (f" {currency}" if currency else "")


def format_change(value: float | int | None, currency: str | None = None) -> str | None:
    """A metric delta: signed, or None (no delta shown) when there is nothing to compare."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    rounded = round(float(value), 2) + 0.0
    return f"{rounded:+,.2f}" + (f" {currency}" if currency else "")
