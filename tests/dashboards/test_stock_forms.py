"""The clerk forms that move stock without a purchase or a sale: customer return, stock
transfer and stock count.

Real AppTests against a copy of the demo ledger; the items, warehouses, stock, order,
delivery and invoice the forms need are built through the services, and the database is
read afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, create_engine, select
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import (
    count,
    empty_ledger,
    fill_grid,
    input_above,
    open_page,
    the_error,
)
from tests.dashboards.conftest import Company
from transactional.database import session_scope
from transactional.finance.models import Invoice
from transactional.organisation.models import User
from transactional.purchasing import orders as purchase_orders
from transactional.purchasing import receipts
from transactional.sales import deliveries, invoicing
from transactional.sales import orders as sales_orders
from transactional.sales.models import SalesOrderLine, SalesReturn, SalesReturnLine
from transactional.stock.models import (
    StockCount,
    StockCountLine,
    StockLot,
    StockLotLevel,
    StockTransfer,
    StockTransferLine,
)
from transactional.stock.movements import on_hand
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item, Warehouse

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

MAIN = "T-MAIN"
SIDE = "T-SIDE"
WIDGET = "T-WIDGET"  # untracked; bought at 10.00, sold at 25.00; 20 in MAIN
SCANNER = "T-SCANNER"  # serial numbers SN-1 and SN-2 in MAIN, bought at 150.00
GLUE = "T-GLUE"  # lot L-1, 10 in MAIN, bought at 4.00
BOLT = "T-BOLT"  # untracked, never in stock


@dataclass
class Stocked:
    company: Company

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
def stocked(app_env: Company, engine: Engine) -> Stocked:
    """Two warehouses of the company's division and stock received into MAIN."""
    c = app_env
    with session_scope(engine) as s:
        admin = _user(s, c, "admin")
        clerk = _user(s, c, c.clerk)
        for code, name in ((MAIN, "Main"), (SIDE, "Side depot")):
            wi.create_warehouse(session=s, user=admin, division=c.division, code=code, name=name)
        for code, name, tracking, price in (
            (WIDGET, "Widget", "none", "25.00"),
            (SCANNER, "Barcode scanner", "serial", "300.00"),
            (GLUE, "Glue", "lot", "9.00"),
            (BOLT, "Bolt", "none", "1.00"),
        ):
            wi.create_item(
                session=s,
                user=admin,
                division=c.division,
                code=code,
                name=name,
                tracking=tracking,
                sales_price=price,
            )
        po = purchase_orders.create_purchase_order(
            session=s,
            user=clerk,
            draft=purchase_orders.PurchaseOrderDraft(
                division=c.division,
                supplier=c.supplier,
                warehouse=MAIN,
                order_date=c.open_date,
                lines=[
                    purchase_orders.PurchaseLineDraft(WIDGET, "20", "10.00"),
                    purchase_orders.PurchaseLineDraft(SCANNER, "2", "150.00"),
                    purchase_orders.PurchaseLineDraft(GLUE, "10", "4.00"),
                ],
            ),
        )
        widget, scanner, glue = purchase_orders.order_lines(s, po.id)
        receipts.receive(
            session=s,
            user=clerk,
            order_id=po.id or 0,
            receipt_date=c.open_date,
            lines=[
                receipts.ReceiptLineDraft(widget.id or 0, "20"),
                receipts.ReceiptLineDraft(scanner.id or 0, "2", serials=["SN-1", "SN-2"]),
                receipts.ReceiptLineDraft(glue.id or 0, "10", lot="L-1"),
            ],
        )
    return Stocked(c)


def _page(w: Stocked, page: str) -> AppTest:
    return open_page(f"app_pages/forms/{page}.py", user=w.company.user(w.company.clerk))


def _click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _ids(s: Session, item: str, warehouse: str) -> tuple[int, int]:
    it = s.exec(select(Item).where(Item.code == item)).one()
    wh = s.exec(select(Warehouse).where(Warehouse.code == warehouse)).one()
    return it.id or 0, wh.id or 0


def _on_hand(engine: Engine, item: str, warehouse: str) -> Decimal:
    with Session(engine) as s:
        return on_hand(s, *_ids(s, item, warehouse))


def _lot_level(engine: Engine, lot: str, warehouse: str) -> Decimal:
    with Session(engine) as s:
        found = s.exec(
            select(StockLotLevel.quantity)
            .join(StockLot, col(StockLot.id) == StockLotLevel.lot_id)
            .join(Warehouse, col(Warehouse.id) == StockLotLevel.warehouse_id)
            .where(StockLot.number == lot, Warehouse.code == warehouse)
        ).first()
    return found if found is not None else Decimal(0)


