"""Standard-cost valuation, worked by hand, with the exact entries on 3000/1610/7000/7050/
7100, on SQLite and PostgreSQL: every movement of a standard-cost item at quantity x
standard cost, purchase price differences to 7050, revaluations to 7100, and the stock
movements always adding up to the ledger balance of the stock account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.transactional.company import user
from tests.transactional.test_purchasing_flow import balance, po, receive, stock_value
from transactional.database import make_engine, session_scope
from transactional.errors import DomainError, PeriodClosed, PermissionDenied, ValidationError
from transactional.finance.models import Account, JournalEntry, JournalLine
from transactional.purchasing import matching, returns
from transactional.purchasing.matching import PurchaseInvoiceLineDraft as InvLine
from transactional.purchasing.models import GoodsReceiptLine
from transactional.purchasing.orders import PurchaseLineDraft as Line
from transactional.purchasing.orders import order_lines as po_lines
from transactional.sales import deliveries, orders
from transactional.sales import returns as sales_returns
from transactional.sales.models import DeliveryLine
from transactional.stock.counts import CountLineDraft, post_stock_count
from transactional.stock.models import StockMovement, StockValuation
from transactional.stock.standard_cost import change_cost_method, change_standard_cost
from transactional.stock.transfers import TransferLineDraft, transfer_stock
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

D = Decimal


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        for code in ("MAIN", "WH2"):
            wi.create_warehouse(session=s, user=admin, division="HOLD", code=code, name=code)
        wi.create_item(
            session=s,
            user=admin,
            division="HOLD",
            code="STD",
            name="Standard widget",
            cost_method="standard",
            standard_cost="5.00",
            purchase_price="5.50",
            sales_price="9.00",
        )
        wi.create_item(
            session=s, user=admin, division="HOLD", code="AVG", name="Avg", purchase_price="4"
        )
    yield eng
    eng.dispose()


def amounts(s: Session, entry_id: int | None) -> dict[str, Decimal]:
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


def valuation(s: Session, code: str = "STD") -> tuple[Decimal, Decimal]:
    it = s.exec(select(Item).where(Item.code == code)).one()
    v = s.exec(select(StockValuation).where(StockValuation.item_id == it.id)).one()
    return v.quantity, v.value


def reconciles(s: Session) -> Decimal:
    """The stock movements add up to the 3000 balance; returns it."""
    assert stock_value(s) == balance(s, "3000")
    return balance(s, "3000")


def sell(s: Session, quantity: str) -> tuple[int, int]:
    """A sales order of STD for C1; its id and its line id."""
    result = orders.create_order(
        session=s,
        user=user(s, "clerk"),
        draft=orders.SalesOrderDraft(
            division="HOLD",
            customer="C1",
            warehouse="MAIN",
            lines=[orders.SalesLineDraft("STD", quantity)],
            order_date="2025-04-01",
        ),
    )
    (ln,) = orders.order_lines(s, result.order.id)
    return result.order.id or 0, ln.id or 0


def change(s: Session, cost: object, on: str = "2025-04-04", who: str = "accountant", **kw):
    args = dict(division="HOLD", item="STD") | kw
    return change_standard_cost(
        session=s,
        user=user(s, who),
        new_cost=cost,  # type: ignore[arg-type]
        on=date.fromisoformat(on),
        **args,
    )


def counts(engine) -> dict[str, object]:
    with session_scope(engine) as s:
        return {
            "entries": s.exec(select(func.count()).select_from(JournalEntry)).one(),
            "movements": s.exec(select(func.count()).select_from(StockMovement)).one(),
            "items": sorted(
                (i.code, i.cost_method, i.standard_cost) for i in s.exec(select(Item)).all()
            ),
            "valuations": sorted(
                (v.item_id, v.quantity, v.value) for v in s.exec(select(StockValuation)).all()
            ),
        }


def test_standard_cost_by_hand(engine) -> None:
    with session_scope(engine) as s:
        # Standard 5.00; receive 10 @ PO 5.50: stock 50.00, GRNI 55.00, 7050 5.00.
        order = po(s, [Line("STD", "10")])
        (pol,) = po_lines(s, order.id)
        assert pol.unit_price == D("5.50")
        gr = receive(s, order.id, "2025-03-04")
        assert amounts(s, gr.entry_id) == {
            "3000": D("50.00"),
            "1610": D("-55.00"),
            "7050": D("5.00"),
        }
        (grl,) = s.exec(select(GoodsReceiptLine)).all()
        assert grl.value == D("55.00")  # the receipt keeps the purchase value (GRNI)
        mv = s.exec(select(StockMovement)).one()
        assert (mv.quantity, mv.unit_cost, mv.value) == (D(10), D(5), D("50.00"))
        assert valuation(s) == (D(10), D("50.00"))
        assert reconciles(s) == D("50.00")

        # Deliver 4 of an order of 6: 4 x 5.00 = 20.00 to cost of sales.
        oid, lid = sell(s, "6")
        d1 = deliveries.deliver(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            delivery_date="2025-04-02",
            lines=[deliveries.DeliveryLineDraft(lid, "4")],
        )
        assert amounts(s, d1.entry_id) == {"3000": D("-20.00"), "7000": D("20.00")}
        assert reconciles(s) == D("30.00")

        # The customer returns 1: back at standard 5.00 (no difference).
        (dl,) = s.exec(select(DeliveryLine).where(DeliveryLine.delivery_id == d1.id)).all()
        ret = sales_returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-03",
            lines=[sales_returns.ReturnLineDraft(dl.id or 0, 1)],
        )
        assert amounts(s, ret.entry_id) == {"3000": D("5.00"), "7000": D("-5.00")}
        assert valuation(s) == (D(7), D("35.00"))
        assert reconciles(s) == D("35.00")

    with session_scope(engine) as s:
        # Standard 5.00 -> 6.00 with 7 on hand: 7 x 1.00 = 7.00 against 7100.
        entry = change(s, "6.00", reason="new price list")
        assert entry is not None and entry.source_type == "revaluation"
        assert amounts(s, entry.id) == {"3000": D("7.00"), "7100": D("-7.00")}
        assert "new price list" in entry.description
        rv = s.exec(select(StockMovement).where(StockMovement.movement_type == "revaluation")).one()
        assert (rv.quantity, rv.value, rv.unit_cost, rv.entry_id) == (
            D(0),
            D("7.00"),
            D(6),
            entry.id,
        )
        assert rv.document_number == "RV2025-00001"
        assert s.exec(select(Item).where(Item.code == "STD")).one().standard_cost == D("6.00")
        assert valuation(s) == (D(7), D("42.00"))
        assert reconciles(s) == D("42.00")

    with session_scope(engine) as s:
        # Deliver the other 2 at the new standard: 2 x 6.00 = 12.00.
        d2 = deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=oid, delivery_date="2025-04-05"
        )
        assert amounts(s, d2.entry_id) == {"3000": D("-12.00"), "7000": D("12.00")}
        assert valuation(s) == (D(5), D("30.00"))
        assert reconciles(s) == D("30.00")

        # The supplier invoices 10 @ 5.50: GRNI relieved at 55.00, no further difference.
        result = matching.post_matched_invoice(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            supplier="S1",
            invoice_date="2025-04-10",
            lines=[InvLine(pol.id or 0, "10", "5.50", "I21")],
        )
        assert [(m.status, m.grni_value, m.difference_value) for m in result.matches] == [
            ("matched", D("55.00"), D("0.00"))
        ]
        assert balance(s, "1610") == 0
        assert balance(s, "7050") == D("5.00")
        assert balance(s, "7100") == D("-7.00")
        # Cost of sales: 20.00 - 5.00 + 12.00.
        assert balance(s, "7000") == D("27.00")
        assert reconciles(s) == D("30.00")


def test_supplier_return_transfer_count_and_late_customer_return(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("STD", "10", "5.50")])
        gr = receive(s, order.id, "2025-03-04")
        (grl,) = s.exec(select(GoodsReceiptLine).where(GoodsReceiptLine.receipt_id == gr.id))
        # Return 2: GRNI debited at the receipt value 11.00, stock out at 10.00, 7050 -1.00.
        back = returns.return_to_supplier(
            session=s,
            user=user(s, "clerk"),
            order_id=order.id or 0,
            return_date="2025-03-05",
            lines=[returns.SupplierReturnLineDraft(grl.id or 0, "2")],
        )
        assert amounts(s, back.entry_id) == {
            "1610": D("11.00"),
            "3000": D("-10.00"),
            "7050": D("-1.00"),
        }
        assert valuation(s) == (D(8), D("40.00"))
        # Transfer 3 to WH2 at standard: 15.00 out of MAIN, into WH2.
        tr = transfer_stock(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            from_warehouse="MAIN",
            to_warehouse="WH2",
            transfer_date="2025-03-06",
            lines=[TransferLineDraft("STD", "3")],
        )
        lines = s.exec(
            select(JournalLine.description, JournalLine.amount_base)
            .where(JournalLine.entry_id == tr.entry_id)
            .order_by(col(JournalLine.line_number))
        ).all()
        assert [(d, a) for d, a in lines] == [
            ("Stock MAIN", D("-15.00")),
            ("Stock WH2", D("15.00")),
        ]
        # Count 6 in WH2 (3 on record): a gain of 3 at standard, 15.00 from 7100.
        gain = post_stock_count(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            warehouse="WH2",
            count_date="2025-03-07",
            lines=[CountLineDraft("STD", "6")],
        )
        assert amounts(s, gain.entry_id) == {"3000": D("15.00"), "7100": D("-15.00")}
        assert valuation(s) == (D(11), D("55.00"))
        assert reconciles(s) == D("55.00")

    with session_scope(engine) as s:
        # Deliver 2 from MAIN at 5.00.
        oid, _ = sell(s, "2")
        d = deliveries.deliver(
            session=s, user=user(s, "clerk"), order_id=oid, delivery_date="2025-04-02"
        )
        (dl,) = s.exec(select(DeliveryLine).where(DeliveryLine.delivery_id == d.id)).all()
        assert dl.cost_value == D("10.00")
        # Revalue 3 in MAIN and 6 in WH2 from 5.00 to 5.25: one movement per warehouse.
        entry = change(s, "5.25")
        assert entry is not None
        assert amounts(s, entry.id) == {"3000": D("2.25"), "7100": D("-2.25")}
        rows = s.exec(
            select(StockMovement.value)
            .where(StockMovement.movement_type == "revaluation")
            .order_by(col(StockMovement.warehouse_id))
        ).all()
        assert list(rows) == [D("0.75"), D("1.50")]
        assert valuation(s) == (D(9), D("47.25"))
        # The customer returns 1: at today's standard 5.25, not the delivery's 5.00.
        ret = sales_returns.return_goods(
            session=s,
            user=user(s, "clerk"),
            order_id=oid,
            return_date="2025-04-06",
            lines=[sales_returns.ReturnLineDraft(dl.id or 0, 1)],
        )
        assert amounts(s, ret.entry_id) == {"3000": D("5.25"), "7000": D("-5.25")}
        assert valuation(s) == (D(10), D("52.50"))
        assert reconciles(s) == D("52.50")
        # An unchanged standard posts nothing.
        assert change(s, "5.25", on="2025-04-07") is None


def test_cost_method_switch_revalues_to_the_standard(engine) -> None:
    with session_scope(engine) as s:
        # AVG: 10 @ 4.00 + 10 @ 5.00 = 90.00, average 4.50.
        receive(s, po(s, [Line("AVG", "10", "4.00")]).id, "2025-03-04")
        receive(s, po(s, [Line("AVG", "10", "5.00")]).id, "2025-03-04")
        assert valuation(s, "AVG") == (D(20), D("90.00"))
        acc = user(s, "accountant")
        with pytest.raises(ValidationError) as err:
            change_cost_method(
                session=s,
                user=acc,
                division="HOLD",
                item="AVG",
                cost_method="standard",
                on="2025-03-05",
            )
        assert err.value.field == "standard_cost"
        # To standard 5.00: 20 x 5.00 = 100.00, revalued by 10.00 against 7100.
        entry = change_cost_method(
            session=s,
            user=acc,
            division="HOLD",
            item="AVG",
            cost_method="standard",
            standard_cost="5.00",
            on="2025-03-05",
        )
        assert entry is not None
        assert amounts(s, entry.id) == {"3000": D("10.00"), "7100": D("-10.00")}
        it = s.exec(select(Item).where(Item.code == "AVG")).one()
        assert (it.cost_method, it.standard_cost) == ("standard", D("5.00"))
        assert valuation(s, "AVG") == (D(20), D("100.00"))
        assert reconciles(s) == D("100.00")
        # Back to average: nothing posted, the average starts at 5.00.
        assert (
            change_cost_method(
                session=s,
                user=acc,
                division="HOLD",
                item="AVG",
                cost_method="average",
                on="2025-03-06",
            )
            is None
        )
        assert it.cost_method == "average"
        receive(s, po(s, [Line("AVG", "20", "6.00")]).id, "2025-03-07")
        assert valuation(s, "AVG") == (D(40), D("220.00"))  # average 5.50
        assert reconciles(s) == D("220.00")


def test_clerk_cannot_change_standard_cost(engine) -> None:
    before = counts(engine)
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        change(s, "6.00", who="clerk")
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        change_cost_method(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            item="AVG",
            cost_method="standard",
            standard_cost="4",
            on="2025-04-01",
        )
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        change(s, "6.00", who="clerk_us")
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(cost="-1"), "new_cost"),
        (dict(cost="0"), "new_cost"),
        (dict(cost="0.001"), "new_cost"),
        (dict(cost="abc"), "new_cost"),
        (dict(cost=None), "new_cost"),
        (dict(cost="6", item="NOPE"), "item"),
        (dict(cost="6", item=""), "item"),
        (dict(cost="6", item="AVG"), "item"),
        (dict(cost="6", on="2025-03-03"), "on"),  # before the receipt of 2025-03-04
        (dict(cost="6", on="2024-06-30"), "on"),  # closed year: PeriodClosed
    ],
)
def test_bad_input_writes_nothing(engine, kwargs: dict, field: str) -> None:
    error = PeriodClosed if kwargs.get("on") == "2024-06-30" else ValidationError
    with session_scope(engine) as s:
        receive(s, po(s, [Line("STD", "10")]).id, "2025-03-04")
    before = counts(engine)
    kwargs = dict(kwargs)  # the parameter is shared by both databases
    cost = kwargs.pop("cost")
    with session_scope(engine) as s:
        with pytest.raises(DomainError) as err:
            change(s, cost, **kwargs)
        assert type(err.value) is error and err.value.field == field
    with session_scope(engine) as s:
        for method, f in (("fifo", "cost_method"), ("standard", "cost_method")):
            with pytest.raises(ValidationError) as err:
                change_cost_method(
                    session=s,
                    user=user(s, "accountant"),
                    division="HOLD",
                    item="STD",
                    cost_method=method,
                    on="2025-04-01",
                )
            assert err.value.field == f
    assert counts(engine) == before
