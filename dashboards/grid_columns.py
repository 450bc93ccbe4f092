"""Column set-ups for the clerk forms' line grids (st.data_editor)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards.master_data import Choice


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
