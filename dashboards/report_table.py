"""A report table on screen with its Excel download right under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.excel import XLSX_MIME, to_xlsx


def heading(column: str, labels: dict[str, str]) -> str:
    """What a column is called on screen and in the workbook."""
    return labels.get(column, column.replace("_", " ").capitalize())


def _column(values: pd.Series, label: str) -> Any:
    if pd.api.types.is_float_dtype(values):
        return st.column_config.NumberColumn(label, format="accounting")
    if pd.api.types.is_datetime64_any_dtype(values):
        return st.column_config.DateColumn(label, format="YYYY-MM-DD")
    return label


def report_table(
    df: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    title: str,
    labels: dict[str, str] | None = None,
    on_select: Callable[[], None] | None = None,
    hide: tuple[str, ...] = (),
    style: Callable[[pd.DataFrame], Any] | None = None,
    download: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """Show ``df`` and a download button for it as an .xlsx file.

    With ``on_select`` one row can be picked; the callback reads ``st.session_state[key]``.
    Columns in ``hide`` are not shown (they stay in the download). ``style`` turns the
    shown columns into a pandas Styler (colours, number formats) for the screen only.
    ``download`` gives the rows for the Excel file when they are more than ``df`` shows
    (a long list cut on screen); it runs only when the button is clicked.
    """
    labels = labels or {}
    shown = [c for c in df.columns if c not in hide]
    if style is None:
        config = {str(c): _column(df[c], heading(str(c), labels)) for c in df.columns}
        table: Any = df[shown]
    else:  # the Styler formats the numbers: the columns only need their headings
        config = {str(c): heading(str(c), labels) for c in shown}
        table = style(df[shown])
    options: dict[str, Any] = {"hide_index": True, "column_config": config, "key": key}
    if on_select is None:
        st.dataframe(table, **options)
    else:
        st.dataframe(table, on_select=on_select, selection_mode="single-row", **options)

    def workbook() -> bytes:
        rows = df if download is None else download()
        named = rows.rename(columns={c: heading(str(c), labels) for c in rows.columns})
        return to_xlsx(named, sheet_name=title[:31], title=title)

    st.download_button(
        "Download as Excel",
        # Deferred: the workbook is only built when someone clicks.
        data=workbook,
        file_name=f"{file_name}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )
