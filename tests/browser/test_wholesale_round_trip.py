"""A clerk enters a sales order, delivers and invoices it in the browser; after a refresh
the Wholesale page shows the revenue and the item's new ABC class.

Real parts only: the generated company (SQLite), the dagster refresh, a Streamlit server,
Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import settled_text, visit
from tests.browser.streamlit_page import (
    choose,
    enter_date,
    labelled,
    outcome,
    type_cells,
    type_column,
)

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]

PRICE = Decimal("50000.00")  # one unit: far above the division's other items -> class A
ON = date(2026, 10, 20)  # inside the demo's open 2026, whatever day the test runs
# Columns of the editable grids as their accessible tables count them: the sales order
# lines (0 is the row marker of a grid that adds rows; item, quantity, price) and the
# delivery's "Deliver now" (Line, Item, Description, Tracked by, Ordered, Delivered, Open,
# Deliver now).
ORDER_COLUMNS = {"item": 1, "quantity": 2, "price": 3}
DELIVER_NOW = 7


def _wholesale(page, app_url: str, item: str) -> tuple[Decimal, str]:
    """Revenue (all divisions, 2026 through October) and the item's ABC class on the page."""
    visit(page, app_url, "wholesale")
    page.get_by_text("Revenue").first.wait_for()
    # Typed to filter: under the navigation the list shows only its first periods.
    choose(page, labelled(page, "Through period"), "10 (", re.compile(r"^10 "))
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Revenue").first
    revenue = settled_text(page, card.locator('[data-testid="stMetricValue"]'))
    choose(page, labelled(page, "Division"), "NL01")
    drill = page.get_by_label("Item", exact=True)
    drill.click()
    page.keyboard.type(item, delay=20)
    options = page.get_by_role("option", name=re.compile(rf"^{re.escape(item)} "))
    page.wait_for_timeout(800)
    label = options.first.inner_text() if options.count() else "(no sales)"
    page.keyboard.press("Escape")
    found = re.search(r"class ([ABC])\)", label)
    return Decimal(revenue.replace(",", "").strip()), found.group(1) if found else "-"


def _stocked_item(db_url: str) -> tuple[str, str]:
    """An untracked NL01 item with stock in warehouse MAIN, and a NL01 customer."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        item = conn.execute(
            text(
                "SELECT i.code FROM stock_level l JOIN item i ON i.id = l.item_id "
                "JOIN warehouse w ON w.id = l.warehouse_id JOIN division d ON d.id = i.division_id "
                "WHERE d.code = 'NL01' AND w.code = 'MAIN' AND i.tracking = 'none' "
                "AND l.quantity >= 100000000 "  # >= 1 unit (SQLite keeps 8 decimals scaled)
                "ORDER BY l.quantity, i.code LIMIT 1"
            )
        ).scalar_one()
        customer = conn.execute(
            text(
                "SELECT r.code FROM relation r JOIN division d ON d.id = r.division_id "
                "WHERE d.code = 'NL01' AND r.relation_type = 'customer' "
                "AND r.currency_code = 'EUR' AND r.intercompany_division_id IS NULL "
                "ORDER BY r.code LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()
    return str(item), str(customer)


def test_order_delivered_and_invoiced_shows_on_wholesale_page(
    page, app_url: str, stack_env
) -> None:
    item, customer = _stocked_item(stack_env["ERP_DATABASE_URL"])
    revenue_before, class_before = _wholesale(page, app_url, item)
    assert class_before != "A", f"pick an item that is not class A yet ({item})"

    # 1. Sales order: NL01, the customer, one unit at a typed price.
    visit(page, app_url, "sales_order")
    page.get_by_role("button", name="Create order").wait_for()
    choose(page, labelled(page, "Division"), "NL01")
    choose(page, labelled(page, "Customer"), customer)
    enter_date(page, "Order date", ON)
    line = [(0, ORDER_COLUMNS["item"], item), (0, ORDER_COLUMNS["price"], str(PRICE))]
    type_cells(page, line)
    # The price and stock preview (a table: its headers are in the accessible DOM only).
    page.locator("th", has_text="Available").first.wait_for(state="attached")
    notice = page.get_by_text(re.compile(r"SO2026-\d{5}"))
    refusals = []
    for _attempt in range(3):
        page.get_by_role("button", name="Create order").click()
        refusal = outcome(page, notice.first)
        if refusal is None:
            break
        refusals.append(refusal)
        type_cells(page, line)  # what the form refused may be a line the canvas lost
    assert notice.count(), f"no order number; the form said: {refusals}"
    order = re.search(r"SO2026-\d{5}", notice.first.inner_text()).group(0)

    # 2. Delivery of the open line, then the invoice.
    visit(page, app_url, "delivery")
    page.get_by_text("Pick an open order").first.wait_for()
    choose(page, labelled(page, "Division"), "NL01")
    choose(page, labelled(page, "Sales order"), order)
    page.get_by_role("button", name="Deliver").wait_for()
    enter_date(page, "Delivery date", ON)
    delivered = page.get_by_text(re.compile(r"DL2026-\d{5}"))
    refusals = []
    for _attempt in range(3):
        type_column(page, DELIVER_NOW, ["1"])
        page.get_by_role("button", name="Deliver").click()
        refusal = outcome(page, delivered.first)
        if refusal is None:
            break
        refusals.append(refusal)
    assert delivered.count(), f"no delivery number; the form said: {refusals}"
    page.get_by_role("button", name="Invoice delivered lines").wait_for()
    enter_date(page, "Invoice date", ON)
    page.get_by_role("button", name="Invoice delivered lines").click()
    invoice_notice = page.get_by_text(re.compile(r"VK2026-\d{6}"))
    refusal = outcome(page, invoice_notice.first)
    assert refusal is None, f"invoice refused: {refusal}"
    invoice = re.search(r"VK2026-\d{6}", invoice_notice.first.inner_text()).group(0)

    engine = create_engine(stack_env["ERP_DATABASE_URL"])
    with engine.connect() as conn:
        billed = conn.execute(
            text(
                "SELECT i.amount_excl_vat FROM invoice i JOIN division d ON d.id = i.division_id "
                "WHERE i.document_number = :n AND d.code = 'NL01'"
            ),
            {"n": invoice},
        ).scalar_one()
    engine.dispose()
    assert Decimal(billed) / 10000 == PRICE  # SQLite keeps money as ten-thousandths

    # 3. Refresh, then the page shows the revenue and the item's class.
    page.get_by_role("button", name="Refresh warehouse now").click()
    page.get_by_text("Warehouse refreshed").wait_for(timeout=240_000)
    revenue_after, class_after = _wholesale(page, app_url, item)
    assert revenue_after - revenue_before == PRICE, (revenue_before, revenue_after)
    assert class_after == "A", (item, class_before, class_after)