def _table(at: AppTest, column: str) -> Any:
    return next(d.value for d in at.dataframe if column in d.value.columns)


# ------------------------------------------------------------------------ customer return


@dataclass
class Sold:
    order_id: int
    widget_line_id: int


@pytest.fixture
def sold(stocked: Stocked, engine: Engine) -> Sold:
    """An order of 5 WIDGETs and a SCANNER, all delivered (SCANNER SN-1), 3 WIDGETs invoiced."""
    c = stocked.company
    with session_scope(engine) as s:
        clerk = _user(s, c, c.clerk)
        order = sales_orders.create_order(
            session=s,
            user=clerk,
            draft=sales_orders.SalesOrderDraft(
                division=c.division,
                customer=c.customer,
                warehouse=MAIN,
                order_date=c.open_date,
                lines=[
                    sales_orders.SalesLineDraft(WIDGET, "5"),
                    sales_orders.SalesLineDraft(SCANNER, "1"),
                ],
            ),
        ).order
        widget, scanner = sales_orders.order_lines(s, order.id or 0)
        deliveries.deliver(
            session=s,
            user=clerk,
            order_id=order.id or 0,
            delivery_date=c.open_date,
            lines=[
                deliveries.DeliveryLineDraft(widget.id or 0, "5"),
                deliveries.DeliveryLineDraft(scanner.id or 0, "1", serials=["SN-1"]),
            ],
        )
        invoicing.invoice_order(
            session=s,
            user=clerk,
            order_id=order.id or 0,
            invoice_date=c.open_date,
            quantities={widget.id or 0: "3"},
        )
        return Sold(order.id or 0, widget.id or 0)


def _return_form(w: Stocked, sold: Sold) -> AppTest:
    at = _page(w, "customer_return")
    at.selectbox(key="customer_return_order").set_value(sold.order_id).run()
    at.date_input(key="customer_return_date_0").set_value(w.company.open_date)
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_customer_return_credits_the_invoiced_part(
    stocked: Stocked, sold: Sold, engine: Engine
) -> None:
    at = _return_form(stocked, sold)
    grid = at.data_editor[0].value
    assert list(grid["item"]) == [WIDGET, SCANNER]
    assert list(grid["delivered"]) == ["5", "1"]
    assert list(grid["returnable"]) == ["5", "1"]
    assert list(grid["serials"].fillna("")) == ["", "SN-1"]  # the serial it shipped
    fill_grid(
        at, f"customer_return_lines_0_{sold.order_id}", [{"quantity": "4"}, {"quantity": "1"}]
    )
    at.text_input(key="customer_return_reason_0").input("Damaged in transit")
    before = count(stocked.url, "invoice")
    _click(at, "Return goods")
    _no_errors(at)

    with Session(engine) as s:
        ret = s.exec(select(SalesReturn).where(SalesReturn.order_id == sold.order_id)).one()
        lines = s.exec(
            select(SalesReturnLine)
            .where(SalesReturnLine.return_id == ret.id)
            .order_by(col(SalesReturnLine.id))
        ).all()
        note = s.get(Invoice, ret.credit_note_id)
        widget_line = s.get(SalesOrderLine, sold.widget_line_id)
    assert ret.reason == "Damaged in transit"
    assert [ln.quantity for ln in lines] == [Decimal(4), Decimal(1)]
    # Of the 4 WIDGETs back, 3 were invoiced: those are credited at 25.00; the SCANNER
    # was not invoiced, so it is not on the credit note.
    assert note is not None and note.invoice_type == "sales"
    assert abs(note.amount_excl_vat) == Decimal("75.00")
    assert count(stocked.url, "invoice") == before + 1
    assert widget_line is not None
    assert (widget_line.quantity_returned, widget_line.quantity_credited) == (4, 3)
    messages = " ".join(m.value for m in at.success)
    assert ret.number in messages and note.document_number in messages
    assert _on_hand(engine, WIDGET, MAIN) == Decimal(19)
    assert _lot_level(engine, "SN-1", MAIN) == Decimal(1)
    # What is left to take back: one WIDGET.
    grid = at.data_editor[0].value
    assert (list(grid["item"]), list(grid["returned"]), list(grid["returnable"])) == (
        [WIDGET],
        ["4"],
        ["1"],
    )


