"""Reading the files a manufacturer brings (docs/manufacturing.md §7): CSV with semicolons
and decimal commas or commas and decimal points, Excel's first sheet, the example files of
docs/examples/manufacturing; typed rows out, refusals that name the row and column."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from ingestion.manufacturing.files import (
    READERS,
    read_boms,
    read_items,
    read_opening_stock,
    read_routings,
    read_sales_plan,
    read_work_centres,
)
from ingestion.table_files import read_path
from transactional.errors import ValidationError
from transactional.manufacturing.master_data_load import (
    BomRow,
    ItemRow,
    RoutingRow,
    SalesPlanRow,
    WorkCentreRow,
)
from transactional.manufacturing.opening_stock_load import OpeningStockRow

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "manufacturing"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(["never", "read"])  # only the first sheet counts
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_work_centres_with_semicolons_and_decimal_commas() -> None:
    content = (
        "\ufeffCode;Name;Labour rate;Machine-rate;efficiency_pct;hours_per_week\r\n"
        "WELD;Welding robot;1.035,50;60;90 %;120\r\n"
        "\r\n"  # skipped; the numbering keeps the file's rows
        "ASSY;Assembly;42,5;;;\r\n"
    ).encode()
    assert read_work_centres(content, "wc.csv") == [
        WorkCentreRow(2, "WELD", "Welding robot", D("1035.50"), D("60"), D("90"), D("120")),
        WorkCentreRow(4, "ASSY", "Assembly", D("42.5"), None, None, None),
    ]


def test_items_with_commas_and_decimal_points() -> None:
    content = (
        b"code,name,supply,unit,cost_method,standard_cost,purchase_price,lead_time_days,"
        b"minimum_quantity,supplier\n"
        b'FRAME,Frame,Make,pcs,Standard,"1,120.00",,3,10,\n'
        b"TUBE,Tube,buy,m,,,7.80,10,50.5,S1\n"
    )
    assert read_items(content, "items.csv") == [
        ItemRow(
            row=2,
            code="FRAME",
            name="Frame",
            supply="make",
            unit="pcs",
            cost_method="standard",
            standard_cost=D("1120.00"),
            lead_time_days=3,
            minimum_quantity=D("10"),
        ),
        ItemRow(
            row=3,
            code="TUBE",
            name="Tube",
            supply="buy",
            unit="m",
            purchase_price=D("7.80"),
            lead_time_days=10,
            minimum_quantity=D("50.5"),
            supplier="S1",
        ),
    ]


def test_boms_from_excel_with_dates_flags_and_numbers_as_excel_keeps_them() -> None:
    content = xlsx(
        [
            ["Item", "Version", "Component", "Quantity", "Scrap pct", "valid_from", "is_default"],
            ["BIKE", 1, "FRAME", 1, None, datetime(2026, 1, 1), "yes"],
            [None, None, None, None, None, None, None],
            ["BIKE", 1, "WHEEL", 2.5, 0.1, "2026-01-01", "no"],
            ["FRAME", "V1", "TUBE", 42.5, 5, None, None],
        ]
    )
    assert read_boms(content, "boms.xlsx") == [
        BomRow(2, "BIKE", "1", "FRAME", D(1), None, None, date(2026, 1, 1), None, True),
        BomRow(4, "BIKE", "1", "WHEEL", D("2.5"), D("0.1"), None, date(2026, 1, 1), None, False),
        BomRow(5, "FRAME", "V1", "TUBE", D("42.5"), D(5), None, None, None, None),
    ]


def test_routings_sales_plan_and_opening_stock() -> None:
    routing = b"item;version;sequence;work_centre;setup_hours;run_hours;supplier;outsourced_price\n"
    routing += b"FRAME;V1;10;WELD;1,5;8;;\nFRAME;V1;30;;;;S1;12,40\n"
    assert read_routings(routing, "r.csv") == [
        RoutingRow(2, "FRAME", "V1", 10, "WELD", D("1.5"), D(8)),
        RoutingRow(3, "FRAME", "V1", 30, "", None, None, "S1", D("12.40")),
    ]
    plan = b"item,period_start,quantity,period_days\nBIKE,05-01-2026,40,7\nBIKE,2026-02-01,180,\n"
    assert read_sales_plan(plan, "p.csv") == [
        SalesPlanRow(2, "BIKE", date(2026, 1, 5), D(40), 7),
        SalesPlanRow(3, "BIKE", date(2026, 2, 1), D(180), None),
    ]
    stock = b"item;warehouse;quantity;unit_cost;lot\nTUBE;MAIN;1.500,00;7,8;\nPAINT;MAIN;3,5;;L-7\n"
    assert read_opening_stock(stock, "s.csv") == [
        OpeningStockRow(2, "TUBE", "MAIN", D(1500), D("7.8"), ""),
        OpeningStockRow(3, "PAINT", "MAIN", D("3.5"), None, "L-7"),
    ]


@pytest.mark.parametrize("kind", sorted(READERS))
def test_every_example_file_reads(kind: str) -> None:
    rows = read_path(EXAMPLES / f"{kind}.csv", READERS[kind])
    assert rows and all(r.row >= 2 for r in rows)


@pytest.mark.parametrize(
    ("reader", "content", "message"),
    [
        (
            read_work_centres,
            b"code;name;labour_rate\nWELD;Weld;35,5x\n",
            "Row 2, column labour_rate: '35,5x' is not an amount; write it like 1234,56.",
        ),
        (
            read_work_centres,
            b"code,name,efficiency_pct\nWELD,Weld,ninety\n",
            "Row 2, column efficiency_pct: 'ninety' is not a number; write it like 12.5.",
        ),
        (
            read_items,
            b"code,name\nX,Y\n",
            "The file has no column supply; the header row must name it.",
        ),
        (
            read_items,
            b"code,name,supply,colour\nX,Y,buy,red\n",
            "The column colour is not one of: code, name, supply, unit, cost_method, "
            "standard_cost, purchase_price, sales_price, lead_time_days, minimum_quantity, "
            "order_multiple, safety_stock, supplier.",
        ),
        (
            read_items,
            b"code,name,supply,lead_time_days\nX,Y,buy,2.5\n",
            "Row 2, column lead_time_days: '2.5' is not a whole number.",
        ),
        (
            read_boms,
            b"item,version,component,quantity,is_default\nA,1,B,1,maybe\n",
            "Row 2, column is_default: 'maybe' is not yes or no.",
        ),
        (
            read_boms,
            b"item,version,component,quantity,valid_from\nA,1,B,1,31/13/2026\n",
            "Row 2, column valid_from: '31/13/2026' is not a date; write it like 2025-01-31.",
        ),
        (read_boms, b"item,version,component,quantity\n", "The boms file has no rows."),
        (
            read_routings,
            b"item,version,sequence,sequence\nA,1,10,20\n",
            "The header row names the column sequence twice.",
        ),
        (
            read_sales_plan,
            b"item,period_start,quantity\nA,2026-01-05,4,5\n",
            "Row 2 has more values than the header row has columns.",
        ),
        (read_opening_stock, b"", "stock.csv is empty."),
    ],
)
def test_bad_files_are_refused_naming_row_and_column(reader, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        reader(content, "stock.csv")
    assert str(refused.value) == message


def test_an_old_excel_file_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"old Excel file \(\.xls\)"):
        read_items(b"\xd0\xcf\x11\xe0", "items.xls")


@pytest.mark.parametrize("kind", sorted(READERS))
def test_the_design_shows_each_example_file_as_it_is(kind: str) -> None:
    design = (EXAMPLES.parents[1] / "manufacturing.md").read_text(encoding="utf-8")
    shown = "```csv\n" + (EXAMPLES / f"{kind}.csv").read_text(encoding="utf-8") + "```"
    assert shown in design
