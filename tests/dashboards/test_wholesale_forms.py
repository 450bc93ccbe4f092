"""The wholesale clerk forms: sales order, delivery (and its invoice), goods receipt and
the purchase invoice matched against its order.

Real AppTests against a copy of the demo ledger; the items, warehouse, price rule,
salesperson, purchase order and stock the forms need are built through the services.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, create_engine, select
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import (
    INPUT_TYPES,
    count,
    empty_ledger,
    fill_grid,
    input_above,
    open_page,
    the_error,
)
from tests.dashboards.conftest import Company
from transactional.database import session_scope
from transactional.finance.models import Invoice, InvoiceLine
from transactional.organisation.models import Division, User
from transactional.purchasing import orders as purchase_orders
from transactional.purchasing import receipts
from transactional.purchasing.models import InvoiceMatch, PurchaseOrderLine
from transactional.sales import orders as sales_orders
from transactional.sales.models import Delivery, SalesOrder, SalesOrderLine
from transactional.stock.models import StockLot
from transactional.stock.movements import on_hand
from transactional.wholesale import items as wi
from transactional.wholesale import prices as wp
from transactional.wholesale.models import Item, Warehouse

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

WAREHOUSE = "T-MAIN"
WIDGET = "T-WIDGET"  # untracked; list price 25.00, 10 % off by a price rule; 20 in stock
SCANNER = "T-SCANNER"  # serial numbers; list price 300.00; none in stock


@dataclass
class Wholesale:
    """The company with items, a warehouse and an open purchase order of WIDGETs and
    SCANNERs, 20 WIDGETs of which are received."""

    company: Company
    division_id: int
    purchase_order_id: int
    rule_id: int

    @property
    def url(self) -> str:
        return self.company.url


@pytest.fixture
def engine(app_env: Company) -> Iterator[Engine]:
    eng = create_engine(app_env.url)
    yield eng
    eng.dispose()


def _user(s: Session, company: Company, username: str) -> User:
    found = s.get(User, company.user(username))
    assert found is not None
    return found


@pytest.fixture
def wholesale(app_env: Company, engine: Engine) -> Wholesale:
    c = app_env
    with session_scope(engine) as s:
        admin = _user(s, c, "admin")
        clerk = _user(s, c, c.clerk)
        wi.create_warehouse(session=s, user=admin, division=c.division, code=WAREHOUSE, name="Main")
        wi.create_item(
            session=s,
            user=admin,
            division=c.division,
            code=WIDGET,
            name="Widget",
            sales_price="25.00",
            purchase_price="10.00",
        )
        wi.create_item(
            session=s,
            user=admin,
            division=c.division,
            code=SCANNER,
            name="Barcode scanner",
            tracking="serial",
            sales_price="300.00",
            purchase_price="150.00",
        )
        rule = wp.create_price_rule(
            session=s,
            user=admin,
            division=c.division,
            kind="discount",
            value="10",
            item=WIDGET,
            customer=c.customer,
            valid_from="2020-01-01",
            description="Widget deal",
        )
        person = sales_orders.create_salesperson(
            session=s, user=admin, division=c.division, code="SP1", name="Sam Seller"
        )
        sales_orders.assign_salesperson(
            session=s, user=admin, customer=c.customer, salesperson=person, division=c.division
        )
        po = purchase_orders.create_purchase_order(
            session=s,
            user=clerk,
            draft=purchase_orders.PurchaseOrderDraft(
                division=c.division,
                supplier=c.supplier,
                warehouse=WAREHOUSE,
                order_date=c.open_date,
                lines=[
                    purchase_orders.PurchaseLineDraft(WIDGET, "100", "10.00"),
                    purchase_orders.PurchaseLineDraft(SCANNER, "2", "150.00"),
                ],
            ),
        )
        widget_line = purchase_orders.order_lines(s, po.id)[0]
        receipts.receive(
            session=s,
            user=clerk,
            order_id=po.id or 0,
            receipt_date=c.open_date,
            lines=[receipts.ReceiptLineDraft(widget_line.id or 0, "20")],
        )
        division = s.exec(select(Division).where(Division.code == c.division)).one()
        return Wholesale(c, division.id or 0, po.id or 0, rule.id or 0)


def _sales_order(w: Wholesale, engine: Engine, lines: list[tuple[str, str]]) -> SalesOrder:
    """An open order of the company's customer, entered through the service."""
    c = w.company
    with session_scope(engine) as s:
        result = sales_orders.create_order(
            session=s,
            user=_user(s, c, c.clerk),
            draft=sales_orders.SalesOrderDraft(
                division=c.division,
                customer=c.customer,
                warehouse=WAREHOUSE,
                order_date=c.open_date,
                lines=[sales_orders.SalesLineDraft(item, quantity) for item, quantity in lines],
            ),
        )
        s.expunge(result.order)
        return result.order


