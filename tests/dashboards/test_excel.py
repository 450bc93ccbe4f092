"""The Excel export: what goes in comes back out of the workbook, typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pandas as pd
from openpyxl import load_workbook

from dashboards.excel import to_xlsx


def _rows(data: bytes) -> list[tuple[object, ...]]:
    ws = load_workbook(BytesIO(data)).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def test_table_round_trips_with_header_and_types() -> None:
    df = pd.DataFrame(
        {
            "account_code": ["8000", "4300"],
            "amount": [1234.5, -99.99],
            "entry_date": pd.to_datetime(["2025-03-01", "2025-03-31"]),
            "lines": [3, 1],
        }
    )
    rows = _rows(to_xlsx(df, sheet_name="P&L"))
    assert rows[0] == ("account_code", "amount", "entry_date", "lines")
    assert rows[1] == ("8000", 1234.5, dt.datetime(2025, 3, 1), 3)
    assert rows[2] == ("4300", -99.99, dt.datetime(2025, 3, 31), 1)
    ws = load_workbook(BytesIO(to_xlsx(df))).active
    assert ws is not None
    assert ws["B2"].number_format == "#,##0.00;-#,##0.00"


def test_title_row_missing_values_timezones_and_decimals() -> None:
    df = pd.DataFrame(
        {
            "relation": ["Acme", "Beta"],
            "open": [Decimal("10.05"), float("nan")],
            "as_of": [pd.Timestamp("2025-12-31T10:00", tz="UTC"), pd.NaT],
        }
    )
    rows = _rows(to_xlsx(df, sheet_name="a" * 40, title="Open receivables"))
    assert rows[0][0] == "Open receivables"
    assert rows[2] == ("relation", "open", "as_of")
    assert rows[3] == ("Acme", 10.05, dt.datetime(2025, 12, 31, 10, 0))
    assert rows[4] == ("Beta", None, None)
    assert load_workbook(BytesIO(to_xlsx(df, sheet_name="a" * 40))).active.title == "a" * 31  # type: ignore[union-attr]


def test_empty_table_still_has_its_header() -> None:
    rows = _rows(to_xlsx(pd.DataFrame(columns=["document_number", "amount"])))
    assert rows == [("document_number", "amount")]


def test_sheet_titles_excel_refuses_are_cleaned() -> None:
    """A drill-down names its sheet after the figure: the colon made openpyxl raise and
    the download button give nothing (issue 13)."""
    df = pd.DataFrame({"amount": [1.0]})
    for name, expected in [
        ("Ledger lines: 8000 Revenue goods", "Ledger lines 8000 Revenue goods"),
        ("Budget vs actual: 4300 Rent [HQ]", "Budget vs actual 4300 Rent HQ"),
        ("a/b\\c*d?e", "a b c d e"),
        ("'quoted'", "quoted"),
        (":::", "Report"),
        ("Sales documents: I0001 · Widget 300 mm (class A)", "Sales documents I0001 · Widget"),
    ]:
        book = load_workbook(BytesIO(to_xlsx(df, sheet_name=name, title=name)))
        assert book.active is not None
        assert book.active.title == expected, name
        assert len(book.active.title) <= 31
        assert book.active["A1"].value == name  # the title row keeps the whole name


def test_the_workbook_says_what_it_holds() -> None:
    df = pd.DataFrame({"account": ["8000"], "share": [0.125], "on_time_pct": [87.5]})
    data = to_xlsx(
        df,
        title="P&L by account",
        filters={"Divisions": "HOLD, NL01", "Currency": "EUR", "Through period": "10"},
        formats={"share": "0.0%", "on_time_pct": '#,##0.0" %"'},
    )
    rows = _rows(data)
    assert rows[0][0] == "P&L by account"
    assert rows[1][:2] == ("Divisions", "HOLD, NL01")
    assert rows[2][:2] == ("Currency", "EUR")
    assert rows[3][:2] == ("Through period", "10")
    assert rows[4] == (None, None, None)
    assert rows[5] == ("account", "share", "on_time_pct")
    assert rows[6] == ("8000", 0.125, 87.5)
    ws = load_workbook(BytesIO(data)).active
    assert ws is not None
    assert (ws["B7"].number_format, ws["C7"].number_format) == ("0.0%", '#,##0.0" %"')
    assert ws.freeze_panes == "A7"
