"""Moving-average valuation, transfers and counts, worked by hand, with the exact entries
on 3000/1610/7000/7100, on SQLite and PostgreSQL. The stock movements always add up to
the ledger balance of the stock account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.transactional.company import user
from tests.transactional.test_purchasing_flow import (
    balance,
    entry_lines,
    line_ids,
    po,
    receive,
    setup,
    stock_value,
)
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import JournalEntry
from transactional.organisation.models import Division
from transactional.purchasing.orders import PurchaseLineDraft as Line
from transactional.purchasing.receipts import ReceiptLineDraft
from transactional.stock.counts import CountLineDraft, post_stock_count
from transactional.stock.models import (
    StockCount,
    StockCountLine,
    StockLotLevel,
    StockMovement,
    StockTransfer,
    StockTransferLine,
    StockValuation,
)
from transactional.stock.movements import Movement, on_hand, post_stock
from transactional.stock.transfers import TransferLineDraft, transfer_stock
from transactional.wholesale.models import Item, Warehouse

D = Decimal


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    setup(eng)
    yield eng
    eng.dispose()


def item(s: Session, code: str) -> Item:
    return s.exec(select(Item).where(Item.code == code)).one()


def warehouse(s: Session, code: str) -> Warehouse:
    return s.exec(select(Warehouse).where(Warehouse.code == code)).one()


def valuation(s: Session, code: str) -> tuple[Decimal, Decimal]:
    v = s.exec(select(StockValuation).where(StockValuation.item_id == item(s, code).id)).one()
    return v.quantity, v.value


def issue(s: Session, code: str, qty: str, on: str = "2025-03-10") -> JournalEntry | None:
    """A delivery straight through the stock core (cost of sales 7000)."""
    lookups = Lookups(s)
    div = lookups.division("HOLD")
    entry, _ = post_stock(
        session=s,
        user=user(s, "clerk"),
        lookups=lookups,
        division=div,
        on=date.fromisoformat(on),
        action="sell",
        document_number="DL-TEST",
        description="Delivery",
        movements=[
            Movement(
                item=item(s, code),
                warehouse=warehouse(s, "MAIN"),
                movement_type="delivery",
                quantity=D(qty),
                counter_account_id=lookups.account(div, "7000").id or 0,
                source_type="test",
            )
        ],
        entry_source_type="delivery",
    )
    return entry


def buy(s: Session, code: str, qty: str, price: str, on: str = "2025-03-04") -> int:
    order = po(s, [Line(code, qty, price)], on="2025-03-03")
    return receive(s, order.id, on).entry_id or 0


def count(s: Session, wh: str, lines: list[CountLineDraft], who: str = "clerk") -> StockCount:
    return post_stock_count(
        session=s,
        user=user(s, who),
        division="HOLD",
        warehouse=wh,
        count_date="2025-03-20",
        lines=lines,
    )


def transfer(s: Session, lines: list[TransferLineDraft], who: str = "clerk", **kw) -> StockTransfer:
    args = dict(division="HOLD", from_warehouse="MAIN", to_warehouse="WH2") | kw
    return transfer_stock(
        session=s, user=user(s, who), transfer_date="2025-03-15", lines=lines, **args
    )


def test_moving_average_by_hand(engine) -> None:
    with session_scope(engine) as s:
        # Receive 10 @ 4.00 and 10 @ 5.00: 20 units worth 90.00, average 4.50.
        first = buy(s, "NUT", "10", "4.00")
        buy(s, "NUT", "10", "5.00")
        assert valuation(s, "NUT") == (20, D("90.00"))
        assert entry_lines(s, first) == [
            ("3000", "Stock MAIN", D("40.00")),
            ("1610", "Goods receipt PO2025-00001", D("-40.00")),
        ]
        # Issue 5 at 4.50 = 22.50: 15 left worth 67.50.
        entry = issue(s, "NUT", "5")
        assert entry is not None
        assert [(c, a) for c, _, a in entry_lines(s, entry.id)] == [
            ("3000", D("-22.50")),
            ("7000", D("22.50")),
        ]
        assert valuation(s, "NUT") == (15, D("67.50"))
        # Receive 5 @ 6.00: 20 worth 97.50, average 4.875; issue 3 = 14.625 -> 14.63.
        buy(s, "NUT", "5", "6.00")
        entry = issue(s, "NUT", "3")
        assert entry is not None
        assert [(c, a) for c, _, a in entry_lines(s, entry.id)] == [
            ("3000", D("-14.63")),
            ("7000", D("14.63")),
        ]
        assert valuation(s, "NUT") == (17, D("82.87"))
        # Count 16: a loss of 1 at 82.87 / 17 = 4.8747 -> 4.87; 16 left worth 78.00.
        loss = count(s, "MAIN", [CountLineDraft("NUT", "16")])
        assert loss.number == "CT2025-00001"
        assert [(c, a) for c, _, a in entry_lines(s, loss.entry_id)] == [
            ("3000", D("-4.87")),
            ("7100", D("4.87")),
        ]
        assert valuation(s, "NUT") == (16, D("78.00"))
        # Count 18: a gain of 2 at 78.00 / 16 = 4.875 -> 9.75; 18 worth 87.75.
        gain = count(s, "MAIN", [CountLineDraft("NUT", "18")])
        row = s.exec(select(StockCountLine).where(StockCountLine.count_id == gain.id)).one()
        assert (row.system_quantity, row.counted_quantity, row.difference, row.value) == (
            16,
            18,
            2,
            D("9.75"),
        )
        assert [(c, a) for c, _, a in entry_lines(s, gain.entry_id)] == [
            ("3000", D("9.75")),
            ("7100", D("-9.75")),
        ]
        # Transfer all 18 to WH2: the last units take the whole remaining value.
        tr = transfer(s, [TransferLineDraft("NUT", "18")])
        assert tr.number == "TR2025-00001"
        assert entry_lines(s, tr.entry_id) == [
            ("3000", "Stock MAIN", D("-87.75")),
            ("3000", "Stock WH2", D("87.75")),
        ]
        tl = s.exec(select(StockTransferLine)).one()
        assert (tl.quantity, tl.value) == (18, D("87.75"))
        nut = item(s, "NUT").id or 0
        assert on_hand(s, nut, warehouse(s, "MAIN").id) == 0
        assert on_hand(s, nut, warehouse(s, "WH2").id) == 18
        assert valuation(s, "NUT") == (18, D("87.75"))
        # The ledger, by hand.
        assert balance(s, "3000") == D("87.75")  # 40 + 50 - 22.50 + 30 - 14.63 - 4.87 + 9.75
        assert balance(s, "1610") == D("-120.00")
        assert balance(s, "7000") == D("37.13")
        assert balance(s, "7100") == D("-4.88")
        assert stock_value(s) == balance(s, "3000")


def test_transfer_at_an_odd_average_keeps_every_cent(engine) -> None:
    with session_scope(engine) as s:
        buy(s, "NUT", "3", "3.3333")  # 10.00 for 3 units: average 3.3333...
        tr = transfer(s, [TransferLineDraft("NUT", "1"), TransferLineDraft("NUT", "1")])
        lines = entry_lines(s, tr.entry_id)
        assert lines == [("3000", "Stock MAIN", D("-6.66")), ("3000", "Stock WH2", D("6.66"))]
        moves = s.exec(
            select(StockMovement.movement_type, StockMovement.value).where(
                StockMovement.document_number == tr.number
            )
        ).all()
        assert [v for _, v in moves] == [D("-3.33"), D("3.33"), D("-3.33"), D("3.33")]
        assert valuation(s, "NUT") == (3, D("10.00"))
        assert stock_value(s) == balance(s, "3000") == D("10.00")


def test_negative_stock_is_refused_unless_the_item_allows_it(engine) -> None:
    with session_scope(engine) as s:
        buy(s, "NUT", "1", "4.00")
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        issue(s, "NUT", "2")
    assert err.value.field == "lines.1"
    assert err.value.message == (
        "Line 1: only 1 pcs of NUT in warehouse MAIN; 2 cannot go out "
        "(this item does not allow negative stock)."
    )
    with session_scope(engine) as s:
        # NEG allows it: 1 @ 10.00 in, 3 out at 10.00 each (the last cost for the 2 missing).
        buy(s, "NEG", "1", "10.00")
        issue(s, "NEG", "3")
        assert valuation(s, "NEG") == (-2, D("-20.00"))
        # 4 @ 12.00 in: the position (2 units) is worth 24.00, so stock gets 44.00; GRNI
        # 48.00; the 4.00 the missing units cost more goes to stock differences.
        entry = buy(s, "NEG", "4", "12.00", on="2025-03-11")
        assert sorted((c, a) for c, _, a in entry_lines(s, entry)) == [
            ("1610", D("-48.00")),
            ("3000", D("44.00")),
            ("7100", D("4.00")),
        ]
        assert valuation(s, "NEG") == (2, D("24.00"))
        assert stock_value(s) == balance(s, "3000") == D("28.00")


def test_counts_per_lot_and_serial_record_zero_differences(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("PAINT", "10", "8.00"), Line("PHONE", "2", "100")])
        paint, phone = line_ids(s, order.id)
        receive(
            s,
            order.id,
            "2025-03-04",
            [
                ReceiptLineDraft(paint, "6", "L1"),
                ReceiptLineDraft(paint, "4", "L2"),
                ReceiptLineDraft(phone, "2", serials=["SN1", "SN2"]),
            ],
        )
        ct = count(
            s,
            "MAIN",
            [
                CountLineDraft("PAINT", "6", "L1"),  # as the system says
                CountLineDraft("PAINT", "3", "L2"),  # one missing: 8.00
                CountLineDraft("PAINT", "2", "L3"),  # an unknown lot found: 2 x 8.00
                CountLineDraft("PHONE", "0", "SN2"),  # a phone gone: 100.00
            ],
        )
        rows = s.exec(
            select(StockCountLine)
            .where(StockCountLine.count_id == ct.id)
            .order_by(StockCountLine.line_number)  # type: ignore[arg-type]
        ).all()
        assert [(r.system_quantity, r.counted_quantity, r.difference, r.value) for r in rows] == [
            (6, 6, 0, D("0.00")),
            (4, 3, -1, D("-8.00")),
            (0, 2, 2, D("16.00")),
            (1, 0, -1, D("-100.00")),
        ]
        assert all(r.lot_id is not None for r in rows)
        assert sorted((c, a) for c, _, a in entry_lines(s, ct.entry_id)) == [
            ("3000", D("-92.00")),
            ("7100", D("92.00")),
        ]
        assert (
            len(
                s.exec(
                    select(StockMovement).where(StockMovement.document_number == ct.number)
                ).all()
            )
            == 3
        )
        # The lots travel too; a serial not in the warehouse cannot.
        tr = transfer(
            s,
            [
                TransferLineDraft("PAINT", "2", "L3"),
                TransferLineDraft("PHONE", "1", serials=["SN1"]),
            ],
        )
        wh2 = warehouse(s, "WH2").id
        levels = s.exec(select(StockLotLevel).where(StockLotLevel.warehouse_id == wh2)).all()
        assert sorted(lv.quantity for lv in levels) == [1, 2]
        assert [(c, a) for c, _, a in entry_lines(s, tr.entry_id)] == [
            ("3000", D("-116.00")),
            ("3000", D("116.00")),
        ]
        assert stock_value(s) == balance(s, "3000") == D("188.00")
    with (
        pytest.raises(ValidationError, match="serial number SN2 of item PHONE has 0 in warehouse"),
        session_scope(engine) as s,
    ):
        transfer(s, [TransferLineDraft("PHONE", "1", serials=["SN2"])])


def _rows(engine) -> dict[str, int]:
    models = (StockCount, StockCountLine, StockTransfer, StockTransferLine, StockMovement)
    with session_scope(engine) as s:
        counted = {m.__name__: s.exec(select(func.count()).select_from(m)).one() for m in models}
        counted["JournalEntry"] = s.exec(select(func.count()).select_from(JournalEntry)).one()
        return counted


def test_bad_transfer_and_count_input_is_refused_with_field_and_nothing_written(engine) -> None:
    with session_scope(engine) as s:
        buy(s, "NUT", "5", "4.00")
    before = _rows(engine)
    transfers_bad = [
        (dict(to_warehouse="MAIN"), [TransferLineDraft("NUT", "1")], "to_warehouse", "different"),
        (dict(from_warehouse="NOPE"), [TransferLineDraft("NUT", "1")], "from_warehouse", "NOPE"),
        ({}, [], "lines", "A transfer needs at least one line."),
        ({}, [TransferLineDraft("NOPE", "1")], "lines.1.item", "Item NOPE does not exist"),
        ({}, [TransferLineDraft("NUT", "0")], "lines.1.quantity", "above zero"),
        ({}, [TransferLineDraft("NUT", "6")], "lines.1", "only 5 pcs of NUT in warehouse MAIN"),
        ({}, [TransferLineDraft("PAINT", "1")], "lines.1", "enter the lot"),
        ({}, [TransferLineDraft("NUT", "1", "L1")], "lines.1", "not tracked"),
    ]
    for fields, lines, field, message in transfers_bad:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            transfer(s, lines, **fields)
        assert err.value.field == field and message in err.value.message, (fields, err.value)
    counts_bad = [
        ([CountLineDraft("NUT", "-1")], "lines.1.counted_quantity", "cannot be negative"),
        ([CountLineDraft("NUT", "x")], "lines.1.counted_quantity", "must be a number"),
        ([CountLineDraft("NUT", "4"), CountLineDraft("NUT", "3")], "lines.2.item", "twice"),
        ([CountLineDraft("PAINT", "4")], "lines.1.lot", "tracked by lot; count per lot"),
        ([CountLineDraft("PHONE", "2", "SN9")], "lines.1.counted_quantity", "count 0 or 1"),
        ([], "lines", "A count needs at least one line."),
    ]
    for lines, field, message in counts_bad:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            count(s, "MAIN", lines)
        assert err.value.field == field and message in err.value.message, (lines, err.value)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        count(s, "NOPE", [CountLineDraft("NUT", "1")])
    assert err.value.field == "warehouse"
    for who in ("analyst", "manager"):
        with (
            pytest.raises(PermissionDenied, match="may not transfer stock"),
            session_scope(engine) as s,
        ):
            transfer(s, [TransferLineDraft("NUT", "1")], who=who)
    assert _rows(engine) == before


def test_movements_equal_the_stock_account_after_a_mixed_scenario(engine) -> None:
    from transactional.purchasing import matching, returns
    from transactional.purchasing.matching import PurchaseInvoiceLineDraft as InvLine
    from transactional.purchasing.models import GoodsReceiptLine
    from transactional.purchasing.returns import SupplierReturnLineDraft

    with session_scope(engine) as s:
        buy(s, "NUT", "7", "3.17")
        buy(s, "HAM", "3", "12.35")
        order = po(s, [Line("NUT", "11", "3.29")], supplier="SU", on="2025-05-20")
        receive(s, order.id, "2025-06-03")  # USD 36.19 at 0.92 = 33.29
        issue(s, "NUT", "4")
        issue(s, "HAM", "2")
        rl = s.exec(
            select(GoodsReceiptLine).where(
                GoodsReceiptLine.order_line_id == line_ids(s, order.id)[0]
            )
        ).one()
        returns.return_to_supplier(
            session=s,
            user=user(s, "clerk"),
            order_id=order.id or 0,
            return_date="2025-06-04",
            lines=[SupplierReturnLineDraft(rl.id or 0, "3")],
        )
        transfer(s, [TransferLineDraft("NUT", "5"), TransferLineDraft("HAM", "1")])
        count(s, "WH2", [CountLineDraft("NUT", "4"), CountLineDraft("HAM", "2")])
        count(s, "MAIN", [CountLineDraft("NUT", "7")])
        matching.post_matched_invoice(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            supplier="SU",
            invoice_date="2025-06-20",
            lines=[InvLine(rl.order_line_id, "8", "3.31")],
            accept_differences=True,
        )
        for division in ("HOLD", "US01"):
            assert stock_value(s, division) == balance(s, "3000", division)
        assert balance(s, "3000") != 0
        # Every entry the stock services posted balances.
        for e in s.exec(select(JournalEntry)).all():
            assert sum(a for _, _, a in entry_lines(s, e.id)) == 0
        div = s.exec(select(Division).where(Division.code == "HOLD")).one()
        vals = s.exec(select(StockValuation).where(StockValuation.division_id == div.id)).all()
        assert sum((v.value for v in vals), D(0)) == balance(s, "3000")