@pytest.mark.parametrize(
    ("date_shift", "quantity", "expected", "under"),
    [
        (0, "6", "5 pcs of T-WIDGET, 0 already returned; 6 cannot come back", "dataframe"),
        (-1, "1", "is before delivery", "Return date"),
    ],
    ids=["more than delivered", "before the delivery"],
)
def test_customer_return_refused(
    stocked: Stocked, sold: Sold, date_shift: int, quantity: str, expected: str, under: str
) -> None:
    import datetime as dt

    at = _return_form(stocked, sold)
    at.date_input(key="customer_return_date_0").set_value(
        stocked.company.open_date + dt.timedelta(days=date_shift)
    )
    fill_grid(at, f"customer_return_lines_0_{sold.order_id}", [{"quantity": quantity}])
    tables = ("sales_return", "sales_return_line", "stock_movement", "invoice")
    before = [count(stocked.url, t) for t in tables]
    _click(at, "Return goods")
    error = the_error(at)
    assert expected in error.value, error.value
    shown_under = input_above(at, error)
    if under == "dataframe":
        assert error.value.startswith("Line 1")
        assert shown_under.type == "dataframe"
    else:
        assert shown_under.label == under
    assert [count(stocked.url, t) for t in tables] == before
    assert not at.success


# --------------------------------------------------------------------------- stock transfer


def _transfer_form(w: Stocked, rows: list[dict[str, str]]) -> AppTest:
    at = _page(w, "stock_transfer")
    division = at.selectbox(key="stock_transfer_division").value
    at.selectbox(key=f"stock_transfer_from_0_{division}").set_value(MAIN)
    at.selectbox(key=f"stock_transfer_to_0_{division}").set_value(SIDE)
    at.date_input(key="stock_transfer_date_0").set_value(w.company.open_date)
    fill_grid(at, "stock_transfer_lines_0", rows)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_stock_transfer_moves_the_stock_between_warehouses(
    stocked: Stocked, engine: Engine
) -> None:
    at = _transfer_form(
        stocked,
        [
            {"item": WIDGET, "quantity": "8"},
            {"item": GLUE, "quantity": "4", "lot": "L-1"},
            {"item": SCANNER, "serials": "SN-2"},
        ],
    )
    shown = _table(at, "On hand")
    assert list(shown["Item"]) == [WIDGET, GLUE, SCANNER]
    assert list(shown["Quantity"]) == ["8", "4", "1"]
    assert list(shown["On hand"]) == ["20", "10", "2"]  # in the from-warehouse
    assert list(shown["Lot on hand"]) == ["", "10", ""]
    assert not at.warning
    _click(at, "Transfer")
    _no_errors(at)

    with Session(engine) as s:
        transfer = s.exec(select(StockTransfer).order_by(col(StockTransfer.id).desc())).first()
        assert transfer is not None
        lines = s.exec(
            select(StockTransferLine)
            .where(StockTransferLine.transfer_id == transfer.id)
            .order_by(col(StockTransferLine.line_number))
        ).all()
    assert transfer.number in at.success[0].value
    assert [(ln.quantity, ln.value) for ln in lines] == [
        (Decimal(8), Decimal("80.00")),
        (Decimal(4), Decimal("16.00")),
        (Decimal(1), Decimal("150.00")),
    ]
    assert (_on_hand(engine, WIDGET, MAIN), _on_hand(engine, WIDGET, SIDE)) == (12, 8)
    assert (_lot_level(engine, "L-1", MAIN), _lot_level(engine, "L-1", SIDE)) == (6, 4)
    assert (_lot_level(engine, "SN-2", MAIN), _lot_level(engine, "SN-2", SIDE)) == (0, 1)
    assert (_on_hand(engine, SCANNER, MAIN), _on_hand(engine, SCANNER, SIDE)) == (1, 1)


def test_transferring_more_than_on_hand_is_refused_on_its_row(
    stocked: Stocked, engine: Engine
) -> None:
    # Row 1 left empty: the refusal names the grid row (as its line), not the service's line.
    at = _transfer_form(stocked, [{}, {"item": WIDGET, "quantity": "25"}])
    assert any("Row 2" in w.value and "20 of T-WIDGET on hand" in w.value for w in at.warning)
    before = count(stocked.url, "stock_transfer"), count(stocked.url, "stock_movement")
    _click(at, "Transfer")
    error = the_error(at)
    assert error.value.startswith("Line 2"), error.value
    assert "only 20 pcs of T-WIDGET in warehouse T-MAIN; 25 cannot go out" in error.value
    assert input_above(at, error).type == "dataframe"
    assert (count(stocked.url, "stock_transfer"), count(stocked.url, "stock_movement")) == before
    assert _on_hand(engine, WIDGET, MAIN) == Decimal(20)


def test_a_transfer_needs_two_warehouses(stocked: Stocked, engine: Engine) -> None:
    at = _transfer_form(stocked, [{"item": WIDGET, "quantity": "1"}])
    division = at.selectbox(key="stock_transfer_division").value
    at.selectbox(key=f"stock_transfer_to_0_{division}").set_value(MAIN).run()
    before = count(stocked.url, "stock_transfer"), count(stocked.url, "stock_movement")
    _click(at, "Transfer")
    error = the_error(at)
    assert error.value == "Pick two different warehouses to transfer between."
    assert input_above(at, error).label == "To warehouse"
    assert (count(stocked.url, "stock_transfer"), count(stocked.url, "stock_movement")) == before


