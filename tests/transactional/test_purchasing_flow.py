"""Purchasing: contracts, orders, receipts, supplier returns and the invoice match, with
the exact ledger postings, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance.models import Account, Invoice, JournalEntry, JournalLine
from transactional.organisation.models import Division
from transactional.purchasing import contracts, matching, orders, receipts, returns
from transactional.purchasing.matching import PurchaseInvoiceLineDraft as InvLine
from transactional.purchasing.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    InvoiceMatch,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierReturn,
    SupplyContract,
)
from transactional.purchasing.orders import PurchaseLineDraft as Line
from transactional.purchasing.orders import PurchaseOrderDraft
from transactional.purchasing.receipts import ReceiptLineDraft
from transactional.purchasing.returns import SupplierReturnLineDraft
from transactional.relations.services import create_relation
from transactional.stock.models import StockLot, StockMovement, StockValuation
from transactional.stock.movements import on_hand
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

D = Decimal


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    setup(eng)
    yield eng
    eng.dispose()


def setup(engine) -> None:
    """Warehouse MAIN, items HAM (12.00), NUT, PHONE (serial), PAINT (lot) and a USD
    supplier SU in HOLD."""
    with session_scope(engine) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="WH2", name="Second")
        for code, extra in (
            ("HAM", dict(purchase_price="12.00")),
            ("NUT", dict(purchase_price="4.00")),
            ("PHONE", dict(tracking="serial", purchase_price="100")),
            ("PAINT", dict(tracking="lot", purchase_price="8")),
            ("NEG", dict(allow_negative_stock=True, purchase_price="10")),
        ):
            wi.create_item(
                session=s, user=admin, division="HOLD", code=code, name=code.title(), **extra
            )
        create_relation(
            session=s,
            user=admin,
            division="HOLD",
            code="SU",
            name="Yankee Supply",
            relation_type="supplier",
            country="US",
            currency="USD",
        )


def balance(s: Session, code: str, division: str = "HOLD") -> Decimal:
    """Ledger balance of an account (debit positive)."""
    rows = s.exec(
        select(JournalLine.amount_base)
        .join(Account, JournalLine.account_id == Account.id)  # type: ignore[arg-type]
        .join(Division, JournalLine.division_id == Division.id)  # type: ignore[arg-type]
        .where(Account.code == code, Division.code == division)
    ).all()
    return sum(rows, D(0))


def stock_value(s: Session, division: str = "HOLD") -> Decimal:
    div = s.exec(select(Division).where(Division.code == division)).one()
    rows = s.exec(select(StockMovement.value).where(StockMovement.division_id == div.id)).all()
    return sum(rows, D(0))


def entry_lines(s: Session, entry_id: int | None) -> list[tuple[str, str, Decimal]]:
    """(account code, description, signed base amount) of an entry, in line order."""
    rows = s.exec(
        select(Account.code, JournalLine.description, JournalLine.amount_base)
        .join(Account, JournalLine.account_id == Account.id)  # type: ignore[arg-type]
        .where(JournalLine.entry_id == entry_id)
        .order_by(JournalLine.line_number)  # type: ignore[arg-type]
    ).all()
    return [(c, d, a) for c, d, a in rows]


def po(
    s: Session,
    lines: list[Line],
    *,
    who: str = "clerk",
    supplier: str = "S1",
    on: str = "2025-03-03",
    **kw,
) -> PurchaseOrder:
    args = dict(division="HOLD", supplier=supplier, warehouse="MAIN", order_date=on) | kw
    draft = PurchaseOrderDraft(lines=lines, **args)
    return orders.create_purchase_order(session=s, user=user(s, who), draft=draft)


def line_ids(s: Session, order_id: int | None) -> list[int]:
    return [ln.id or 0 for ln in orders.order_lines(s, order_id)]


def receive(s: Session, order_id: int | None, on: str, lines=None, who: str = "clerk"):
    return receipts.receive(
        session=s, user=user(s, who), order_id=order_id or 0, receipt_date=on, lines=lines
    )


def invoice(s: Session, lines: list[InvLine], *, who="clerk", on="2025-03-20", **kw):
    return matching.post_matched_invoice(
        session=s,
        user=user(s, who),
        division="HOLD",
        supplier=kw.pop("supplier", "S1"),
        invoice_date=on,
        lines=lines,
        **kw,
    )


def counts(engine) -> dict[str, int]:
    models = (
        SupplyContract,
        PurchaseOrder,
        PurchaseOrderLine,
        GoodsReceipt,
        GoodsReceiptLine,
        SupplierReturn,
        InvoiceMatch,
        Invoice,
        JournalEntry,
        StockMovement,
        StockLot,
    )
    with session_scope(engine) as s:
        return {m.__name__: s.exec(select(func.count()).select_from(m)).one() for m in models}


def test_order_partial_receipts_and_matched_invoice_without_difference(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "10")], description="Hammers")
        assert order.number == "PO2025-00001" and order.status == "open"
        assert order.currency_code == "EUR"
        (ol,) = orders.order_lines(s, order.id)
        # No contract: the item's purchase price; promised in 14 days.
        assert ol.unit_price == D("12.00") and ol.promised_date == date(2025, 3, 17)
        assert order.promised_date == date(2025, 3, 17)
        gr1 = receive(s, order.id, "2025-03-05", [ReceiptLineDraft(ol.id or 0, "6")])
        gr2 = receive(s, order.id, "2025-03-07")  # the rest
        assert (gr1.number, gr2.number) == ("GR2025-00001", "GR2025-00002")
        assert entry_lines(s, gr1.entry_id) == [
            ("3000", "Stock MAIN", D("72.00")),
            ("1610", "Goods receipt PO2025-00001", D("-72.00")),
        ]
        values = s.exec(select(GoodsReceiptLine.value).order_by(GoodsReceiptLine.id)).all()
        assert values == [D("72.00"), D("48.00")]
        assert ol.quantity_received == 10
        assert balance(s, "3000") == D("120.00") and balance(s, "1610") == D("-120.00")
        mv = s.exec(select(StockMovement).order_by(StockMovement.id)).first()
        assert mv is not None and mv.source_type == "goods_receipt_line"
        assert (mv.movement_type, mv.quantity, mv.unit_cost) == ("receipt", 6, D("12"))
    with session_scope(engine) as s:
        previews = matching.preview_match(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            supplier="S1",
            lines=[InvLine(line_ids(s, 1)[0], "10", "12.00", "I21")],
            invoice_date="2025-03-20",
        )
        assert [(p.status, p.grni_value, p.difference_value) for p in previews] == [
            ("matched", D("120.00"), D("0.00"))
        ]
        assert s.exec(select(func.count()).select_from(InvoiceMatch)).one() == 0
        result = invoice(
            s, [InvLine(line_ids(s, 1)[0], "10", "12.00", "I21")], supplier_reference="INV-77"
        )
        assert [(m.status, m.grni_value, m.accepted_by) for m in result.matches] == [
            ("matched", D("120.00"), None)
        ]
        inv = result.invoice
        assert (inv.amount_excl_vat, inv.vat_amount, inv.amount_incl_vat) == (
            D("120.00"),
            D("25.20"),
            D("145.20"),
        )
        assert sorted((c, a) for c, _, a in entry_lines(s, inv.entry_id)) == [
            ("1500", D("25.20")),
            ("1600", D("-145.20")),
            ("1610", D("120.00")),
        ]
        assert balance(s, "1610") == 0 and balance(s, "7050") == 0
        assert (
            s.exec(select(func.count()).where(JournalEntry.source_type == "price_difference")).one()
            == 0
        )
        ol = s.get(PurchaseOrderLine, line_ids(s, 1)[0])
        assert ol is not None and ol.quantity_invoiced == 10
        assert s.get(PurchaseOrder, 1).status == "closed"  # type: ignore[union-attr]
        assert stock_value(s) == balance(s, "3000") == D("120.00")


def test_price_difference_needs_acceptance_by_a_user_with_the_right(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("NUT", "20", "4.00"), Line("HAM", "10", "10.00")])
        receive(s, order.id, "2025-03-05")
        assert balance(s, "1610") == D("-180.00")
    with session_scope(engine) as s:
        ids = line_ids(s, 1)
    lines = [InvLine(ids[0], "20", "4.00", "I21"), InvLine(ids[1], "10", "10.50", "I21")]
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        invoice(s, lines)
    assert err.value.field == "accept_differences"
    assert "Line 2: invoiced 10.50 against ordered 10.00 EUR (HAM, PO2025-00001 line 2)" in (
        err.value.message
    )
    assert "difference 5.00 EUR" in err.value.message and "Line 1" not in err.value.message
    with (
        pytest.raises(PermissionDenied, match="A clerk may not accept price differences"),
        session_scope(engine) as s,
    ):
        invoice(s, lines, accept_differences=True)
    assert counts(engine) == before
    with session_scope(engine) as s:
        result = invoice(
            s, lines, who="accountant", accept_differences=True, note="Price rise agreed by phone"
        )
        by_status = {m.status: m for m in result.matches}
        assert set(by_status) == {"matched", "price_difference"}
        diff = by_status["price_difference"]
        assert (diff.grni_value, diff.invoice_value, diff.difference_value) == (
            D("100.00"),
            D("105.00"),
            D("5.00"),
        )
        assert diff.accepted_by == user(s, "accountant").id and diff.accepted_at is not None
        assert diff.note == "Price rise agreed by phone"
        assert by_status["matched"].accepted_by is None
        assert balance(s, "7050") == D("5.00")
        assert balance(s, "1610") == 0
        assert balance(s, "1600") == D("-223.85")  # (80 + 105) * 1.21
        entry = s.exec(
            select(JournalEntry).where(JournalEntry.source_type == "price_difference")
        ).one()
        assert entry.source_id == result.invoice.id
        assert [(c, a) for c, _, a in entry_lines(s, entry.id)] == [
            ("7050", D("5.00")),
            ("1610", D("-5.00")),
        ]


def test_no_invoice_beyond_received_and_no_receipt_beyond_ordered(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "10")])
        receive(s, order.id, "2025-03-05", [ReceiptLineDraft(line_ids(s, order.id)[0], "4")])
    with session_scope(engine) as s:
        (ol_id,) = line_ids(s, 1)
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        invoice(s, [InvLine(ol_id, "5", "12.00")])
    assert err.value.field == "lines.1.quantity"
    assert err.value.message == (
        "Line 1: 5 pcs of HAM not yet received; order PO2025-00001 line 1 has 4 received and "
        "not yet invoiced (no invoice beyond what was received)."
    )
    # The same order line twice on one invoice counts together.
    with (
        pytest.raises(ValidationError, match="Line 2: 2 pcs of HAM not yet received"),
        session_scope(engine) as s,
    ):
        invoice(s, [InvLine(ol_id, "3", "12.00"), InvLine(ol_id, "2", "12.00")])
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        receive(s, 1, "2025-03-06", [ReceiptLineDraft(ol_id, "6.5")])
    assert err.value.field == "lines.1.quantity"
    assert err.value.message == (
        "Line 1: 6.5 pcs of HAM cannot be received; only 6 of the 10 ordered on PO2025-00001 "
        "are still open (no receipt beyond the ordered quantity)."
    )
    assert counts(engine) == before
    # A partial invoice is allowed: a quantity difference, no acceptance needed.
    with session_scope(engine) as s:
        result = invoice(s, [InvLine(ol_id, "3", "12.00")])
        (m,) = result.matches
        assert (m.status, m.quantity_open_before, m.grni_value) == (
            "quantity_difference",
            D(4),
            D("36.00"),
        )
        assert balance(s, "1610") == D("-12.00")
        assert s.get(PurchaseOrder, 1).status == "open"  # type: ignore[union-attr]


def test_supply_contract_prices_orders_and_refuses_beyond_its_volume(engine) -> None:
    with session_scope(engine) as s:
        c = contracts.create_supply_contract(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            supplier="S1",
            item="NUT",
            valid_from="2025-01-01",
            valid_to="2025-12-31",
            quantity="100",
            unit_price="3.50",
            lead_time_days=7,
        )
        assert (c.number, c.currency_code, c.quantity_ordered) == ("CO2025-00001", "EUR", 0)
        order = po(s, [Line("NUT", "60")])
        (ol,) = orders.order_lines(s, order.id)
        assert (ol.unit_price, ol.supply_contract_id) == (D("3.50"), c.id)
        assert ol.promised_date == date(2025, 3, 10)  # order date + 7 days lead time
        assert c.quantity_ordered == 60
        # Outside the contract's period the item's price applies and no volume is drawn.
        later = po(s, [Line("NUT", "5")], on="2026-01-05")
        assert orders.order_lines(s, later.id)[0].unit_price == D("4.00")
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        po(s, [Line("NUT", "30"), Line("NUT", "11", contract="CO2025-00001")])
    assert err.value.field == "lines.2.quantity"
    assert err.value.message == (
        "Line 2: supply contract CO2025-00001 has 10 of 100 left; 11 cannot be ordered on it "
        "(the contracted volume is exhausted)."
    )
    assert counts(engine) == before
    with session_scope(engine) as s:
        order = po(s, [Line("NUT", "40", "3.40")])
        assert orders.order_lines(s, order.id)[0].unit_price == D("3.40")
        assert s.get(SupplyContract, 1).quantity_ordered == 100  # type: ignore[union-attr]
        # Cancelling gives the volume back; a received order can only be closed.
        orders.cancel_purchase_order(session=s, user=user(s, "clerk"), order_id=order.id or 0)
        assert s.get(SupplyContract, 1).quantity_ordered == 60  # type: ignore[union-attr]
        receive(s, 1, "2025-03-04", [ReceiptLineDraft(line_ids(s, 1)[0], "50")])
        with pytest.raises(ValidationError, match="close the order instead"):
            orders.cancel_purchase_order(session=s, user=user(s, "clerk"), order_id=1)
        orders.close_purchase_order(session=s, user=user(s, "clerk"), order_id=1)
        assert s.get(SupplyContract, 1).quantity_ordered == 50  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="PO2025-00001 is closed"), session_scope(engine) as s:
        receive(s, 1, "2025-03-05")


CONTRACT_BAD = [
    (dict(supplier="C1"), "supplier", "Acme BV (C1) is not a supplier."),
    (dict(supplier="ZZ"), "supplier", "Relation ZZ does not exist in division HOLD."),
    (dict(item="NOPE"), "item", "Item NOPE does not exist in division HOLD."),
    (dict(valid_to="2024-12-31"), "valid_to", "The contract cannot end before it starts."),
    (dict(valid_from="soon"), "valid_from", "not a date"),
    (dict(quantity="0"), "quantity", "The contracted quantity must be above zero."),
    (dict(quantity="lots"), "quantity", "must be a number"),
    (dict(unit_price="-1"), "unit_price", "The unit price cannot be negative."),
    (dict(lead_time_days="-2"), "lead_time_days", "Lead time cannot be negative."),
    (dict(currency="XXX"), "currency", "Currency 'XXX' is not known."),
]


def test_bad_contract_input_is_refused_with_field_and_nothing_written(engine) -> None:
    before = counts(engine)
    for fields, field, message in CONTRACT_BAD:
        args = (
            dict(
                division="HOLD",
                supplier="S1",
                item="NUT",
                valid_from="2025-01-01",
                valid_to="2025-12-31",
                quantity="10",
                unit_price="1",
            )
            | fields
        )
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            contracts.create_supply_contract(session=s, user=user(s, "clerk"), **args)
        assert err.value.field == field and message in err.value.message, (fields, err.value)
    assert counts(engine) == before


ORDER_BAD = [
    (dict(supplier="C1"), [Line("HAM", "1")], "supplier", "is not a supplier"),
    (dict(warehouse="NOPE"), [Line("HAM", "1")], "warehouse", "Warehouse NOPE does not exist"),
    (dict(order_date="31-02-2025"), [Line("HAM", "1")], "order_date", "not a date"),
    ({}, [], "lines", "A purchase order needs at least one line."),
    ({}, [Line("NOPE", "1")], "lines.1.item", "Item NOPE does not exist in division HOLD."),
    ({}, [Line("HAM", "1"), Line("HAM", "0")], "lines.2.quantity", "above zero"),
    ({}, [Line("HAM", "x")], "lines.1.quantity", "Line 1: quantity must be a number"),
    ({}, [Line("HAM", "1", "-1")], "lines.1.unit_price", "cannot be negative"),
    (
        {},
        [Line("HAM", "1", promised_date="2025-03-01")],
        "lines.1.promised_date",
        "cannot be before the order date",
    ),
    ({}, [Line("HAM", "1", contract="CO9")], "lines.1.contract", "CO9 does not exist"),
]


def test_bad_order_receipt_and_invoice_input_is_refused_and_nothing_written(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "2"), Line("PHONE", "2"), Line("PAINT", "5")])
        receive(s, order.id, "2025-03-04", [ReceiptLineDraft(line_ids(s, order.id)[0], "2")])
    with session_scope(engine) as s:
        ham, phone, paint = line_ids(s, 1)
    before = counts(engine)
    for fields, lines, field, message in ORDER_BAD:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            po(s, lines, **fields)
        assert err.value.field == field and message in err.value.message, (fields, err.value)
    receipt_bad = [
        ("2025-03-04", None, "lines", "PHONE is tracked by serial; enter the receipt lines"),
        ("2025-03-01", None, "receipt_date", "cannot be before the order date 2025-03-03"),
        ("2024-06-01", None, "receipt_date", "before the order date"),
        ("2025-03-04", [ReceiptLineDraft(999, "1")], "lines.1.order_line_id", "not on"),
        ("2025-03-04", [ReceiptLineDraft(ham, "1")], "lines.1.quantity", "only 0 of the 2"),
        ("2025-03-04", [ReceiptLineDraft(phone, "-1")], "lines.1.quantity", "above zero"),
        (
            "2025-03-04",
            [ReceiptLineDraft(phone, "2", serials=["A1"])],
            "lines.1.serials",
            "enter one serial number per unit (2 units, 1 serial numbers)",
        ),
        (
            "2025-03-04",
            [ReceiptLineDraft(phone, "2", serials=["A1", "A1"])],
            "lines.1.serials",
            "serial number A1 is entered twice",
        ),
        ("2025-03-04", [ReceiptLineDraft(paint, "5")], "lines.1", "tracked by lot; enter the lot"),
        ("2025-03-04", [ReceiptLineDraft(ham, "1", lot="L1")], "lines.1.quantity", "only 0"),
    ]
    for on, lines, field, message in receipt_bad:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            receive(s, 1, on, lines)
        assert err.value.field == field and message in err.value.message, (on, err.value)
    invoice_bad = [
        (dict(supplier="SU"), [InvLine(ham, "1", "12")], "lines.1.order_line_id", "not from"),
        ({}, [], "lines", "A purchase invoice needs at least one line."),
        ({}, [InvLine(ham, "0", "12")], "lines.1.quantity", "above zero"),
        ({}, [InvLine(ham, "1", "-12")], "lines.1.unit_price", "cannot be negative"),
        ({}, [InvLine(ham, "1", "12", "ZZ")], "lines.1.vat_code", "VAT code ZZ does not exist"),
        (dict(on="2024-12-01"), [InvLine(ham, "1", "12")], "entry_date", "is closed"),
        ({}, [InvLine(phone, "1", "100")], "lines.1.quantity", "not yet received"),
    ]
    for fields, lines, field, message in invoice_bad:
        with pytest.raises((ValidationError, Exception)) as err, session_scope(engine) as s:
            invoice(s, lines, **fields)
        assert getattr(err.value, "field", None) == field, (fields, err.value)
        assert message in str(err.value), (fields, err.value)
    assert counts(engine) == before


def test_serials_are_unique_and_lots_are_captured(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("PHONE", "2"), Line("PAINT", "5")])
        phone, paint = line_ids(s, order.id)
        gr = receive(
            s,
            order.id,
            "2025-03-04",
            [
                ReceiptLineDraft(phone, "2", serials=["SN1", "SN2"]),
                ReceiptLineDraft(paint, "5", "L7"),
            ],
        )
        rows = s.exec(select(GoodsReceiptLine).where(GoodsReceiptLine.receipt_id == gr.id)).all()
        lots = {r.lot_id: s.get(StockLot, r.lot_id).number for r in rows}  # type: ignore[union-attr]
        assert sorted(lots.values()) == ["L7", "SN1", "SN2"]
        assert [(r.quantity, r.value) for r in rows] == [
            (1, D("100.00")),
            (1, D("100.00")),
            (5, D("40.00")),
        ]
        other = po(s, [Line("PHONE", "1")])
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        receive(
            s, other.id, "2025-03-05", [ReceiptLineDraft(line_ids(s, 2)[0], "1", serials=["SN2"])]
        )
    assert err.value.field == "lines.1"
    assert err.value.message == (
        "Line 1: serial number SN2 of item PHONE was already received; serial numbers are unique."
    )
    assert counts(engine) == before


def test_foreign_currency_order_is_valued_at_the_receipt_dates_rate(engine) -> None:
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "10", "20.00")], supplier="SU", on="2025-05-01")
        assert order.currency_code == "USD"
        (ol,) = line_ids(s, order.id)
        # USD is 0.90 EUR until 2025-06-01, 0.92 from then on.
        receive(s, order.id, "2025-05-15", [ReceiptLineDraft(ol, "5")])
        receive(s, order.id, "2025-06-02", [ReceiptLineDraft(ol, "5")])
        values = s.exec(select(GoodsReceiptLine.value).order_by(GoodsReceiptLine.id)).all()
        assert values == [D("90.00"), D("92.00")]
        assert balance(s, "3000") == D("182.00") and balance(s, "1610") == D("-182.00")
        val = s.exec(select(StockValuation)).one()
        assert (val.quantity, val.value) == (10, D("182.00"))
        # The item price (base currency) is converted for a USD order: 12.00 / 0.92.
        other = po(s, [Line("HAM", "1")], supplier="SU", on="2025-07-01")
        assert orders.order_lines(s, other.id)[0].unit_price == D("13.0435")
    with session_scope(engine) as s:
        # Invoiced at the order price on 2025-06-10 (0.92): 184.00; GRNI holds 182.00.
        result = invoice(s, [InvLine(ol, "10", "20.00")], supplier="SU", on="2025-06-10")
        (m,) = result.matches
        assert (m.status, m.grni_value, m.invoice_value, m.difference_value) == (
            "matched",
            D("182.00"),
            D("184.00"),
            D("2.00"),
        )
        assert result.invoice.currency_code == "USD"
        assert balance(s, "1600") == D("-184.00")
        assert balance(s, "1610") == 0 and balance(s, "7050") == D("2.00")


def test_supplier_return_before_invoicing(engine) -> None:
    with session_scope(engine) as s:
        first = po(s, [Line("NUT", "10", "4.00")])
        second = po(s, [Line("NUT", "10", "5.00")])
        gr = receive(s, first.id, "2025-03-04")
        receive(s, second.id, "2025-03-05")
        (rl,) = s.exec(select(GoodsReceiptLine).where(GoodsReceiptLine.receipt_id == gr.id)).all()
        # Average 4.50: 2 go back at 9.00; GRNI is relieved by their receipt value 8.00.
        ret = returns.return_to_supplier(
            session=s,
            user=user(s, "clerk"),
            order_id=first.id or 0,
            return_date="2025-03-06",
            lines=[SupplierReturnLineDraft(rl.id or 0, "2")],
            reason="Damaged",
        )
        assert ret.number == "RS2025-00001"
        assert sorted((c, a) for c, _, a in entry_lines(s, ret.entry_id)) == [
            ("1610", D("8.00")),
            ("3000", D("-9.00")),
            ("7050", D("1.00")),
        ]
        ol = s.get(PurchaseOrderLine, rl.order_line_id)
        assert ol is not None and (ol.quantity_received, ol.quantity_returned) == (10, 2)
        mv = s.exec(
            select(StockMovement).where(StockMovement.movement_type == "supplier_return")
        ).one()
        assert (mv.quantity, mv.value, mv.source_type) == (-2, D("-9.00"), "supplier_return_line")
        # The 8 kept units are invoiced: GRNI relieves the remaining 32.00 exactly.
        result = invoice(s, [InvLine(ol.id or 0, "8", "4.00")])
        assert result.matches[0].grni_value == D("32.00")
        assert result.matches[0].status == "matched"
        assert balance(s, "1610") == D("-50.00")  # the second order, not yet invoiced
        assert stock_value(s) == balance(s, "3000") == D("81.00")
        rl_id = rl.id or 0
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        returns.return_to_supplier(
            session=s,
            user=user(s, "clerk"),
            order_id=1,
            return_date="2025-03-07",
            lines=[SupplierReturnLineDraft(rl_id, "1")],
        )
    assert err.value.field == "lines.1.quantity"
    assert "0 of order line 1 are received and not invoiced" in err.value.message
    with (
        pytest.raises(ValidationError, match="is not a receipt of purchase order PO2025-00002"),
        session_scope(engine) as s,
    ):
        returns.return_to_supplier(
            session=s,
            user=user(s, "clerk"),
            order_id=2,
            return_date="2025-03-07",
            lines=[SupplierReturnLineDraft(rl_id, "1")],
        )
    assert counts(engine) == before


def test_rights_analyst_cannot_purchase_and_divisions_are_enforced(engine) -> None:
    before = counts(engine)
    for who, message in (
        ("analyst", "may not enter purchase orders, goods receipts and supplier returns"),
        ("clerk_us", "has no rights in division HOLD"),
    ):
        with pytest.raises(PermissionDenied, match=message), session_scope(engine) as s:
            po(s, [Line("HAM", "1")], who=who)
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "1")])
    with (
        pytest.raises(PermissionDenied, match="may not enter purchase orders"),
        session_scope(engine) as s,
    ):
        receive(s, order.id, "2025-03-04", who="analyst")
    with pytest.raises(PermissionDenied, match="may not post invoices"), session_scope(engine) as s:
        matching.preview_match(
            session=s, user=user(s, "analyst"), division="HOLD", supplier="S1", lines=[]
        )
    after = counts(engine)
    assert after["PurchaseOrder"] == before["PurchaseOrder"] + 1
    assert after["GoodsReceipt"] == before["GoodsReceipt"]


def test_item_master_is_untouched_by_purchasing(engine) -> None:
    """Purchasing reads the item's purchase price; it never rewrites the item."""
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "3", "11.00")])
        receive(s, order.id, "2025-03-04")
        assert s.exec(select(Item).where(Item.code == "HAM")).one().purchase_price == D("12.00")
        assert on_hand(s, s.exec(select(Item.id).where(Item.code == "HAM")).one() or 0) == 3