def _order_lines(engine: Engine, model: type, order_id: int) -> list:  # type: ignore[type-arg]
    with Session(engine) as s:
        return list(
            s.exec(
                select(model).where(model.order_id == order_id).order_by(model.line_number)  # type: ignore[attr-defined]
            ).all()
        )


def _click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def _page(w: Wholesale, page: str, username: str | None = None) -> AppTest:
    c = w.company
    return open_page(f"app_pages/forms/{page}.py", user=c.user(username or c.clerk))


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table (not grid) on the page with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _shown_under(at: AppTest, element: object) -> Any:
    """Like ``input_above``, with checkboxes counted as inputs."""
    nodes = list(at.main)
    index = next(i for i, node in enumerate(nodes) if node is element)
    kinds = INPUT_TYPES | {"checkbox"}
    return next(n for n in reversed(nodes[:index]) if getattr(n, "type", None) in kinds)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# ---------------------------------------------------------------------------- sales order


def _sales_form(w: Wholesale, rows: list[dict[str, str]]) -> AppTest:
    at = _page(w, "sales_order")
    # The customer, warehouse and salesperson keys carry the division (its own lists).
    at.selectbox(key=f"sales_order_customer_0_{w.division_id}").set_value(w.company.customer).run()
    at.selectbox(key=f"sales_order_warehouse_0_{w.division_id}").set_value(WAREHOUSE)
    at.date_input(key="sales_order_date_0").set_value(w.company.open_date)
    fill_grid(at, "sales_order_lines_0", rows)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_sales_order_shows_price_and_stock_then_creates_the_order(
    wholesale: Wholesale, engine: Engine
) -> None:
    at = _sales_form(
        wholesale,
        [
            {"item": WIDGET, "quantity": "30"},
            {"item": SCANNER, "quantity": "1", "unit_price": "280"},
        ],
    )
    # The salesperson comes from the customer.
    key = f"sales_order_salesperson_0_{wholesale.division_id}_{wholesale.company.customer}"
    assert at.selectbox(key=key).value == "SP1"
    preview = _table(at, "Price from")
    widget = preview[preview["Item"] == WIDGET].iloc[0]
    assert widget["Price (EUR)"] == "22.50"  # 10 % off the list price 25.00
    assert f"Price rule {wholesale.rule_id} 'Widget deal'" in widget["Price from"]
    assert (widget["On hand"], widget["Available"], widget["Short"]) == ("20", "20", "10")
    scanner = preview[preview["Item"] == SCANNER].iloc[0]
    assert scanner["Price from"] == "Price typed by the clerk (280)."
    shortages = [w.value for w in at.warning]
    assert any(
        f"Row 1: {WIDGET} is short by 10" in text and wholesale.company.supplier in text
        for text in shortages
    ), shortages

    before = count(wholesale.url, "sales_order")
    _click(at, "Create order")
    _no_errors(at)
    assert count(wholesale.url, "sales_order") == before + 1
    with Session(engine) as s:
        order = s.exec(select(SalesOrder).order_by(col(SalesOrder.id).desc())).first()
        assert order is not None
        assert order.status == "order" and order.order_number
        assert order.order_number in at.success[0].value
        lines = _order_lines(engine, SalesOrderLine, order.id or 0)
    assert [(ln.quantity, ln.unit_price, ln.price_rule_id) for ln in lines] == [
        (Decimal(30), Decimal("22.50"), wholesale.rule_id),
        (Decimal(1), Decimal("280.00"), None),
    ]
    # After saving: what the warehouse cannot cover, with the purchase suggestion.
    notes = [w.value for w in at.warning]
    assert any(
        f"Item {WIDGET}" in n and "short 10" in n and wholesale.company.supplier in n for n in notes
    )
    assert any(f"Item {SCANNER}" in n and "short 1" in n for n in notes)