# ------------------------------------------------------------------------------ stock count


def _count_form(w: Stocked) -> tuple[AppTest, str]:
    at = _page(w, "stock_count")
    division = at.selectbox(key="stock_count_division").value
    at.selectbox(key=f"stock_count_warehouse_0_{division}").set_value(MAIN).run()
    at.date_input(key="stock_count_date_0").set_value(w.company.open_date)
    assert not at.exception, [e.message for e in at.exception]
    return at, f"stock_count_lines_0_{division}_{MAIN}"


def test_stock_count_posts_the_differences(stocked: Stocked, engine: Engine) -> None:
    at, key = _count_form(stocked)
    grid = at.data_editor[0].value
    # What the system has in MAIN: per lot and per serial number for tracked items.
    assert list(zip(grid["item"], grid["lot"].fillna(""), grid["system"], strict=True)) == [
        (GLUE, "L-1", "10"),
        (SCANNER, "SN-1", "1"),
        (SCANNER, "SN-2", "1"),
        (WIDGET, "", "20"),
    ]
    at.session_state[key] = {
        # SN-2 is not counted (left empty); BOLT is found although the system has none.
        "edited_rows": {0: {"counted": "11"}, 1: {"counted": "0"}, 3: {"counted": "18"}},
        "added_rows": [{"item": BOLT, "counted": "5"}],
        "deleted_rows": [],
    }
    at.run()
    preview = _table(at, "Difference")
    assert list(zip(preview["Item"], preview["Difference"], strict=True)) == [
        (GLUE, "1"),
        (SCANNER, "-1"),
        (WIDGET, "-2"),
        (BOLT, "5"),
    ]
    _click(at, "Post count")
    _no_errors(at)

    with Session(engine) as s:
        counted = s.exec(select(StockCount).order_by(col(StockCount.id).desc())).first()
        assert counted is not None
        lines = s.exec(
            select(StockCountLine, Item)
            .join(Item, col(Item.id) == StockCountLine.item_id)
            .where(StockCountLine.count_id == counted.id)
            .order_by(col(StockCountLine.line_number))
        ).all()
    assert counted.number in at.success[0].value
    assert [
        (i.code, ln.system_quantity, ln.counted_quantity, ln.difference, ln.value)
        for ln, i in lines
    ] == [
        (GLUE, 10, 11, 1, Decimal("4.00")),
        (SCANNER, 1, 0, -1, Decimal("-150.00")),
        (WIDGET, 20, 18, -2, Decimal("-20.00")),
        (BOLT, 0, 5, 5, Decimal("0.00")),
    ]
    posted = _table(at, "Value (EUR)")
    assert list(posted["Item"]) == [GLUE, SCANNER, WIDGET, BOLT]
    assert list(posted["Value (EUR)"]) == ["4.00", "-150.00", "-20.00", "0.00"]
    assert _on_hand(engine, WIDGET, MAIN) == Decimal(18)
    assert _lot_level(engine, "L-1", MAIN) == Decimal(11)
    assert (_lot_level(engine, "SN-1", MAIN), _lot_level(engine, "SN-2", MAIN)) == (0, 1)
    assert _on_hand(engine, BOLT, MAIN) == Decimal(5)


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        ({2: {"counted": "2"}}, "Line 3: a serial number is one unit; count 0 or 1."),
        ({3: {"counted": "-1"}}, "Line 4: the counted quantity cannot be negative."),
        ({}, "A count needs at least one line."),
    ],
    ids=["two of one serial", "negative", "nothing counted"],
)
def test_stock_count_refused_under_the_grid(
    stocked: Stocked, engine: Engine, edited: dict[int, dict[str, str]], expected: str
) -> None:
    at, key = _count_form(stocked)
    at.session_state[key] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}
    at.run()
    tables = ("stock_count", "stock_count_line", "stock_movement")
    before = [count(stocked.url, t) for t in tables]
    _click(at, "Post count")
    error = the_error(at)
    assert error.value == expected
    assert input_above(at, error).type == "dataframe"
    assert [count(stocked.url, t) for t in tables] == before
    assert _on_hand(engine, WIDGET, MAIN) == Decimal(20)


# -------------------------------------------------------------------------------- pages

PAGES = {
    "app_pages/forms/customer_return.py": "Customer return",
    "app_pages/forms/stock_transfer.py": "Stock transfer",
    "app_pages/forms/stock_count.py": "Stock count",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_stock_form_renders(stocked: Stocked, page: str) -> None:
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
