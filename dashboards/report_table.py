"""A report table on screen with its Excel download right under it.

One home for how every report table reads: headings, amounts with thousands separators
and a minus sign, percentages and shares as "13.0 %", blank (not "None") for missing
values, coded values as labels, the previous year's columns only when there is a previous
year, and a workbook that says what it holds (divisions, currency, period, filters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import amounts, sidebar, signed_in, statement_terms
from dashboards.excel import PERCENT_FORMAT, RATE_FORMAT, SHARE_FORMAT, XLSX_MIME, to_xlsx
from dashboards.grid_columns import column_kind
from dashboards.language import N_, _, current_locale, use_locale
from dashboards.selection import Selection, describe

_SCREEN_FORMATS = {
    "amount": amounts.format_number,
    "percent": amounts.format_percent,
    "share": amounts.format_share,
    "rate": amounts.format_rate,
    "date": amounts.format_day,
}
_EXCEL_FORMATS = {"percent": PERCENT_FORMAT, "share": SHARE_FORMAT, "rate": RATE_FORMAT}


# Headings of columns many tables share, for the tables whose page names only its own:
# without them a heading was the column's English name ("Fiscal year") in every language.
COMMON_HEADINGS = {
    "account_id": N_("Account id"),
    "bucket_order": N_("Bucket order"),
    "change": N_("Change"),
    "change_pct": N_("Change %"),
    "currency_code": N_("Currency"),
    "days_overdue": N_("Days overdue"),
    "description": N_("Description"),
    "division_code": N_("Division"),
    "due_date": N_("Due date"),
    "entry_date": N_("Date"),
    "fiscal_year": N_("Fiscal year"),
    "invoice_date": N_("Invoice date"),
    "invoices": N_("Invoices"),
    "last_year": N_("Last year"),
    "period_end": N_("Period end"),
    "period_number": N_("Period"),
    "side": N_("Side"),
    "this_year": N_("This year"),
}


def heading(column: str, labels: dict[str, str]) -> str:
    """What a column is called on screen and in the workbook, in the user's language."""
    if column in labels:
        return labels[column]
    if column in COMMON_HEADINGS:
        return _(COMMON_HEADINGS[column])
    return column.replace("_", " ").capitalize()


def is_previous_year_column(column: str) -> bool:
    """A column of the previous year, or of the change against it."""
    return column in ("last_year", "change", "change_pct") or column.endswith("_last_year")


