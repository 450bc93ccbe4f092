"""Supplier returns: received, not yet invoiced goods sent back.

Stock goes out at the average cost (a standard-cost item at its standard cost); GRNI is
debited with the receipt value of the units (pro rata from the receipt line) and the
difference goes to purchase price differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import User
from transactional.purchasing.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrderLine,
    SupplierReturn,
    SupplierReturnLine,
)
from transactional.purchasing.receipts import load_order
from transactional.stock.models import StockLot
from transactional.stock.movements import Movement, post_stock
from transactional.stock.tracking import qty_text
from transactional.wholesale.models import Item, Warehouse


@dataclass
class SupplierReturnLineDraft:
    receipt_line_id: int
    quantity: Decimal | str
    lot: str | None = None  # default: the receipt line's lot or serial
    serials: list[str] | None = None


@dataclass
class _Part:
    n: int
    receipt_line: GoodsReceiptLine
    order_line: PurchaseOrderLine
    item: Item
    quantity: Decimal
    lot: str | None
    value: Decimal  # receipt value of the returned units, positive


def return_to_supplier(
    *,
    session: Session,
    user: User,
    order_id: int,
    return_date: date | str,
    lines: list[SupplierReturnLineDraft],
    reason: str = "",
) -> SupplierReturn:
    lookups = Lookups(session)
    order, div = load_order(session, lookups, user, order_id, "purchase")
    assert div.id is not None
    if order.status == "cancelled":
        raise ValidationError(
            N_("Purchase order {order} is cancelled."),
            field="order",
            order=order.number,
        )
    on = parse_date(return_date, field="return_date", label="Return date")
    lookups.period(div, on, field="return_date")
    if not lines:
        raise ValidationError(N_("A supplier return needs at least one line."), field="lines")
    base = lookups.currency(div.currency_code)
    parts: list[_Part] = []
    for n, d in enumerate(lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        rl = session.get(GoodsReceiptLine, d.receipt_line_id)
        receipt = session.get(GoodsReceipt, rl.receipt_id) if rl is not None else None
        if rl is None or receipt is None or receipt.order_id != order.id:
            raise ValidationError(
                N_(
                    "{where}: receipt line {receipt_line_id} is not a receipt of purchase order "
                    "{order}."
                ),
                field=f"{f}.receipt_line_id",
                where=where,
                receipt_line_id=d.receipt_line_id,
                order=order.number,
            )
        if on < receipt.receipt_date:
            raise ValidationError(
                N_("{where}: the return date is before receipt {receipt} ({receipt_date})."),
                field="return_date",
                where=where,
                receipt=receipt.number,
                receipt_date=receipt.receipt_date,
            )
        ol = session.get(PurchaseOrderLine, rl.order_line_id, with_for_update=True)
        item = session.get(Item, rl.item_id)
        assert ol is not None and item is not None
        qty = to_decimal(d.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."), field=f"{f}.quantity", where=where
            )
        lot = _lot(session, rl, item, d, where=where, field=f)
        earlier = [x for x in parts if x.receipt_line.id == rl.id]
        done_qty, done_value = _returned(session, rl)
        done_qty += sum((x.quantity for x in earlier), Decimal(0))
        done_value += sum((x.value for x in earlier), Decimal(0))
        left_on_receipt = rl.quantity - done_qty
        open_qty = ol.quantity_not_invoiced
        if qty > min(left_on_receipt, open_qty):
            raise ValidationError(
                N_(
                    "{where}: {qty} {unit} of {item} cannot be returned; receipt {receipt} has "
                    "{left_on_receipt} not yet returned and {open_qty} of order line {order_line} "
                    "are received and not invoiced (only those can go back)."
                ),
                field=f"{f}.quantity",
                where=where,
                qty=qty_text(qty),
                unit=item.unit,
                item=item.code,
                receipt=receipt.number,
                left_on_receipt=qty_text(left_on_receipt),
                open_qty=qty_text(max(open_qty, Decimal(0))),
                order_line=ol.line_number,
            )
        value = (
            rl.value - done_value
            if qty == left_on_receipt
            else round_money(rl.value * qty / rl.quantity, base.decimals)
        )
        ol.quantity_returned += qty
        session.add(ol)
        parts.append(_Part(n, rl, ol, item, qty, lot, value))

    wh = session.get(Warehouse, order.warehouse_id)
    assert wh is not None
    ret = SupplierReturn(
        division_id=div.id,
        number=next_number(session, div.id, "supplier_return", on.year),
        order_id=order.id or 0,
        warehouse_id=wh.id or 0,
        return_date=on,
        reason=reason,
        created_by=user.id or 0,
    )
    session.add(ret)
    session.flush()
    rows = [
        SupplierReturnLine(
            return_id=ret.id or 0,
            receipt_line_id=p.receipt_line.id or 0,
            order_line_id=p.order_line.id or 0,
            item_id=p.item.id or 0,
            lot_id=p.receipt_line.lot_id,
            quantity=p.quantity,
            value=p.value,
        )
        for p in parts
    ]
    session.add_all(rows)
    session.flush()
    grni = lookups.account_for_role(div, "grni").id or 0
    differences = lookups.account_for_role(div, "purchase_price_differences").id or 0
    entry, _ = post_stock(
        session=session,
        user=user,
        lookups=lookups,
        division=div,
        on=on,
        action="purchase",
        document_number=ret.number,
        description=f"Return to supplier {order.number}",
        movements=[
            Movement(
                item=p.item,
                warehouse=wh,
                movement_type="supplier_return",
                quantity=p.quantity,
                counter_account_id=grni,
                lot_number=p.lot,
                counter_value=-p.value,
                difference_account_id=differences,
                relation_id=order.relation_id,
                source_type="supplier_return_line",
                source_id=row.id,
                where=f"Line {p.n}",
                field=f"lines.{p.n}",
            )
            for p, row in zip(parts, rows, strict=True)
        ],
        entry_source_type="supplier_return",
        entry_source_id=ret.id,
    )
    ret.entry_id = entry.id if entry is not None else None
    session.add(ret)
    session.flush()
    return ret


def _returned(session: Session, rl: GoodsReceiptLine) -> tuple[Decimal, Decimal]:
    """Quantity and receipt value already returned from a receipt line."""
    rows = session.exec(
        select(SupplierReturnLine).where(SupplierReturnLine.receipt_line_id == rl.id)
    ).all()
    return (
        sum((r.quantity for r in rows), Decimal(0)),
        sum((r.value for r in rows), Decimal(0)),
    )


def _lot(
    session: Session,
    rl: GoodsReceiptLine,
    item: Item,
    d: SupplierReturnLineDraft,
    *,
    where: str,
    field: str,
) -> str | None:
    """The receipt line's lot or serial; one given must be the same."""
    lot = session.get(StockLot, rl.lot_id) if rl.lot_id is not None else None
    number = lot.number if lot is not None else None
    given = [str(x).strip() for x in (d.serials or []) if str(x).strip()]
    if d.lot not in (None, ""):
        given.append(str(d.lot).strip())
    for g in given:
        if g != number:
            raise ValidationError(
                N_("{where}: the receipt line holds serial number {expected}, not {given}.")
                if item.tracking == "serial"
                else N_("{where}: the receipt line holds lot {expected}, not {given}."),
                field=f"{field}.lot",
                where=where,
                expected=number or "(none)",
                given=g,
            )
    return number
