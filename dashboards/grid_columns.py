"""Column set-ups for the report tables (st.dataframe) and the clerk forms' line grids
(st.data_editor): one home for how a column of amounts, percentages or shares reads.

The screen formats here and the Styler / Excel formats in :mod:`dashboards.report_table`
say the same: thousands separators, two decimals, a minus sign (never parentheses).
Amounts and quantities the clerk types are text cells (:func:`typed_amount_column`), read
in the user's own format by ``transactional.typed_numbers``; their help shows that format.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import streamlit as st

from dashboards import amounts
from dashboards.language import _
from transactional.reads.master_data import Choice

Kind = Literal["amount", "percent", "share", "rate", "date", "other"]


def column_kind(name: str, values: pd.Series) -> Kind:
    """What a report column holds, by its name and type.

    ``*_pct`` columns are percentages held as 0-100, ``share`` / ``share_*`` / ``*_share``
    columns are fractions of one (0.13 reads "13.0 %"), ``rate`` / ``*_rate`` columns are
    exchange rates (six decimals: the warehouse keeps eight, two would hide the rate);
    other decimal numbers are amounts. A query naming money "share" or "rate" renames it. Whole
    numbers (counts, years, period numbers) are left as they are.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if not pd.api.types.is_float_dtype(values):
        return "other"
    if name == "pct" or name.endswith("_pct"):
        return "percent"
    if name == "share" or name.startswith("share_") or name.endswith("_share"):
        return "share"
    if name == "rate" or name.endswith("_rate"):
        return "rate"
    return "amount"


def amount_column(label: str, **kwargs: Any) -> Any:
    """Amounts: ``-1,234.50`` (the browser adds the thousands separators)."""
    return st.column_config.NumberColumn(label, format="localized", step=0.01, **kwargs)


def percent_column(label: str, **kwargs: Any) -> Any:
    """A percentage held as 0-100: ``12.5 %``."""
    return st.column_config.NumberColumn(label, format="%.1f %%", **kwargs)


def share_column(label: str, **kwargs: Any) -> Any:
    """A share held as a fraction: 0.13 reads ``13.0%``."""
    return st.column_config.NumberColumn(label, format="percent", step=0.001, **kwargs)


def amount_help() -> str:
    """How the user writes an amount (``1.234,50`` in Dutch), for a field's help."""
    return _("Amounts as you write them: {example}", example=amounts.format_number(1234.5))


def quantity_help() -> str:
    """How the user writes a quantity (``2,5`` in Dutch), for a field's help."""
    return _(
        "Quantities as you write them: {example}",
        example=amounts.format_quantity(2.5, decimals=1),
    )


def typed_amount_column(label: str, **kwargs: Any) -> Any:
    """A text cell for an amount the clerk types in their own format."""
    return st.column_config.TextColumn(label, help=amount_help(), **kwargs)


def typed_quantity_column(label: str, **kwargs: Any) -> Any:
    """A text cell for a quantity the clerk types in their own format."""
    return st.column_config.TextColumn(label, help=quantity_help(), **kwargs)


def options(choices: list[Choice]) -> tuple[list[str], dict[str, str]]:
    """Codes (what the services take) and their labels (what the clerk reads)."""
    return [c.code for c in choices], {c.code: c.label for c in choices}


def pick_column(label: str, choices: list[Choice], **kwargs: Any) -> Any:
    """A dropdown column holding codes and showing labels."""
    codes, labels = options(choices)
    return st.column_config.SelectboxColumn(
        label, options=codes, format_func=lambda c: labels.get(str(c), str(c)), **kwargs
    )


def blank_grid(
    columns: tuple[str, ...], rows: int, defaults: dict[str, str] | None = None
) -> pd.DataFrame:
    """An empty grid of text cells (amounts stay text until the service parses them)."""
    defaults = defaults or {}
    return pd.DataFrame({c: pd.Series([defaults.get(c)] * rows, dtype="object") for c in columns})
