"""Excel export of any report table (DataFrame -> .xlsx bytes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
_DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = '#,##0.0" %"'  # a percentage held as 0-100
SHARE_FORMAT = "0.0%"  # a fraction of one: 0.13 reads 13.0%
RATE_FORMAT = "0.000000"  # an exchange rate, six decimals
# Excel refuses these in a sheet title, and titles longer than 31 characters.
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
_TITLE_LENGTH = 31


def sheet_title(name: str) -> str:
    """``name`` as Excel takes it for a sheet: no ``[]:*?/\\``, at most 31 characters, not
    starting or ending with an apostrophe, never empty.

    A drill-down names its sheet after the figure ("Ledger lines: 8000 Revenue"): openpyxl
    raised on the colon, and the download button produced nothing.
    """
    cleaned = " ".join(_NOT_IN_TITLE.sub(" ", name).split())[:_TITLE_LENGTH].strip().strip("'")
    return cleaned.strip() or "Report"


def _cell(value: object) -> object:
    """A value openpyxl can write: no NaN/NaT, no timezone, plain Python numbers."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, (str, bytes, Decimal)):
        value = value.item()  # numpy scalar
    return value


def to_xlsx(
    df: pd.DataFrame,
    sheet_name: str = "Report",
    title: str | None = None,
    filters: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
) -> bytes:
    """The table as an .xlsx workbook: optional title row, then what the table holds
    (``filters``: divisions, currency, period, page filters, one per row), a blank row,
    the bold header and the typed cells. ``formats`` gives a column (by its name in
    ``df``) an Excel number format other than the amounts' (percentages, shares)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title(sheet_name)
    row = 0
    if title:
        row += 1
        ws.cell(row=row, column=1, value=title).font = Font(bold=True, size=12)
    for name, value in (filters or {}).items():
        row += 1
        ws.cell(row=row, column=1, value=name).font = Font(bold=True)
        ws.cell(row=row, column=2, value=value)
    row = row + 2 if row else 1  # a blank row between the block above and the table
    header_row = row
    for col, name in enumerate(df.columns, start=1):
        ws.cell(row=header_row, column=col, value=str(name)).font = Font(bold=True)
    column_formats = [(formats or {}).get(str(name), _AMOUNT_FORMAT) for name in df.columns]
    for values in df.itertuples(index=False, name=None):
        row += 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=_cell(value))  # type: ignore[arg-type]
            if isinstance(cell.value, float | Decimal):
                cell.number_format = column_formats[col - 1]
            elif isinstance(cell.value, dt.date):
                cell.number_format = _DATE_FORMAT
    for col, name in enumerate(df.columns, start=1):
        width = max([len(str(name))] + [len(str(v)) for v in df.iloc[:200, col - 1]])
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
