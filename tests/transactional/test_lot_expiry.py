"""Lot expiry dates recorded where goods come in (receipts, counts, opening stock, production
completions), on SQLite and PostgreSQL: the lot a movement creates stores the date; the
same date or none again is accepted; another date is refused, naming the lot and both
dates, and nothing is written; an expiry date on an untracked item is refused. The lots a
backflush picks by these dates: tests/transactional/test_production_orders.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from ingestion.manufacturing.files import read_opening_stock
from tests.conftest import database_with
from tests.transactional.company import user
from tests.transactional.manufacturing_company import add_bom
from tests.transactional.test_production_orders import _build_tables, new_order
from tests.transactional.test_purchasing_flow import line_ids, po, receive, setup
from transactional.database import make_engine, session_scope
from transactional.errors import ValidationError
from transactional.finance.models import JournalEntry
from transactional.manufacturing import item_planning
from transactional.manufacturing import production_orders as po_
from transactional.manufacturing import production_postings as pp
from transactional.manufacturing.boms import BomLineDraft as Bl
from transactional.manufacturing.models import ProductionOrder
from transactional.manufacturing.opening_stock_load import OpeningStockRow, load_opening_stock
from transactional.manufacturing.production_postings import MaterialIssue
from transactional.purchasing.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrderLine
from transactional.purchasing.orders import PurchaseLineDraft as Line
from transactional.purchasing.receipts import ReceiptLineDraft
from transactional.stock.counts import CountLineDraft, post_stock_count
from transactional.stock.lot_picking import lots_on_hand
from transactional.stock.models import StockLot, StockLotLevel, StockMovement
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item, Warehouse

D = Decimal


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    setup(eng)
    yield eng
    eng.dispose()


def expiry(s: Session, item: str, number: str) -> date | None:
    lot = s.exec(
        select(StockLot)
        .join(Item, Item.id == StockLot.item_id)  # type: ignore[arg-type]
        .where(Item.code == item, StockLot.number == number)
    ).one()
    return lot.expiry_date


def written(engine) -> tuple[int, ...]:
    """How many receipts, receipt lines, movements, entries and lots there are, and the
    quantity received on all order lines: what a refused document must leave as it was."""
    with session_scope(engine) as s:
        counted = tuple(
            s.exec(select(func.count()).select_from(t)).one()
            for t in (GoodsReceipt, GoodsReceiptLine, StockMovement, JournalEntry, StockLot)
        )
        received = s.exec(select(func.sum(PurchaseOrderLine.quantity_received))).one()
        lots = s.exec(select(func.sum(StockLotLevel.quantity))).one()
        return (*counted, D(received or 0), D(lots or 0))


def receive_paint(engine, qty: str, lot: str, expiry_date: str | None, on: str = "2025-03-05"):
    with session_scope(engine) as s:
        order = po(s, [Line("PAINT", qty, "8.00")])
        (line,) = line_ids(s, order.id)
        return receive(
            s, order.id, on, [ReceiptLineDraft(line, qty, lot=lot, expiry_date=expiry_date)]
        )


def test_a_receipt_stores_the_expiry_date_of_the_lot_it_creates(engine) -> None:
    receive_paint(engine, "4", "P-1", "31-12-2025")  # typed day-month-year
    receive_paint(engine, "2", "P-2", "2026-06-30")  # typed ISO
    with session_scope(engine) as s:
        order = po(s, [Line("PHONE", "2", "100")])
        (line,) = line_ids(s, order.id)
        receive(
            s,
            order.id,
            "2025-03-05",
            [ReceiptLineDraft(line, "2", serials=["SN-1", "SN-2"], expiry_date="2027-01-31")],
        )
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "P-1") == date(2025, 12, 31)
        assert expiry(s, "PAINT", "P-2") == date(2026, 6, 30)
        # Serial numbers may carry one too: every serial of the line gets the line's date.
        assert expiry(s, "PHONE", "SN-1") == expiry(s, "PHONE", "SN-2") == date(2027, 1, 31)


def test_the_same_date_or_none_into_an_existing_lot_is_accepted(engine) -> None:
    receive_paint(engine, "4", "P-1", "2025-12-31")
    receive_paint(engine, "1", "P-1", "31-12-2025", on="2025-03-06")
    receive_paint(engine, "1", "P-1", None, on="2025-03-07")
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "P-1") == date(2025, 12, 31)
        levels = s.exec(select(StockLotLevel.quantity)).all()
        assert levels == [D(6)]


def test_another_date_into_an_existing_lot_is_refused_and_nothing_is_written(engine) -> None:
    receive_paint(engine, "4", "P-1", "2025-12-31")
    before = written(engine)
    with pytest.raises(ValidationError) as refused:
        receive_paint(engine, "2", "P-1", "2025-11-30", on="2025-03-06")
    assert str(refused.value) == (
        "Line 1: lot P-1 of item PAINT expires on 2025-12-31, not on 2025-11-30: a lot has one "
        "expiry date. Give 2025-12-31 or no date, or enter the goods under another lot number."
    )
    assert refused.value.field == "lines.1"
    # The purchase order went with the refused receipt (one session): all as it was.
    assert written(engine) == before
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "P-1") == date(2025, 12, 31)


def test_two_lines_of_one_receipt_with_two_dates_for_one_lot_are_refused(engine) -> None:
    before = written(engine)
    with session_scope(engine) as s:
        order = po(s, [Line("PAINT", "2", "8.00"), Line("PAINT", "3", "8.00")])
        first, second = line_ids(s, order.id)
    refused = pytest.raises(
        ValidationError, match="^Line 2: lot P-9 of item PAINT expires on 2026-01-31, not on"
    )
    with refused, session_scope(engine) as s:
        receive(
            s,
            order.id,
            "2025-03-05",
            [
                ReceiptLineDraft(first, "2", lot="P-9", expiry_date="2026-01-31"),
                ReceiptLineDraft(second, "3", lot="P-9", expiry_date="2026-02-28"),
            ],
        )
    assert written(engine) == before


def test_an_expiry_date_for_an_untracked_item_or_not_a_date_is_refused(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("NUT", "5", "4.00"), Line("PAINT", "1", "8.00")])
        nut, paint = line_ids(s, order.id)
    before = written(engine)
    with pytest.raises(ValidationError) as refused, session_scope(engine) as s:
        receive(s, order.id, "2025-03-05", [ReceiptLineDraft(nut, "5", expiry_date="2026-01-31")])
    assert str(refused.value) == (
        "Line 1: item NUT is not tracked by lot or serial number; an expiry date belongs to a "
        "lot, leave it empty."
    )
    with pytest.raises(ValidationError) as refused, session_scope(engine) as s:
        receive(
            s,
            order.id,
            "2025-03-05",
            [ReceiptLineDraft(paint, "1", lot="P-1", expiry_date="31-02-2026")],
        )
    assert str(refused.value) == (
        "Line 1: expiry date '31-02-2026' is not a date; use YYYY-MM-DD or DD-MM-YYYY."
    )
    assert refused.value.field == "lines.1.expiry_date"
    assert written(engine) == before


def test_an_expiry_date_before_the_receipt_date_is_accepted(engine) -> None:
    """Expired goods can arrive (to be sent back or destroyed): the books show them."""
    receive_paint(engine, "1", "OLD", "2025-01-31", on="2025-03-05")
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "OLD") == date(2025, 1, 31)


def test_a_lot_without_a_date_takes_the_first_date_given(engine) -> None:
    """A count brings lot P-5 in without a date; the receipt into it later gives one."""
    with session_scope(engine) as s:
        post_stock_count(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            warehouse="MAIN",
            count_date="2025-03-04",
            lines=[CountLineDraft("PAINT", "2", lot="P-5")],
        )
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "P-5") is None
    receive_paint(engine, "3", "P-5", "2026-03-31")
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "P-5") == date(2026, 3, 31)


def test_a_count_gain_records_the_date_and_a_count_refuses_another(engine) -> None:
    receive_paint(engine, "4", "P-1", "2025-12-31")
    with session_scope(engine) as s:
        post_stock_count(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            warehouse="MAIN",
            count_date="2025-03-10",
            lines=[
                CountLineDraft("PAINT", "4", lot="P-1", expiry_date="2025-12-31"),
                CountLineDraft("PAINT", "3", lot="P-7", expiry_date="15-08-2026"),
            ],
        )
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "P-7") == date(2026, 8, 15)
    before = written(engine)
    for line, message in (
        # No difference on P-1, but the date read on the goods is not the lot's.
        (
            CountLineDraft("PAINT", "4", lot="P-1", expiry_date="2025-10-31"),
            r"^Line 1: lot P-1 of item PAINT expires on",
        ),
        # A gain into P-7 with another date.
        (
            CountLineDraft("PAINT", "5", lot="P-7", expiry_date="2026-08-16"),
            r"^Line 1: lot P-7 of item PAINT expires on",
        ),
        (CountLineDraft("NUT", "1", expiry_date="2026-01-01"), "item NUT is not tracked by lot"),
    ):
        with pytest.raises(ValidationError, match=message), session_scope(engine) as s:
            post_stock_count(
                session=s,
                user=user(s, "clerk"),
                division="HOLD",
                warehouse="MAIN",
                count_date="2025-03-11",
                lines=[line],
            )
    assert written(engine) == before


def test_opening_stock_rows_record_and_check_expiry_dates(engine) -> None:
    def load(*rows: OpeningStockRow) -> None:
        with session_scope(engine) as s:
            load_opening_stock(
                session=s,
                user=user(s, "clerk"),
                division="HOLD",
                rows=list(rows),
                on=date(2025, 1, 1),
            )

    load(
        OpeningStockRow(2, "PAINT", "MAIN", D(5), D("8.00"), "OS-1", date(2026, 5, 31)),
        OpeningStockRow(3, "PAINT", "MAIN", D(2), D("8.00"), "OS-2"),
    )
    with session_scope(engine) as s:
        assert expiry(s, "PAINT", "OS-1") == date(2026, 5, 31)
        assert expiry(s, "PAINT", "OS-2") is None
    # Loading the same file again posts nothing and is not refused.
    load(OpeningStockRow(2, "PAINT", "MAIN", D(5), D("8.00"), "OS-1", date(2026, 5, 31)))
    before = written(engine)
    with pytest.raises(ValidationError) as refused:
        load(OpeningStockRow(2, "PAINT", "MAIN", D(6), D("8.00"), "OS-1", date(2026, 6, 30)))
    assert str(refused.value) == (
        "Row 2: lot OS-1 of item PAINT expires on 2026-05-31, not on 2026-06-30: a lot has one "
        "expiry date. Give 2026-05-31 or no date, or enter the goods under another lot number."
    )
    with pytest.raises(ValidationError) as refused:
        load(OpeningStockRow(2, "NUT", "MAIN", D(6), D("4.00"), "", date(2026, 6, 30)))
    assert str(refused.value) == (
        "Row 2: item NUT is not tracked by lot or serial number; leave the expiry_date empty."
    )
    assert written(engine) == before


def test_picking_order_follows_the_recorded_dates(engine) -> None:
    """Received in the order P-A (no date), P-B (2026-09-30), P-C (2026-03-31): the picking
    rule offers P-C, then P-B, then the undated P-A."""
    receive_paint(engine, "1", "P-A", None, on="2025-03-05")
    receive_paint(engine, "1", "P-B", "30-09-2026", on="2025-03-06")
    receive_paint(engine, "1", "P-C", "31-03-2026", on="2025-03-07")
    with session_scope(engine) as s:
        paint = s.exec(select(Item).where(Item.code == "PAINT")).one()
        main = s.exec(select(Warehouse).where(Warehouse.code == "MAIN")).one()
        order = [lot.number for lot, _ in lots_on_hand(session=s, item=paint, warehouse=main)]
        assert order == ["P-C", "P-B", "P-A"]


# --- production completion ------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def made(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The production orders' test set-up (LEG on hand in MAIN) plus PASTE, a lot-tracked
    product made from 1 LEG, and a released order of 4 PASTE with its 4 LEG issued."""
    with database_with(request, tmp_path, _build_tables) as url:
        eng = make_engine(url)
        with session_scope(eng) as s:
            admin = user(s, "admin")
            wi.create_item(
                session=s, user=admin, division="HOLD", code="PASTE", name="Paste", tracking="lot"
            )
            item_planning.set_item_planning(
                session=s, user=admin, division="HOLD", item="PASTE", supply="make"
            )
            add_bom(s, admin, "PASTE", [Bl("LEG", "1")])
        order_id = new_order(eng, "4", item="PASTE")
        with session_scope(eng) as s:
            clerk = user(s, "clerk")
            po_.release_production_order(session=s, user=clerk, order=order_id, on="2025-03-03")
            pp.issue_materials(
                session=s,
                user=clerk,
                order=order_id,
                lines=[MaterialIssue("LEG", "4")],
                on="2025-03-03",
            )
        yield eng
        eng.dispose()