def _numbers_as_floats(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of Decimals (a mart's decimal type; None where empty) as floats, so they
    are formatted as numbers and their empty cells read blank instead of "None"."""
    converted = {}
    for column in df.columns:
        values = df[column]
        if values.dtype != object:
            continue
        present = values.dropna()
        if len(present) and all(
            isinstance(v, Decimal | int | float) and not isinstance(v, bool) for v in present
        ):
            converted[column] = pd.to_numeric(values, errors="coerce").astype(float)
    return df.assign(**converted) if converted else df


def prepare(
    df: pd.DataFrame,
    *,
    values: Mapping[str, Mapping[str, str]] | None = None,
    previous_year: bool = True,
) -> pd.DataFrame:
    """The rows as they are shown and downloaded: coded values as their labels, numbers as
    numbers, and without the previous year's columns when there is no previous year."""
    df = _numbers_as_floats(df)
    if not previous_year:
        df = df.drop(columns=[c for c in df.columns if is_previous_year_column(str(c))])
    # The statements' fixed words (sections, buckets) in the user's language; a page's own
    # ``values`` for a column win.
    for column, labels in {**statement_terms.column_values(), **(values or {})}.items():
        if column in df.columns:
            df = df.assign(**{column: df[column].map(lambda v, m=labels: m.get(v, v))})
    return df


def screen_style(styler: Any, df: pd.DataFrame) -> Any:
    """A pandas Styler (the page's colours) given the same number formats as the table's
    column set-up, and blank for missing values."""
    for column in df.columns:
        kind = column_kind(str(column), df[column])
        if kind in _SCREEN_FORMATS:
            styler = styler.format(_SCREEN_FORMATS[kind], subset=[column])
    texts = [
        c
        for c in df.columns
        if not pd.api.types.is_numeric_dtype(df[c]) and column_kind(str(c), df[c]) == "other"
    ]
    return styler.format(_text, subset=texts) if texts else styler


def _plain(df: pd.DataFrame) -> Any:
    return df.style


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def workbook_header(
    selection: Selection | None, filters: Mapping[str, str | None]
) -> dict[str, str]:
    """What a download holds: the selection's divisions, currency and period, then the
    page's own filters (a filter named like a selection line replaces it; None drops it)."""
    header: dict[str, str | None] = {}
    if selection is not None:
        codes: Mapping[int, str] = st.session_state.get(sidebar.DIVISION_CODES) or {}
        # The codes are the divisions the user sees: "all" of them is the group only for
        # a user who sees the whole group.
        user = signed_in.scope()
        header.update(describe(selection, codes, whole_group=user is None or user.whole_group))
    header.update(filters)
    return {k: v for k, v in header.items() if v is not None}


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
    values: Mapping[str, Mapping[str, str]] | None = None,
    previous_year: bool = True,
    selection: Selection | None = None,
    filters: Mapping[str, str | None] | None = None,
    widths: Mapping[str, str] | None = None,
) -> None:
    """Show ``df`` and a download button for it as an .xlsx file.

    With ``on_select`` one row can be picked; the callback reads ``st.session_state[key]``
    (rows keep their order, so a row number still finds its key). Columns in ``hide`` are
    not shown (they stay in the download). ``style`` turns the shown columns into a pandas
    Styler for colours; the numbers are formatted here. ``download`` gives the rows for the
    Excel file when they are more than ``df`` shows (a long list cut on screen); it runs
    only when the button is clicked. ``values`` shows coded values by their labels
    (``{"side": {"assets": "Assets"}}``); ``previous_year=False`` leaves out the previous
    year's columns (the selection has no previous year: they would be zeros).

    The workbook starts with what it holds: ``selection`` (default: the sidebar's) and the
    page's ``filters``. ``widths`` widens a column on screen (``{"supplier_name": "medium"}``)
    whose texts would be cut.
    """
    labels = labels or {}
    df = prepare(df, values=values, previous_year=previous_year)
    shown = [c for c in df.columns if c not in hide]
    # Always a Styler: it shows the numbers in the user's locale (1.234,50) while the
    # column keeps its numbers, so it still sorts as numbers; ``style`` adds colours.
    config: dict[str, Any] = {str(c): heading(str(c), labels) for c in shown}
    for column, width in (widths or {}).items():
        if column in config:
            config[column] = st.column_config.Column(config[column], width=width)  # type: ignore[arg-type]
    table: Any = screen_style((style or _plain)(df[shown]), df[shown])
    options: dict[str, Any] = {
        "hide_index": True,
        "column_config": config,
        "key": key,
        "placeholder": "",
    }
    if on_select is None:
        st.dataframe(table, **options)
    else:
        st.dataframe(table, on_select=on_select, selection_mode="single-row", **options)

    if selection is None:
        selection = st.session_state.get(sidebar.SELECTION)
    header = workbook_header(selection, filters or {})

    # Streamlit calls the workbook when the browser asks for it, outside this run and its
    # signed-in session: it is built in the locale the page was shown in.
    locale = current_locale()

    def workbook() -> bytes:
        with use_locale(locale):
            rows = df
            if download is not None:
                rows = prepare(download(), values=values, previous_year=previous_year)
            named = rows.rename(columns={c: heading(str(c), labels) for c in rows.columns})
            formats = {
                heading(str(c), labels): _EXCEL_FORMATS[kind]
                for c in rows.columns
                if (kind := column_kind(str(c), rows[c])) in _EXCEL_FORMATS
            }
            return to_xlsx(named, sheet_name=title, title=title, filters=header, formats=formats)

    st.download_button(
        _("Download as Excel"),
        # Deferred: the workbook is only built when someone clicks.
        data=workbook,
        file_name=f"{file_name}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )
