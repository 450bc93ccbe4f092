"""Reading consolidation files (docs/consolidation.md section 4): CSV with commas or
semicolons, with or without a byte-order mark, and Excel; typed rows out, refusals that
name the file's row and column."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ingestion.consolidation.files import (
    read_account_mapping,
    read_group_structure,
    read_trial_balance,
)
from transactional.errors import ValidationError


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    # A second sheet is never read: the first one is the file.
    book.create_sheet("Notes").append(["ignored", "sheet"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def balances(rows) -> list[tuple[int, str, Decimal, str | None, str]]:
    return [(r.row, r.account, r.balance, r.counterparty, r.description) for r in rows]


def test_a_comma_csv_with_debit_and_credit_and_a_byte_order_mark() -> None:
    content = (
        "\ufeffAccount,Name,Debit,Credit,Counterparty,Description\r\n"
        '1100,Bank,"1,250.50",,,Main account\r\n'
        "\r\n"  # blank rows are skipped, the numbering keeps the file's rows
        "1350,IC,200,,HOLD,\r\n"
        "0500,Capital,,1450.50,,\r\n"
    ).encode()
    tb = read_trial_balance(content, "us01.csv")
    assert balances(tb.rows) == [
        (2, "1100", Decimal("1250.50"), None, "Main account"),
        (4, "1350", Decimal("200"), "HOLD", ""),
        (5, "0500", Decimal("-1450.50"), None, ""),
    ]
    assert tb.sha256 == hashlib.sha256(content).hexdigest() and tb.file_name == "us01.csv"


def test_a_semicolon_csv_reads_decimal_commas_and_signed_balances() -> None:
    content = b"account;balance\n1100;1.234,56\n4300;(34,56)\n0500;-1200\n"
    assert [(r.account, r.balance) for r in read_trial_balance(content, "x.csv").rows] == [
        ("1100", Decimal("1234.56")),
        ("4300", Decimal("-34.56")),
        ("0500", Decimal("-1200")),
    ]


def test_an_excel_trial_balance_reads_its_first_sheet() -> None:
    content = xlsx(
        [
            ["Account", "Balance", "Counterparty"],
            [1100, 1250.1, None],
            [None, None, None],
            ["1350", 0.2, "HOLD"],
            [500, -1250.3, ""],
        ]
    )
    assert balances(read_trial_balance(content, "tb.xlsx").rows) == [
        (2, "1100", Decimal("1250.1"), None, ""),
        (4, "1350", Decimal("0.2"), "HOLD", ""),
        (5, "500", Decimal("-1250.3"), None, ""),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"account,debit\n1100,12.3x\n",
            "Row 2, column debit: '12.3x' is not an amount; write it like 1234.56.",
        ),
        (
            b"account;balance\n1100;1,234.56\n",
            "Row 2, column balance: '1,234.56' is not an amount; write it like 1234,56.",
        ),
        (
            b"account,debit,credit\n1100,-5,\n",
            "Row 2, column debit: -5 is negative; write a debit in the debit column and a credit "
            "in the credit column.",
        ),
        (b"account,debit\n,5\n", "Row 2, column account: the account code is missing."),
        (
            b"acount,balance\n1100,5\n",
            "The column acount is not one of: account, debit, credit, balance, counterparty, "
            "description.",
        ),
        (
            b"account,balance,debit\n1100,5,5\n",
            "The file has a balance column and debit/credit columns; keep one of the two.",
        ),
        (
            b"account,counterparty\n1100,HOLD\n",
            "The file needs a balance column, or debit and credit columns.",
        ),
        (b"balance\n5\n", "The file has no column account; the header row must name it."),
        (b"account,balance\n1100,5,7\n", "Row 2 has more values than the header row has columns."),
        (b"account,balance\n", "The trial balance has no rows."),
        (b"", "tb.csv is empty."),
        (
            "account,balance\n1100,5\n".encode("utf-16"),
            "tb.csv is not UTF-8 text; save it as CSV UTF-8.",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_row_and_column(content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        read_trial_balance(content, "tb.csv")
    assert str(err.value) == message


def test_other_files_than_csv_and_xlsx_are_refused_with_what_to_do() -> None:
    with pytest.raises(ValidationError) as err:
        read_trial_balance(b"\xd0\xcf\x11\xe0", "tb.xls")
    assert str(err.value) == "tb.xls is an old Excel file (.xls); save it as .xlsx or as CSV."
    with pytest.raises(ValidationError) as err:
        read_trial_balance(b"PK\x03\x04 not really", "tb.xlsx")
    assert "cannot be read as an Excel workbook" in str(err.value)


def test_a_group_structure_from_csv_and_from_excel() -> None:
    csv_content = (
        b"division;name;currency;country;parent;ownership_pct;method;valid_from;"
        b"acquisition_date;investment_cost;investment_account\n"
        b"HOLD;;;;;;;;;;\n"
        b"UK02;Noordwind Retail Ltd;gbp;gb;HOLD;60 %;;2025-01-01;2024-12-31;1.250.000,00;0800\n"
    )
    rows = read_group_structure(csv_content, "group.csv")
    assert rows[0].division == "HOLD" and rows[0].parent is None
    uk = rows[1]
    assert (uk.row, uk.currency, uk.country, uk.ownership_pct, uk.method) == (
        3,
        "GBP",
        "GB",
        Decimal(60),
        "full",
    )
    assert (uk.valid_from, uk.acquisition_date, uk.investment_cost, uk.investment_account) == (
        date(2025, 1, 1),
        date(2024, 12, 31),
        Decimal("1250000.00"),
        "0800",
    )
    excel = xlsx(
        [
            ["Division", "Parent", "Ownership pct", "Method", "Valid from", "Valid to"],
            ["AS01", "HOLD", 30, "Equity", datetime(2025, 3, 1), None],
        ]
    )
    (row,) = read_group_structure(excel, "group.xlsx")
    assert (row.division, row.parent, row.ownership_pct, row.method, row.valid_from) == (
        "AS01",
        "HOLD",
        Decimal(30),
        "equity",
        date(2025, 3, 1),
    )
    assert row.valid_to is None and row.investment_cost == 0
    with pytest.raises(ValidationError) as err:
        read_group_structure(b"division,parent,valid_from\nUK02,HOLD,next year\n", "g.csv")
    assert str(err.value) == (
        "Row 2, column valid_from: 'next year' is not a date; write it like 2025-01-31."
    )


def test_an_account_mapping_with_and_without_division() -> None:
    content = b"division,account,account_name,group_account\n,4300,Rent,G710\nUS01,4410,,G720\n"
    rows = read_account_mapping(content, "map.csv")
    assert [(r.row, r.division, r.account, r.group_account) for r in rows] == [
        (2, None, "4300", "G710"),
        (3, "US01", "4410", "G720"),
    ]
    with pytest.raises(ValidationError) as err:
        read_account_mapping(b"account,group_account\n4300,\n", "map.csv")
    assert str(err.value) == "Row 2, column group_account: the code is missing."