def complete(engine, qty: str, lot: str, expiry_date: str | None) -> None:
    with session_scope(engine) as s:
        order = s.exec(select(ProductionOrder)).one()
        pp.complete_production(
            session=s,
            user=user(s, "clerk"),
            order=order.id or 0,
            quantity=qty,
            on="2025-03-10",
            lot_number=lot,
            expiry_date=expiry_date,
        )


def test_a_production_receipt_records_the_lots_expiry_date(made) -> None:
    complete(made, "2", "PB-1", "30-09-2025")
    with session_scope(made) as s:
        assert expiry(s, "PASTE", "PB-1") == date(2025, 9, 30)
    before = written(made)
    with pytest.raises(ValidationError) as refused:
        complete(made, "2", "PB-1", "2025-10-31")
    assert str(refused.value).startswith(
        "Completion: lot PB-1 of item PASTE expires on 2025-09-30, not on 2025-10-31"
    )
    assert written(made) == before
    complete(made, "2", "PB-1", None)  # no date: the lot keeps its own
    with session_scope(made) as s:
        assert expiry(s, "PASTE", "PB-1") == date(2025, 9, 30)
        assert s.exec(
            select(StockLotLevel.quantity).join(StockLot).where(StockLot.number == "PB-1")
        ).one() == D(4)


def test_the_opening_stock_file_reads_the_expiry_date_column() -> None:
    content = (
        b"item;warehouse;quantity;lot;expiry_date\nPAINT;MAIN;3;L-7;31-05-2026\nNUT;MAIN;2;;\n"
    )
    assert read_opening_stock(content, "stock.csv") == [
        OpeningStockRow(2, "PAINT", "MAIN", D(3), None, "L-7", date(2026, 5, 31)),
        OpeningStockRow(3, "NUT", "MAIN", D(2), None, "", None),
    ]
    with pytest.raises(ValidationError) as refused:
        read_opening_stock(
            b"item,warehouse,quantity,lot,expiry_date\nPAINT,MAIN,3,L-7,soon\n", "s.csv"
        )
    assert str(refused.value) == (
        "Row 2, column expiry_date: 'soon' is not a date; write it like 2025-01-31."
    )