def test_sales_order_saved_as_quote(wholesale: Wholesale, engine: Engine) -> None:
    at = _sales_form(wholesale, [{"item": WIDGET, "quantity": "2"}])
    _click(at, "Save as quote")
    _no_errors(at)
    with Session(engine) as s:
        order = s.exec(select(SalesOrder).order_by(col(SalesOrder.id).desc())).first()
    assert order is not None and order.status == "quote" and order.quote_number
    assert order.quote_number in at.success[0].value


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{"item": WIDGET, "quantity": "1"}, {"item": "NOPE", "quantity": "1"}], "NOPE"),
        ([{"item": WIDGET, "quantity": "two"}], "two"),
        ([], "at least one line"),
    ],
    ids=["unknown item", "text quantity", "no lines"],
)
def test_sales_order_refused_under_the_lines(
    wholesale: Wholesale, rows: list[dict[str, str]], expected: str
) -> None:
    at = _sales_form(wholesale, rows)
    before = count(wholesale.url, "sales_order"), count(wholesale.url, "sales_order_line")
    _click(at, "Create order")
    error = the_error(at)
    assert expected in error.value
    if rows:
        assert error.value.startswith(f"Line {len(rows)}")
    assert input_above(at, error).type == "dataframe"  # the lines grid
    assert (count(wholesale.url, "sales_order"), count(wholesale.url, "sales_order_line")) == (
        before
    )


def test_sales_order_without_customer_is_refused_under_the_customer(
    wholesale: Wholesale,
) -> None:
    at = _page(wholesale, "sales_order")
    at.date_input(key="sales_order_date_0").set_value(wholesale.company.open_date)
    fill_grid(at, "sales_order_lines_0", [{"item": WIDGET, "quantity": "1"}])
    at.run()
    before = count(wholesale.url, "sales_order")
    _click(at, "Create order")
    error = the_error(at)
    assert input_above(at, error).label == "Customer"
    assert count(wholesale.url, "sales_order") == before


# ------------------------------------------------------------------------------- delivery


def _delivery_form(w: Wholesale, order: SalesOrder) -> AppTest:
    at = _page(w, "delivery")
    at.selectbox(key="delivery_order").set_value(order.id).run()
    at.date_input(key="delivery_date_0").set_value(w.company.open_date)
    return at


def test_delivery_then_invoice_of_the_delivered_lines(wholesale: Wholesale, engine: Engine) -> None:
    order = _sales_order(wholesale, engine, [(WIDGET, "5"), (SCANNER, "1")])
    at = _delivery_form(wholesale, order)
    grid = at.data_editor[0].value
    assert list(grid["item"]) == [WIDGET, SCANNER]
    assert list(grid["open"]) == ["5", "1"]
    fill_grid(at, f"delivery_lines_0_{order.id}", [{"quantity": "3"}])
    _click(at, "Deliver")
    _no_errors(at)
    with Session(engine) as s:
        delivery = s.exec(select(Delivery).where(Delivery.order_id == order.id)).one()
        widget = s.exec(select(Item).where(Item.code == WIDGET)).one()
        main = s.exec(select(Warehouse).where(Warehouse.code == WAREHOUSE)).one()
        assert on_hand(s, widget.id or 0, main.id) == Decimal(17)
    assert delivery.number in at.success[0].value
    lines = _order_lines(engine, SalesOrderLine, order.id or 0)
    assert [ln.quantity_delivered for ln in lines] == [Decimal(3), Decimal(0)]

    # The delivered lines wait for their invoice.
    at.date_input(key="delivery_invoice_date_1").set_value(wholesale.company.open_date)
    _click(at, "Invoice delivered lines")
    _no_errors(at)
    with Session(engine) as s:
        invoice = s.exec(select(Invoice).order_by(col(Invoice.id).desc())).first()
        assert invoice is not None
        billed = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
    assert invoice.document_number in at.success[0].value
    assert invoice.invoice_type == "sales" and invoice.amount_excl_vat == Decimal("67.50")
    assert [(b.quantity, b.sales_order_line_id) for b in billed] == [(Decimal(3), lines[0].id)]
    lines = _order_lines(engine, SalesOrderLine, order.id or 0)
    assert [ln.quantity_invoiced for ln in lines] == [Decimal(3), Decimal(0)]


