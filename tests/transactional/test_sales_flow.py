"""Sales: quotes, orders, deliveries, invoices and returns, on SQLite and PostgreSQL.

Numbers are hand-worked in the comments; stock is received by calling ``post_stock``
directly (a goods receipt against 1610 GRNI) so these tests stand on the stock core only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import Account, Invoice, InvoiceLine, JournalEntry, JournalLine
from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplyContract
from transactional.relations.models import Relation
from transactional.relations.services import create_relation
from transactional.sales import deliveries, invoicing, orders, returns
from transactional.sales.models import (
    Delivery,
    DeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)
from transactional.stock.models import DocumentCounter, StockLevel, StockMovement
from transactional.stock.movements import Movement, on_hand, post_stock
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item, Warehouse

D = Decimal


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        acc = user(s, "accountant")
        wi.create_warehouse(session=s, user=acc, division="HOLD", code="MAIN", name="Main")
        for code, extra in (
            ("HAM", dict(sales_price="20.00")),
            ("BOLT", dict(sales_price="1.50", allow_negative_stock=True)),
            ("PHONE", dict(sales_price="300.00", tracking="serial")),
            ("PAINT", dict(sales_price="12.00", tracking="lot", unit="l")),
        ):
            wi.create_item(
                session=s, user=acc, division="HOLD", code=code, name=code.title(), **extra
            )
    yield eng
    eng.dispose()


def receive(
    engine, item: str, quantity: str, unit_cost: str, on: str = "2025-03-01", lot: str | None = None
) -> None:
    """Goods in at a unit cost: 3000 Inventory against 1610 GRNI."""
    with session_scope(engine) as s:
        lookups = Lookups(s)
        div = lookups.division("HOLD")
        post_stock(
            session=s,
            user=user(s, "accountant"),
            lookups=lookups,
            division=div,
            on=date.fromisoformat(on),
            action="purchase",
            document_number="TEST",
            description="Test receipt",
            movements=[
                Movement(
                    item=_item(s, item),
                    warehouse=_warehouse(s),
                    movement_type="receipt",
                    quantity=D(quantity),
                    counter_account_id=lookups.account(div, "1610").id or 0,
                    unit_cost=D(unit_cost),
                    lot_number=lot,
                    source_type="test",
                )
            ],
            entry_source_type="test",
        )


def _item(s: Session, code: str) -> Item:
    return s.exec(select(Item).where(Item.code == code)).one()


def _warehouse(s: Session) -> Warehouse:
    return s.exec(select(Warehouse).where(Warehouse.code == "MAIN")).one()


def draft(customer: str = "C1", lines=None, on: str = "2025-04-01", **kw):
    return orders.SalesOrderDraft(
        division="HOLD",
        customer=customer,
        warehouse="MAIN",
        lines=lines if lines is not None else [orders.SalesLineDraft("HAM", "12")],
        order_date=on,
        **kw,
    )


def new_order(engine, lines, customer: str = "C1", username: str = "clerk") -> tuple[int, list]:
    """An order; returns its id and its line ids."""
    with session_scope(engine) as s:
        result = orders.create_order(
            session=s, user=user(s, username), draft=draft(customer, lines)
        )
        oid = result.order.id
        assert oid is not None
        return oid, [ln.id for ln in orders.order_lines(s, oid)]


def entry_amounts(s: Session, entry_id: int | None) -> dict[str, Decimal]:
    """Signed base amount per account code of one entry (debit +, credit -)."""
    assert entry_id is not None
    rows = s.exec(
        select(Account.code, JournalLine.amount_base)
        .join(Account, col(JournalLine.account_id) == Account.id)
        .where(JournalLine.entry_id == entry_id)
    ).all()
    out: dict[str, Decimal] = {}
    for code, amount in rows:
        out[code] = out.get(code, D(0)) + amount
    assert sum(out.values()) == 0
    return out


def stock_vs_ledger(s: Session) -> tuple[Decimal, Decimal]:
    div = Lookups(s).division("HOLD")
    moved = s.exec(select(StockMovement.value).where(StockMovement.division_id == div.id)).all()
    ledger = s.exec(
        select(JournalLine.amount_base)
        .join(Account, col(JournalLine.account_id) == Account.id)
        .where(JournalLine.division_id == div.id, Account.code == "3000")
    ).all()
    return sum(moved, D(0)), sum(ledger, D(0))


def line(s: Session, line_id: int) -> SalesOrderLine:
    found = s.get(SalesOrderLine, line_id)
    assert found is not None
    return found


SALES_TABLES = (
    SalesOrder,
    SalesOrderLine,
    Delivery,
    DeliveryLine,
    SalesReturn,
    SalesReturnLine,
    StockMovement,
    StockLevel,
    JournalEntry,
    Invoice,
    DocumentCounter,
    AuditLog,
)


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {m.__name__: s.exec(select(func.count()).select_from(m)).one() for m in SALES_TABLES}


def test_quote_to_invoice_with_back_order_and_moving_average_cost(engine) -> None:
    # 10 @ 8.00 + 5 @ 11.00 = 15 units worth 135.00: average 9.00.
    receive(engine, "HAM", "10", "8.00")
    receive(engine, "HAM", "5", "11.00")
    with session_scope(engine) as s:
        clerk = user(s, "clerk")
        orders.create_salesperson(
            session=s, user=clerk, division="HOLD", code="JD", name="Jane Doe"
        )
        hold = Lookups(s).division("HOLD")
        c1 = s.exec(
            select(Relation).where(Relation.code == "C1", Relation.division_id == hold.id)
        ).one()
        orders.assign_salesperson(session=s, user=clerk, customer=c1, salesperson="JD")
        quote = orders.create_quote(
            session=s,
            user=clerk,
            draft=draft(lines=[orders.SalesLineDraft("HAM", "12", vat_code="V21")]),
        )
        assert (quote.status, quote.quote_number, quote.order_number) == (
            "quote",
            "QU2025-00001",
            None,
        )
        assert quote.salesperson_id is not None and quote.currency_code == "EUR"
        quote_id = quote.id
        assert quote_id is not None
        (ham,) = orders.order_lines(s, quote_id)
        # No price rule: the list price.
        assert (ham.unit_price, ham.price_rule_id, ham.vat_code) == (D("20.00"), None, "V21")
        # A quote reserves nothing.
        avail = orders.availability(s, ham.item_id, quote.warehouse_id)
        assert (avail.on_hand, avail.reserved, avail.available) == (D(15), D(0), D(15))
    with session_scope(engine) as s:
        result = orders.confirm_quote(
            session=s, user=user(s, "clerk"), order_id=quote_id, order_date="2025-04-02"
        )
        assert result.shortages == []
        order = result.order
        assert (order.status, order.order_number, order.order_date) == (
            "order",
            "SO2025-00001",
            date(2025, 4, 2),
        )
        avail = orders.availability(s, ham.item_id, order.warehouse_id)
        assert (avail.reserved, avail.available) == (D(12), D(3))
    with session_scope(engine) as s:
        first = deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=quote_id,
            delivery_date="2025-04-03",
            lines=[deliveries.DeliveryLineDraft(ham.id or 0, "5")],
        )
        assert first.number == "DL2025-00001"
        # 5 x 9.00 = 45.00 from stock to cost of sales.
        assert entry_amounts(s, first.entry_id) == {"7000": D("45.00"), "3000": D("-45.00")}
        (dl,) = s.exec(select(DeliveryLine).where(DeliveryLine.delivery_id == first.id)).all()
        assert (dl.quantity, dl.cost_value) == (D(5), D("45.00"))
    with session_scope(engine) as s:
        # The back order: 7 still open, still reserved; the order stays open.
        back = line(s, ham.id or 0)
        assert back.quantity - back.quantity_delivered == D(7)
        assert s.get(SalesOrder, quote_id).status == "order"  # type: ignore[union-attr]
        avail = orders.availability(s, back.item_id, _warehouse(s).id or 0)
        assert (avail.on_hand, avail.reserved, avail.available) == (D(10), D(7), D(3))
        # Nothing more than delivered can be invoiced.
        with pytest.raises(ValidationError) as err:
            invoicing.invoice_order(
                session=s,
                user=user(s, "clerk"),
                order_id=quote_id,
                invoice_date="2025-04-03",
                quantities={ham.id: "6"},
            )
        assert err.value.field == f"quantities.{ham.id}"
        assert "only 5 delivered and not yet invoiced; 6 cannot be invoiced" in err.value.message
    # 10 units left worth 90.00; 10 @ 12.00 in: 20 units, 210.00, average 10.50.
    receive(engine, "HAM", "10", "12.00", on="2025-04-04")
    with session_scope(engine) as s:
        second = deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=quote_id, delivery_date="2025-04-05"
        )
        assert second.number == "DL2025-00002"
        # 7 x 10.50 = 73.50.
        assert entry_amounts(s, second.entry_id) == {"7000": D("73.50"), "3000": D("-73.50")}
        with pytest.raises(ValidationError, match="Nothing left to deliver"):
            deliveries.deliver(
                session=s, user=user(s, "clerk"), order_id=quote_id, delivery_date="2025-04-05"
            )
    with session_scope(engine) as s:
        inv = invoicing.invoice_order(
            session=s, user=user(s, "clerk"), order_id=quote_id, invoice_date="2025-04-06"
        )
        # 12 x 20.00 = 240.00 + 21 % VAT 50.40 = 290.40.
        assert (inv.amount_excl_vat, inv.vat_amount, inv.amount_incl_vat) == (
            D("240.00"),
            D("50.40"),
            D("290.40"),
        )
        assert entry_amounts(s, inv.entry_id) == {
            "1300": D("290.40"),
            "8000": D("-240.00"),
            "1650": D("-50.40"),
        }
        (il,) = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)).all()
        assert (il.sales_order_line_id, il.item_id, il.quantity) == (ham.id, ham.item_id, D(12))
        done = line(s, ham.id or 0)
        assert (done.quantity_delivered, done.quantity_invoiced) == (D(12), D(12))
        assert s.get(SalesOrder, quote_id).status == "closed"  # type: ignore[union-attr]
        # Stock: 80 + 55 - 45 + 120 - 73.50 = 136.50 for 13 units, equal to the ledger.
        assert on_hand(s, ham.item_id) == D(13)
        assert stock_vs_ledger(s) == (D("136.50"), D("136.50"))
    with pytest.raises(ValidationError, match="closed"), session_scope(engine) as s:
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=quote_id, delivery_date="2025-04-07"
        )


def test_foreign_customer_is_priced_in_its_currency(engine) -> None:
    with session_scope(engine) as s:
        result = orders.create_order(
            session=s,
            user=user(s, "clerk"),
            draft=draft(
                "C2",
                [orders.SalesLineDraft("HAM", "1"), orders.SalesLineDraft("BOLT", "3", "2.5")],
                on="2025-06-15",
            ),
        )
        assert result.order.currency_code == "USD"
        ham, bolt = orders.order_lines(s, result.order.id or 0)
        # 20.00 EUR at 0.92 EUR per USD = 21.739... -> 21.74 USD; a typed price is in USD.
        assert (ham.unit_price, bolt.unit_price) == (D("21.74"), D("2.50"))


def test_invoice_beyond_delivered_and_delivery_beyond_ordered_are_refused(engine) -> None:
    receive(engine, "HAM", "10", "8.00")
    oid, (lid,) = new_order(engine, [orders.SalesLineDraft("HAM", "3")])
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        invoicing.invoice_order(
            session=s, user=user(s, "clerk"), order_id=oid, invoice_date="2025-04-02"
        )
    assert err.value.field == "order_id" and "Nothing to invoice" in err.value.message
    before = counts(engine)
    for lines, field, message in (
        ([deliveries.DeliveryLineDraft(lid, "4")], "lines.1.quantity", "3 pcs of HAM ordered"),
        (
            [deliveries.DeliveryLineDraft(lid, "2"), deliveries.DeliveryLineDraft(lid, "2")],
            "lines.2.quantity",
            "2 already delivered; 2 more cannot be delivered",
        ),
        ([deliveries.DeliveryLineDraft(lid, "0")], "lines.1.quantity", "above zero"),
        ([deliveries.DeliveryLineDraft(lid, "two")], "lines.1.quantity", "must be a number"),
        ([deliveries.DeliveryLineDraft(lid + 99, "1")], "lines.1.order_line_id", "not a line"),
        ([deliveries.DeliveryLineDraft(lid, "1", lot="L1")], "lines.1.lot", "not tracked"),
    ):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            deliveries.deliver(
                session=s,
                user=user(s, "clerk"),
                order_id=oid,
                delivery_date="2025-04-02",
                lines=lines,
            )
        assert err.value.field == field and message in err.value.message, err.value
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=oid, delivery_date="2025-03-31"
        )
    assert err.value.field == "delivery_date"
    assert counts(engine) == before
    with session_scope(engine) as s:
        deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            delivery_date="2025-04-02",
            lines=[deliveries.DeliveryLineDraft(lid, "2")],
        )
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        invoicing.invoice_order(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            invoice_date="2025-04-02",
            quantities={lid: "2.5"},
        )
    assert err.value.field == f"quantities.{lid}"
    with session_scope(engine) as s:
        inv = invoicing.invoice_order(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            invoice_date="2025-04-02",
            quantities={lid: "2"},
        )
        assert inv.amount_excl_vat == D("40.00")
        assert s.get(SalesOrder, oid).status == "order"  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="Nothing to invoice"), session_scope(engine) as s:
        invoicing.invoice_order(
            session=s, user=user(s, "clerk"), order_id=oid, invoice_date="2025-04-03"
        )
    # Cancelling the rest closes the order: everything kept is invoiced.
    with session_scope(engine) as s:
        cancelled = orders.cancel_order(session=s, user=user(s, "clerk"), order_id=oid)
        assert cancelled.status == "closed" and line(s, lid).quantity == D(2)


def test_negative_stock_is_refused_unless_the_item_allows_it(engine) -> None:
    receive(engine, "HAM", "2", "8.00")
    receive(engine, "BOLT", "1", "0.40")
    oid, (ham, bolt) = new_order(
        engine, [orders.SalesLineDraft("HAM", "3"), orders.SalesLineDraft("BOLT", "5")]
    )
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=oid, delivery_date="2025-04-02"
        )
    assert err.value.field == "lines"
    assert "only 2 pcs of HAM in warehouse MAIN; 3 cannot go out" in err.value.message
    assert counts(engine) == before
    with session_scope(engine) as s:
        d = deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            delivery_date="2025-04-02",
            lines=[deliveries.DeliveryLineDraft(bolt, "5")],
        )
        # BOLT may go negative: 1 unit at 0.40, then 4 more at the last cost 0.40 = 2.00.
        assert entry_amounts(s, d.entry_id) == {"7000": D("2.00"), "3000": D("-2.00")}
        assert on_hand(s, line(s, bolt).item_id) == D(-4)
        # 2 x 8.00 + 0.40 - 2.00 = 14.40.
        assert stock_vs_ledger(s) == (D("14.40"), D("14.40"))


def test_serial_and_lot_deliveries_and_returns(engine) -> None:
    receive(engine, "PHONE", "1", "100.00", lot="SN1")
    receive(engine, "PHONE", "1", "130.00", lot="SN2")
    receive(engine, "PAINT", "10", "3.00", lot="L7")
    oid, (phone, paint) = new_order(
        engine, [orders.SalesLineDraft("PHONE", "2"), orders.SalesLineDraft("PAINT", "4")]
    )
    before = counts(engine)
    for lines, field, message in (
        (None, "lines", "item PHONE needs serial numbers"),
        ([deliveries.DeliveryLineDraft(phone, "1")], "lines.1.serials", "enter one per unit"),
        (
            [deliveries.DeliveryLineDraft(phone, "2", serials=["SN1"])],
            "lines.1.serials",
            "1 serial numbers for a quantity of 2",
        ),
        (
            [deliveries.DeliveryLineDraft(phone, "1", serials=["SN9"])],
            "lines.1.serials",
            "serial number SN9 of item PHONE is not in stock",
        ),
        (
            [deliveries.DeliveryLineDraft(phone, "2", serials=["SN1", "SN1"])],
            "lines.1.serials",
            "entered twice",
        ),
        ([deliveries.DeliveryLineDraft(paint, "1")], "lines.1.lot", "enter the lot"),
        (
            [deliveries.DeliveryLineDraft(paint, "1", lot="L8")],
            "lines.1.lot",
            "lot L8 of item PAINT is not in stock",
        ),
    ):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            deliveries.deliver(
                session=s,
                user=user(s, "clerk"),
                order_id=oid,
                delivery_date="2025-04-02",
                lines=lines,
            )
        assert err.value.field == field and message in err.value.message, err.value
    assert counts(engine) == before
    with session_scope(engine) as s:
        d = deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            delivery_date="2025-04-02",
            lines=[
                deliveries.DeliveryLineDraft(phone, "2", serials=["SN2", "SN1"]),
                deliveries.DeliveryLineDraft(paint, "4", lot="L7"),
            ],
        )
        # Average of the phones: (100 + 130) / 2 = 115.00 each; paint 4 x 3.00 = 12.00.
        assert entry_amounts(s, d.entry_id) == {"7000": D("242.00"), "3000": D("-242.00")}
        dls = s.exec(
            select(DeliveryLine).where(DeliveryLine.delivery_id == d.id).order_by(DeliveryLine.id)
        ).all()
        assert [(x.quantity, x.cost_value) for x in dls] == [
            (D(1), D("115.00")),
            (D(1), D("115.00")),
            (D(4), D("12.00")),
        ]
        assert all(x.lot_id is not None for x in dls)
        sn2, sn1, lot = (x.id or 0 for x in dls)
        # The serial of one phone cannot come back on the other's delivery line.
        with pytest.raises(ValidationError) as err:
            returns.return_goods(
                session=s,
                user=user(s, "clerk"),
                order_id=oid,
                return_date="2025-04-03",
                lines=[returns.ReturnLineDraft(sn2, "1", serials=["SN1"])],
            )
        assert err.value.field == "lines.1.serials"
        assert "shipped serial number SN2 of PHONE, not SN1" in err.value.message
    with session_scope(engine) as s:
        ret = returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-03",
            lines=[returns.ReturnLineDraft(sn1, "1"), returns.ReturnLineDraft(lot, "3")],
            reason="Damaged box",
        )
        # Not invoiced: no credit note; stock back at the delivery cost 115.00 + 3 x 3.00.
        assert ret.credit_note_id is None and ret.number == "SR2025-00001"
        assert entry_amounts(s, ret.entry_id) == {"3000": D("124.00"), "7000": D("-124.00")}
        assert (line(s, phone).quantity_returned, line(s, paint).quantity_returned) == (
            D(1),
            D(3),
        )
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-04",
            lines=[returns.ReturnLineDraft(lot, "2")],
        )
    assert err.value.field == "lines.1.quantity"
    assert "shipped 4 l of PAINT, 3 already returned; 2 cannot come back" in err.value.message
    with session_scope(engine) as s:
        # 100 + 130 + 30 - 242 + 124 = 142.00.
        assert stock_vs_ledger(s) == (D("142.00"), D("142.00"))
    # The returned serial can be sold again, at the average cost (115.00 in, 115.00 out).
    again, (phone2,) = new_order(engine, [orders.SalesLineDraft("PHONE", "1")])
    with session_scope(engine) as s:
        d = deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=again,
            delivery_date="2025-04-05",
            lines=[deliveries.DeliveryLineDraft(phone2, "1", serials=["SN1"])],
        )
        assert entry_amounts(s, d.entry_id) == {"7000": D("115.00"), "3000": D("-115.00")}


def test_return_credits_the_invoiced_part_at_order_price_and_restocks_at_cost(engine) -> None:
    # 4 @ 9.00 in; delivered at 9.00, then 5 @ 15.00 arrive (average moves to 15.00).
    receive(engine, "HAM", "4", "9.00")
    oid, (lid,) = new_order(engine, [orders.SalesLineDraft("HAM", "4", vat_code="V21")])
    with session_scope(engine) as s:
        d = deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=oid, delivery_date="2025-04-02"
        )
        invoicing.invoice_order(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            invoice_date="2025-04-02",
            quantities={lid: "3"},
        )
        (dl,) = s.exec(select(DeliveryLine).where(DeliveryLine.delivery_id == d.id)).all()
        dl_id = dl.id or 0
    receive(engine, "HAM", "5", "15.00", on="2025-04-03")
    with session_scope(engine) as s:
        ret = returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-04",
            lines=[returns.ReturnLineDraft(dl_id, "2")],
        )
        # Back in at the delivery's 9.00, not today's average 15.00: 2 x 9.00 = 18.00.
        assert entry_amounts(s, ret.entry_id) == {"3000": D("18.00"), "7000": D("-18.00")}
        note = s.get(Invoice, ret.credit_note_id)
        assert note is not None
        # min(2 returned, 3 invoiced) = 2 x 20.00 = -40.00, VAT -8.40: -48.40.
        assert (note.amount_excl_vat, note.vat_amount, note.amount_incl_vat) == (
            D("-40.00"),
            D("-8.40"),
            D("-48.40"),
        )
        assert entry_amounts(s, note.entry_id) == {
            "1300": D("-48.40"),
            "8000": D("40.00"),
            "1650": D("8.40"),
        }
        (cl,) = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == note.id)).all()
        assert (cl.sales_order_line_id, cl.quantity, cl.unit_price) == (lid, D(-2), D("20.00"))
        ln = line(s, lid)
        assert (ln.quantity_returned, ln.quantity_credited) == (D(2), D(2))
        # Kept 4 - 2 = 2, billed 3 - 2 = 1: one more unit can be invoiced.
        assert invoicing.billable(ln) == D(1)
    with session_scope(engine) as s:
        inv = invoicing.invoice_order(
            session=s, user=user(s, "clerk"), order_id=oid, invoice_date="2025-04-05"
        )
        assert inv.amount_excl_vat == D("20.00")
        assert s.get(SalesOrder, oid).status == "closed"  # type: ignore[union-attr]
        # 36 - 36 + 75 + 18 = 93.00 on hand (7 units), equal to the ledger.
        assert stock_vs_ledger(s) == (D("93.00"), D("93.00"))


def test_shortage_suggests_a_supplier_at_order_entry(engine) -> None:
    receive(engine, "HAM", "5", "8.00")
    with session_scope(engine) as s:
        admin = user(s, "admin")
        create_relation(
            session=s,
            user=admin,
            division="HOLD",
            code="S2",
            name="Tools Direct",
            relation_type="supplier",
            country="DE",
        )
        ids = {r.code: r.id for r in s.exec(select(Relation)).all() if r.division_id == 1}
        ham, bolt = _item(s, "HAM"), _item(s, "BOLT")
        for supplier, valid_from, valid_to in (
            ("S2", "2025-01-01", "2025-12-31"),
            ("S1", "2024-01-01", "2024-12-31"),  # expired: ignored
        ):
            s.add(
                SupplyContract(
                    division_id=ham.division_id,
                    number=f"CO-{supplier}",
                    relation_id=ids[supplier] or 0,
                    item_id=ham.id or 0,
                    valid_from=date.fromisoformat(valid_from),
                    valid_to=date.fromisoformat(valid_to),
                    contracted_quantity=D(100),
                    unit_price=D("8.00"),
                    currency_code="EUR",
                    created_by=admin.id or 0,
                )
            )
        for supplier, on in (("S2", "2025-01-10"), ("S1", "2025-02-10")):
            po = PurchaseOrder(
                division_id=ham.division_id,
                number=f"PO-{supplier}",
                relation_id=ids[supplier] or 0,
                warehouse_id=_warehouse(s).id or 0,
                currency_code="EUR",
                order_date=date.fromisoformat(on),
                promised_date=date.fromisoformat(on),
                created_by=admin.id or 0,
            )
            s.add(po)
            s.flush()
            for n, it in enumerate((ham, bolt), start=1):
                s.add(
                    PurchaseOrderLine(
                        order_id=po.id or 0,
                        line_number=n,
                        item_id=it.id or 0,
                        quantity=D(10),
                        unit_price=D(1),
                        promised_date=po.promised_date,
                    )
                )
    # An earlier order reserves 3 of the 5 HAM.
    new_order(engine, [orders.SalesLineDraft("HAM", "3")])
    with session_scope(engine) as s:
        result = orders.create_order(
            session=s,
            user=user(s, "clerk"),
            draft=draft(
                lines=[
                    orders.SalesLineDraft("HAM", "4"),
                    orders.SalesLineDraft("BOLT", "2"),
                    orders.SalesLineDraft("PAINT", "1"),
                    orders.SalesLineDraft("HAM", "1"),
                ]
            ),
        )
        # The order is taken anyway (a back order).
        assert result.order.status == "order" and result.order.order_number == "SO2025-00002"
        got = {x.item_code: x for x in result.shortages}
        # HAM: 5 ordered, 5 on hand - 3 reserved = 2 available, 3 short; S2's contract.
        assert (got["HAM"].ordered, got["HAM"].available, got["HAM"].short) == (D(5), D(2), D(3))
        assert (got["HAM"].supplier_id, got["HAM"].suggested_quantity) == (ids["S2"], D(3))
        # BOLT: none on hand; no contract, the latest purchase order is S1's.
        assert (got["BOLT"].short, got["BOLT"].supplier_id) == (D(2), ids["S1"])
        # PAINT: never bought.
        assert (got["PAINT"].short, got["PAINT"].supplier_id) == (D(1), None)
        assert len(result.shortages) == 3


def test_rights_analyst_cannot_sell_and_clerk_us_not_in_hold(engine) -> None:
    receive(engine, "HAM", "5", "8.00")
    oid, _ = new_order(engine, [orders.SalesLineDraft("HAM", "1")])
    before = counts(engine)
    for username, message in (
        ("analyst", "may not enter quotes, sales orders, deliveries"),
        ("clerk_us", "User clerk_us has no rights in division HOLD"),
    ):
        with pytest.raises(PermissionDenied, match=message), session_scope(engine) as s:
            orders.create_order(session=s, user=user(s, username), draft=draft())
        with pytest.raises(PermissionDenied, match=message), session_scope(engine) as s:
            deliveries.deliver(
                session=s, user=user(s, username), order_id=oid, delivery_date="2025-04-02"
            )
        with pytest.raises(PermissionDenied, match=message), session_scope(engine) as s:
            orders.cancel_order(session=s, user=user(s, username), order_id=oid)
    assert counts(engine) == before


ORDER_BAD = [
    (dict(lines=[orders.SalesLineDraft("NOPE", "1")]), "lines.1.item", "Item NOPE does not exist"),
    (dict(lines=[orders.SalesLineDraft("HAM", "0")]), "lines.1.quantity", "above zero"),
    (dict(lines=[orders.SalesLineDraft("HAM", "-2")]), "lines.1.quantity", "above zero"),
    (dict(lines=[orders.SalesLineDraft("HAM", "lots")]), "lines.1.quantity", "must be a number"),
    (
        dict(lines=[orders.SalesLineDraft("HAM", "1"), orders.SalesLineDraft("HAM", "")]),
        "lines.2.quantity",
        "Line 2: quantity is required",
    ),
    (dict(lines=[orders.SalesLineDraft("HAM", "1", "-1")]), "lines.1.unit_price", "negative"),
    (dict(lines=[orders.SalesLineDraft("HAM", "1", vat_code="X")]), "lines.1.vat_code", "X"),
    (dict(lines=[orders.SalesLineDraft("PHONE", "1.5")]), "lines.1.quantity", "whole units"),
    (dict(lines=[]), "lines", "at least one line"),
    (dict(customer="ZZ"), "customer", "Relation ZZ does not exist"),
    (dict(customer="S1"), "customer", "Relation S1 is not a customer"),
    (dict(customer=""), "customer", "required"),
    (dict(warehouse="NOPE"), "warehouse", "Warehouse NOPE does not exist"),
    (dict(order_date="someday"), "order_date", "is not a date"),
    (dict(requested_date="2025-03-01"), "requested_date", "before the order date"),
    (dict(salesperson="NOPE"), "salesperson", "Salesperson NOPE does not exist"),
    (dict(currency="XXX"), "currency", "not known"),
]


@pytest.mark.parametrize("quote", [False, True])
def test_bad_order_input_is_refused_with_field_and_nothing_written(engine, quote: bool) -> None:
    before = counts(engine)
    for fields, field, message in ORDER_BAD:
        args = {
            "division": "HOLD",
            "customer": "C1",
            "warehouse": "MAIN",
            "lines": [orders.SalesLineDraft("HAM", "1")],
            "order_date": "2025-04-01",
            **fields,
        }
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            call = orders.create_quote if quote else orders.create_order
            call(session=s, user=user(s, "clerk"), draft=orders.SalesOrderDraft(**args))
        assert err.value.field == field and message in err.value.message, (fields, err.value)
    for order_id in (999, "abc"):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            deliveries.deliver(
                session=s,
                user=user(s, "clerk"),
                order_id=order_id,  # type: ignore[arg-type]
                delivery_date="2025-04-02",
            )
        assert err.value.field == "order_id"
    assert counts(engine) == before


def test_quote_cannot_be_delivered_and_cancelled_order_releases_stock(engine) -> None:
    receive(engine, "HAM", "5", "8.00")
    with session_scope(engine) as s:
        quote = orders.create_quote(
            session=s, user=user(s, "clerk"), draft=draft(lines=[orders.SalesLineDraft("HAM", "4")])
        )
        qid = quote.id or 0
    with (
        pytest.raises(ValidationError, match="a quote; confirm it first"),
        session_scope(engine) as s,
    ):
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=qid, delivery_date="2025-04-02"
        )
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        orders.confirm_quote(
            session=s, user=user(s, "clerk"), order_id=qid, order_date="2025-03-31"
        )
    assert err.value.field == "order_date"
    oid, (lid,) = new_order(engine, [orders.SalesLineDraft("HAM", "4")])
    with session_scope(engine) as s:
        item_id, wh = line(s, lid).item_id, _warehouse(s).id or 0
        assert orders.availability(s, item_id, wh).reserved == D(4)
        assert (
            orders.cancel_order(session=s, user=user(s, "clerk"), order_id=oid).status
            == "cancelled"
        )
        assert orders.availability(s, item_id, wh).reserved == D(0)
        with pytest.raises(ValidationError, match="nothing to cancel"):
            orders.cancel_order(session=s, user=user(s, "clerk"), order_id=oid)


def test_stock_movements_equal_the_ledger_stock_account(engine) -> None:
    receive(engine, "HAM", "3", "7.33")
    receive(engine, "HAM", "4", "8.10")
    receive(engine, "BOLT", "2", "0.333")
    oid, (ham, bolt) = new_order(
        engine, [orders.SalesLineDraft("HAM", "5"), orders.SalesLineDraft("BOLT", "3")]
    )
    with session_scope(engine) as s:
        d = deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            delivery_date="2025-04-02",
            lines=[deliveries.DeliveryLineDraft(ham, "2"), deliveries.DeliveryLineDraft(bolt, "3")],
        )
        (dl, _) = s.exec(
            select(DeliveryLine).where(DeliveryLine.delivery_id == d.id).order_by(DeliveryLine.id)
        ).all()
        dl_id = dl.id or 0
    receive(engine, "HAM", "1", "9.99", on="2025-04-03")
    with session_scope(engine) as s:
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=oid, delivery_date="2025-04-04"
        )
        invoicing.invoice_order(
            session=s, user=user(s, "clerk"), order_id=oid, invoice_date="2025-04-05"
        )
        returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-06",
            lines=[returns.ReturnLineDraft(dl_id, "1")],
        )
        returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-07",
            lines=[returns.ReturnLineDraft(dl_id, "1")],
        )
    with session_scope(engine) as s:
        moved, ledger = stock_vs_ledger(s)
        assert moved == ledger
        # Both units of the first HAM delivery came back at exactly their delivered cost.
        back = s.exec(
            select(SalesReturnLine.cost_value).where(SalesReturnLine.delivery_line_id == dl_id)
        ).all()
        assert sum(back, D(0)) == s.get(DeliveryLine, dl_id).cost_value  # type: ignore[union-attr]
        # Per movement: every entry balances and each movement's entry exists.
        for mv in s.exec(select(StockMovement)).all():
            if mv.value != 0:
                entry_amounts(s, mv.entry_id)


def test_batch_invoicing_is_all_or_nothing(engine) -> None:
    receive(engine, "HAM", "10", "8.00")
    first, _ = new_order(engine, [orders.SalesLineDraft("HAM", "2")])
    second, _ = new_order(engine, [orders.SalesLineDraft("HAM", "3")], customer="C2")
    with session_scope(engine) as s:
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=first, delivery_date="2025-04-02"
        )
    before = counts(engine)
    with pytest.raises(ValidationError, match="Nothing to invoice"), session_scope(engine) as s:
        invoicing.invoice_orders(
            session=s,
            user=user(s, "clerk"),
            requests=[
                invoicing.OrderInvoiceRequest(first, "2025-04-03"),
                invoicing.OrderInvoiceRequest(second, "2025-04-03"),
            ],
        )
    assert counts(engine) == before
    with session_scope(engine) as s:
        deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=second, delivery_date="2025-06-02"
        )
        done = invoicing.invoice_orders(
            session=s,
            user=user(s, "clerk"),
            requests=[
                invoicing.OrderInvoiceRequest(first, "2025-06-03"),
                invoicing.OrderInvoiceRequest(second, "2025-06-03"),
            ],
        )
        # 2 x 20.00 EUR; 3 x 22.22 USD (20.00 EUR / 0.90 EUR per USD on 2025-04-01).
        assert [(i.currency_code, i.amount_excl_vat) for i in done] == [
            ("EUR", D("40.00")),
            ("USD", D("66.66")),
        ]
        assert {s.get(SalesOrder, o).status for o in (first, second)} == {"closed"}  # type: ignore[union-attr]
