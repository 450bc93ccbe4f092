"""Excel export of any report table (DataFrame -> .xlsx bytes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
_DATE_FORMAT = "yyyy-mm-dd"


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


def to_xlsx(df: pd.DataFrame, sheet_name: str = "Report", title: str | None = None) -> bytes:
    """The table as an .xlsx workbook: optional title row, bold header, typed cells."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_name[:31] or "Report"
    row = 1
    if title:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=12)
        row = 3
    header_row = row
    for col, name in enumerate(df.columns, start=1):
        ws.cell(row=header_row, column=col, value=str(name)).font = Font(bold=True)
    for values in df.itertuples(index=False, name=None):
        row += 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=_cell(value))  # type: ignore[arg-type]
            if isinstance(cell.value, float | Decimal):
                cell.number_format = _AMOUNT_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = _DATE_FORMAT
    for col, name in enumerate(df.columns, start=1):
        width = max([len(str(name))] + [len(str(v)) for v in df.iloc[:200, col - 1]])
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