def test_delivering_more_than_open_is_refused_under_the_lines(
    wholesale: Wholesale, engine: Engine
) -> None:
    order = _sales_order(wholesale, engine, [(WIDGET, "5")])
    at = _delivery_form(wholesale, order)
    fill_grid(at, f"delivery_lines_0_{order.id}", [{"quantity": "9"}])
    before = count(wholesale.url, "delivery"), count(wholesale.url, "stock_movement")
    _click(at, "Deliver")
    error = the_error(at)
    assert error.value.startswith("Line 1") and "9 more cannot be delivered" in error.value
    assert input_above(at, error).type == "dataframe"
    assert (count(wholesale.url, "delivery"), count(wholesale.url, "stock_movement")) == before
    lines = _order_lines(engine, SalesOrderLine, order.id or 0)
    assert lines[0].quantity_delivered == 0


def test_a_serial_item_needs_its_serial_numbers(wholesale: Wholesale, engine: Engine) -> None:
    order = _sales_order(wholesale, engine, [(SCANNER, "1")])
    at = _delivery_form(wholesale, order)
    fill_grid(at, f"delivery_lines_0_{order.id}", [{"quantity": "1"}])
    before = count(wholesale.url, "delivery")
    _click(at, "Deliver")
    error = the_error(at)
    assert error.value.startswith("Line 1") and "serial" in error.value
    assert count(wholesale.url, "delivery") == before


# -------------------------------------------------------------------------- goods receipt


def _receipt_form(w: Wholesale) -> AppTest:
    at = _page(w, "goods_receipt")
    at.selectbox(key="goods_receipt_order").set_value(w.purchase_order_id).run()
    at.date_input(key="goods_receipt_date_0").set_value(w.company.open_date)
    return at


def test_goods_receipt_with_serial_numbers(wholesale: Wholesale, engine: Engine) -> None:
    at = _receipt_form(wholesale)
    grid = at.data_editor[0].value
    assert list(grid["item"]) == [WIDGET, SCANNER]
    assert list(grid["open"]) == ["80", "2"]
    fill_grid(
        at,
        f"goods_receipt_lines_0_{wholesale.purchase_order_id}",
        [{"quantity": "30"}, {"serials": "SN-001, SN-002"}],
    )
    _click(at, "Receive")
    _no_errors(at)
    assert "GR" in at.success[0].value
    lines = _order_lines(engine, PurchaseOrderLine, wholesale.purchase_order_id)
    assert [ln.quantity_received for ln in lines] == [Decimal(50), Decimal(2)]
    with Session(engine) as s:
        serials = s.exec(select(StockLot.number).where(StockLot.kind == "serial")).all()
    assert set(serials) >= {"SN-001", "SN-002"}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({}, "receive"),  # the service's words for an empty receipt
        ({"quantity": "81"}, "only 80 of the 100 ordered"),
        ({"quantity": "many"}, "many"),
    ],
    ids=["nothing typed", "beyond the order", "text quantity"],
)
def test_goods_receipt_refused(
    wholesale: Wholesale, engine: Engine, row: dict[str, str], expected: str
) -> None:
    at = _receipt_form(wholesale)
    fill_grid(at, f"goods_receipt_lines_0_{wholesale.purchase_order_id}", [row])
    before = count(wholesale.url, "goods_receipt"), count(wholesale.url, "stock_movement")
    _click(at, "Receive")
    error = the_error(at)
    assert expected in error.value, error.value
    assert input_above(at, error).type == "dataframe"
    assert (count(wholesale.url, "goods_receipt"), count(wholesale.url, "stock_movement")) == (
        before
    )
    lines = _order_lines(engine, PurchaseOrderLine, wholesale.purchase_order_id)
    assert lines[0].quantity_received == Decimal(20)


