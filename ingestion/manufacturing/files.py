"""Reading the files a manufacturer moving to us brings: CSV or Excel into typed rows.

Six kinds (docs/manufacturing.md §7): work centres, items, BOMs, routings, a sales plan
and opening stock. Tables are read by ``ingestion.table_files`` (CSV with commas or
semicolons, Excel's first sheet, a header row, column names without regard to case,
spaces or hyphens, a decimal comma in semicolon files). Reading checks the form of each
cell (a number, a date, yes or no) and names the file's row and column; whether an item,
work centre or supplier exists, and every rule of the data, is for the loaders
(``transactional.manufacturing.master_data_load`` and ``opening_stock_load``), which name
the row too. Nothing is loaded from a file that is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ingestion.table_files import (
    Table,
    cell_amount,
    cell_date,
    cell_flag,
    cell_integer,
    cell_number,
    cell_text,
    is_filled,
    read_table,
    require_columns,
)
from transactional.errors import N_, ValidationError
from transactional.manufacturing.master_data_load import (
    BomRow,
    ItemRow,
    RoutingRow,
    SalesPlanRow,
    WorkCentreRow,
)
from transactional.manufacturing.opening_stock_load import OpeningStockRow

# The columns of each kind; the first ``REQUIRED[kind]`` are required.
WORK_CENTRE_COLUMNS = (
    "code",
    "name",
    "labour_rate",
    "machine_rate",
    "efficiency_pct",
    "hours_per_week",
)
ITEM_COLUMNS = (
    "code",
    "name",
    "supply",
    "unit",
    "cost_method",
    "standard_cost",
    "purchase_price",
    "sales_price",
    "lead_time_days",
    "minimum_quantity",
    "order_multiple",
    "safety_stock",
    "supplier",
)
BOM_COLUMNS = (
    "item",
    "version",
    "component",
    "quantity",
    "scrap_pct",
    "batch_quantity",
    "valid_from",
    "valid_to",
    "is_default",
)
ROUTING_COLUMNS = (
    "item",
    "version",
    "sequence",
    "work_centre",
    "setup_hours",
    "run_hours",
    "supplier",
    "outsourced_price",
    "description",
)
SALES_PLAN_COLUMNS = ("item", "period_start", "quantity", "period_days")
OPENING_STOCK_COLUMNS = ("item", "warehouse", "quantity", "unit_cost", "lot", "expiry_date")
# Exports often carry a name beside a code: read past it.
IGNORED = ("item_name", "component_name", "work_centre_name", "supplier_name", "warehouse_name")


def read_work_centres(content: bytes, file_name: str) -> list[WorkCentreRow]:
    """The rows of a work-centres file (one work centre per row)."""
    table = _table(content, file_name, ("code", "name"), WORK_CENTRE_COLUMNS)
    return [
        WorkCentreRow(
            row=n,
            code=cell_text(c.get("code")),
            name=cell_text(c.get("name")),
            labour_rate=_money(table, n, "labour_rate", c),
            machine_rate=_money(table, n, "machine_rate", c),
            efficiency_pct=cell_number(table, n, "efficiency_pct", c.get("efficiency_pct")),
            hours_per_week=cell_number(table, n, "hours_per_week", c.get("hours_per_week")),
        )
        for n, c in _rows(table, "work-centres")
    ]


def read_items(content: bytes, file_name: str) -> list[ItemRow]:
    """The rows of an items file (one item with its planning per row)."""
    table = _table(content, file_name, ("code", "name", "supply"), ITEM_COLUMNS)
    return [
        ItemRow(
            row=n,
            code=cell_text(c.get("code")),
            name=cell_text(c.get("name")),
            supply=cell_text(c.get("supply")).lower(),
            unit=cell_text(c.get("unit")),
            cost_method=cell_text(c.get("cost_method")).lower(),
            standard_cost=_money(table, n, "standard_cost", c),
            purchase_price=_money(table, n, "purchase_price", c),
            sales_price=_money(table, n, "sales_price", c),
            lead_time_days=cell_integer(table, n, "lead_time_days", c.get("lead_time_days")),
            minimum_quantity=cell_number(table, n, "minimum_quantity", c.get("minimum_quantity")),
            order_multiple=cell_number(table, n, "order_multiple", c.get("order_multiple")),
            safety_stock=cell_number(table, n, "safety_stock", c.get("safety_stock")),
            supplier=cell_text(c.get("supplier")),
        )
        for n, c in _rows(table, "items")
    ]


def read_boms(content: bytes, file_name: str) -> list[BomRow]:
    """The rows of a BOMs file (one component line per row)."""
    table = _table(content, file_name, ("item", "version", "component", "quantity"), BOM_COLUMNS)
    return [
        BomRow(
            row=n,
            item=cell_text(c.get("item")),
            version=cell_text(c.get("version")),
            component=cell_text(c.get("component")),
            quantity=cell_number(table, n, "quantity", c.get("quantity")),
            scrap_pct=cell_number(table, n, "scrap_pct", c.get("scrap_pct")),
            batch_quantity=cell_number(table, n, "batch_quantity", c.get("batch_quantity")),
            valid_from=cell_date(n, "valid_from", c.get("valid_from")),
            valid_to=cell_date(n, "valid_to", c.get("valid_to")),
            is_default=cell_flag(n, "is_default", c.get("is_default")),
        )
        for n, c in _rows(table, "boms")
    ]


def read_routings(content: bytes, file_name: str) -> list[RoutingRow]:
    """The rows of a routings file (one operation per row)."""
    table = _table(content, file_name, ("item", "version", "sequence"), ROUTING_COLUMNS)
    return [
        RoutingRow(
            row=n,
            item=cell_text(c.get("item")),
            version=cell_text(c.get("version")),
            sequence=cell_integer(table, n, "sequence", c.get("sequence")),
            work_centre=cell_text(c.get("work_centre")),
            setup_hours=cell_number(table, n, "setup_hours", c.get("setup_hours")),
            run_hours=cell_number(table, n, "run_hours", c.get("run_hours")),
            supplier=cell_text(c.get("supplier")),
            outsourced_price=_money(table, n, "outsourced_price", c),
            description=cell_text(c.get("description")),
        )
        for n, c in _rows(table, "routings")
    ]


def read_sales_plan(content: bytes, file_name: str) -> list[SalesPlanRow]:
    """The rows of a sales-plan file (one item and period per row)."""
    table = _table(content, file_name, ("item", "period_start", "quantity"), SALES_PLAN_COLUMNS)
    return [
        SalesPlanRow(
            row=n,
            item=cell_text(c.get("item")),
            period_start=cell_date(n, "period_start", c.get("period_start")),
            quantity=cell_number(table, n, "quantity", c.get("quantity")),
            period_days=cell_integer(table, n, "period_days", c.get("period_days")),
        )
        for n, c in _rows(table, "sales-plan")
    ]


def read_opening_stock(content: bytes, file_name: str) -> list[OpeningStockRow]:
    """The rows of an opening-stock file (one item, warehouse and lot per row)."""
    table = _table(content, file_name, ("item", "warehouse", "quantity"), OPENING_STOCK_COLUMNS)
    return [
        OpeningStockRow(
            row=n,
            item=cell_text(c.get("item")),
            warehouse=cell_text(c.get("warehouse")),
            quantity=cell_number(table, n, "quantity", c.get("quantity")),
            unit_cost=_money(table, n, "unit_cost", c),
            lot=cell_text(c.get("lot")),
            expiry_date=cell_date(n, "expiry_date", c.get("expiry_date")),
        )
        for n, c in _rows(table, "opening-stock")
    ]


# Kind (as the command line and the page name it) -> its reader.
READERS: dict[str, Callable[[bytes, str], list[Any]]] = {
    "work-centres": read_work_centres,
    "items": read_items,
    "boms": read_boms,
    "routings": read_routings,
    "sales-plan": read_sales_plan,
    "opening-stock": read_opening_stock,
}
KINDS = tuple(READERS)


def _table(
    content: bytes, file_name: str, required: tuple[str, ...], known: tuple[str, ...]
) -> Table:
    table = read_table(content, file_name)
    require_columns(table, required, known, IGNORED)
    return table


def _rows(table: Table, kind: str) -> list[tuple[int, dict[str, Any]]]:
    if not table.rows:
        raise ValidationError(N_("The {kind} file has no rows."), field="rows", kind=kind)
    return table.rows


def _money(table: Table, row: int, column: str, cells: dict[str, Any]) -> Decimal | None:
    """A rate, price or cost cell; empty is None (not given)."""
    value = cells.get(column)
    return cell_amount(table, row, column, value) if is_filled(value) else None