# ------------------------------------------------------------------ matched purchase invoice


def _match_form(w: Wholesale, username: str | None = None) -> AppTest:
    at = _page(w, "purchase_invoice", username)
    at.radio(key="purchase_invoice_mode").set_value("matched").run()
    at.selectbox(key="purchase_match_division").set_value(w.division_id).run()
    at.selectbox(key="purchase_match_supplier").set_value(w.company.supplier).run()
    at.date_input(key="purchase_match_date_0").set_value(w.company.open_date)
    at.text_input(key="purchase_match_reference_0").input("SUP-4711")
    assert not at.exception, [e.message for e in at.exception]
    return at


def _pick_widget(at: AppTest, w: Wholesale, **cells: str) -> None:
    """Tick the WIDGET line of the purchase order (other orders of the supplier may show)."""
    items = list(at.data_editor[0].value["item"])
    row = items.index(WIDGET)
    key = f"purchase_match_lines_0_{w.division_id}_{w.company.supplier}"
    fill_grid(at, key, [{}] * row + [{"pick": True, **cells}])


def test_purchase_invoice_matched_against_the_receipt(wholesale: Wholesale, engine: Engine) -> None:
    at = _match_form(wholesale)
    grid = at.data_editor[0].value
    assert WIDGET in set(grid["item"]) and SCANNER not in set(grid["item"])  # only received
    widget = grid[grid["item"] == WIDGET].iloc[0]
    assert (widget["open"], widget["quantity"], widget["unit_price"]) == ("20", "20", "10.00")
    _pick_widget(at, wholesale, quantity="15", vat_code="I21")
    _click(at, "Check match")
    _no_errors(at)
    match = _table(at, "Status")
    assert list(match["Status"]) == ["Quantity difference"]
    assert (match["Qty difference"][0], match["Price difference"][0]) == ("-5", "0.00")
    assert match["Value difference"][0] == "0.00"
    before = count(wholesale.url, "invoice")
    _click(at, "Post invoice")
    _no_errors(at)
    assert count(wholesale.url, "invoice") == before + 1
    with Session(engine) as s:
        invoice = s.exec(select(Invoice).order_by(col(Invoice.id).desc())).first()
        assert invoice is not None
        matches = s.exec(select(InvoiceMatch).where(InvoiceMatch.invoice_id == invoice.id)).all()
    assert invoice.document_number in at.success[0].value
    assert (invoice.invoice_type, invoice.supplier_reference) == ("purchase", "SUP-4711")
    assert invoice.amount_excl_vat == Decimal("150.00")
    assert [(m.quantity, m.status, m.difference_value) for m in matches] == [
        (Decimal(15), "quantity_difference", Decimal(0))
    ]
    lines = _order_lines(engine, PurchaseOrderLine, wholesale.purchase_order_id)
    assert lines[0].quantity_invoiced == Decimal(15)


def test_a_price_difference_needs_accepting_and_the_right(
    wholesale: Wholesale, engine: Engine
) -> None:
    at = _match_form(wholesale)
    _pick_widget(at, wholesale, unit_price="10.50")
    _click(at, "Check match")
    _no_errors(at)
    match = _table(at, "Status")
    assert list(match["Status"]) == ["Price difference"]
    assert (match["Price difference"][0], match["Value difference"][0]) == ("0.50", "10.00")

    before = count(wholesale.url, "invoice"), count(wholesale.url, "invoice_match")
    _click(at, "Post invoice")
    error = the_error(at)
    assert "Accept the differences" in error.value
    assert _shown_under(at, error).label == "Accept differences"
    assert (count(wholesale.url, "invoice"), count(wholesale.url, "invoice_match")) == before

    # A clerk may not accept it: the service says so, and nothing is written.
    at.checkbox(key="purchase_match_accept_0").check()
    _click(at, "Post invoice")
    error = the_error(at)
    assert "may not accept price differences" in error.value
    assert (count(wholesale.url, "invoice"), count(wholesale.url, "invoice_match")) == before

    # The accountant may.
    at = _match_form(wholesale, "accountant")
    _pick_widget(at, wholesale, unit_price="10.50")
    at.checkbox(key="purchase_match_accept_0").check()
    at.text_input(key="purchase_match_note_0").input("Price rise agreed by phone")
    _click(at, "Post invoice")
    _no_errors(at)
    with Session(engine) as s:
        match_row = s.exec(select(InvoiceMatch).order_by(col(InvoiceMatch.id).desc())).first()
    assert match_row is not None
    assert (match_row.status, match_row.difference_value) == ("price_difference", Decimal(10))
    assert match_row.accepted_by == wholesale.company.user("accountant")
    assert match_row.note == "Price rise agreed by phone"


def test_cost_invoices_stay_the_default(wholesale: Wholesale) -> None:
    at = _page(wholesale, "purchase_invoice")
    assert at.radio(key="purchase_invoice_mode").value == "costs"
    assert at.selectbox(key="purchase_invoice_relation_0").label == "Supplier"
    assert not at.error


def test_the_division_picker_holds_the_users_divisions(wholesale: Wholesale) -> None:
    at = _page(wholesale, "delivery")
    labels = at.selectbox(key="delivery_division").options
    assert [x.split(" ")[0] for x in labels] == ["HOLD", "NL01"]  # clerk8's divisions


# -------------------------------------------------------------------------------- pages

PAGES = {
    "app_pages/forms/sales_order.py": "Sales order",
    "app_pages/forms/delivery.py": "Delivery",
    "app_pages/forms/goods_receipt.py": "Goods receipt",
    "app_pages/forms/purchase_invoice.py": "Purchase invoice",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_wholesale_form_renders(wholesale: Wholesale, page: str) -> None:
    at = open_page(page)
    assert at.title[0].value == PAGES[page]
    assert at.sidebar.button(key="sign_out")
    assert not at.error


def test_a_new_installation_is_told_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A ledger with only the first admin: every form says which command fills it."""
    empty_ledger(monkeypatch, tmp_path)
    at = open_page()
    for page, title in PAGES.items():
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title
        assert not at.error, page
        shown = [m.value for m in [*at.main.warning, *at.main.info]]
        assert any("erp generate" in m for m in shown), (page, shown)


def test_an_order_that_closes_leaves_the_list(wholesale: Wholesale, engine: Engine) -> None:
    """Delivered and invoiced in full: the order closes and the form offers the others."""
    order = _sales_order(wholesale, engine, [(WIDGET, "2")])
    at = _delivery_form(wholesale, order)
    fill_grid(at, f"delivery_lines_0_{order.id}", [{"quantity": "2"}])
    _click(at, "Deliver")
    _no_errors(at)
    assert "Everything ordered is delivered." in [c.value for c in at.caption]
    at.date_input(key="delivery_invoice_date_1").set_value(wholesale.company.open_date)
    _click(at, "Invoice delivered lines")
    _no_errors(at)
    with Session(engine) as s:
        closed = s.get(SalesOrder, order.id)
    assert closed is not None and closed.status == "closed"
    assert order.order_number
    assert not any(order.order_number in o for o in at.selectbox(key="delivery_order").options)
    assert at.selectbox(key="delivery_order").value is None
