"""Goods receipts: stock in at the order price (receipt day's rate), GRNI credited.

A line of a lot- or serial-tracked item may give the expiry date printed on the goods: the
lot the receipt creates records it (``stock.movements``), and a receipt into an existing
lot with another date is refused. A date already past is accepted: expired goods can
arrive, and the books must show what is on the shelf.

A standard-cost item goes into stock at its standard cost; GRNI still gets the purchase
value and the difference goes to 7050 Purchase price differences (``post_stock``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import Division, User
from transactional.purchasing.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder
from transactional.purchasing.orders import order_lines
from transactional.stock.movements import Movement, post_stock
from transactional.stock.tracking import qty_text, typed_expiry, units
from transactional.wholesale.models import Item, Warehouse


@dataclass
class ReceiptLineDraft:
    order_line_id: int
    quantity: Decimal | str
    lot: str | None = None
    serials: list[str] | None = None  # serial items: one serial number per unit
    # The lot's expiry date (every serial number of the line, for a serial item); a date
    # or text as typed (2026-12-31, 31-12-2026), empty for none.
    expiry_date: date | str | None = None


def load_order(
    session: Session, lookups: Lookups, user: User, order_id: int, action: str
) -> tuple[PurchaseOrder, Division]:
    order = session.get(PurchaseOrder, order_id, with_for_update=True)
    if order is None:
        raise ValidationError(
            N_("Purchase order {order_id} does not exist."), field="order", order_id=order_id
        )
    div = lookups.division(order.division_id)
    lookups.require(user, action, order.division_id)
    return order, div


def receive(
    *,
    session: Session,
    user: User,
    order_id: int,
    receipt_date: date | str,
    lines: list[ReceiptLineDraft] | None = None,
) -> GoodsReceipt:
    """Receive goods on an open order; ``lines=None`` receives everything still open
    (untracked items only)."""
    lookups = Lookups(session)
    order, div = load_order(session, lookups, user, order_id, "purchase")
    assert div.id is not None
    if order.status != "open":
        raise ValidationError(
            N_("Purchase order {order} is {status}; nothing can be received on it."),
            field="order",
            order=order.number,
            status=order.status,
        )
    on = parse_date(receipt_date, field="receipt_date", label="Receipt date")
    if on < order.order_date:
        raise ValidationError(
            N_("The receipt date cannot be before the order date {order_date}."),
            field="receipt_date",
            order_date=order.order_date,
        )
    lookups.period(div, on, field="receipt_date")
    by_id = {ln.id: ln for ln in order_lines(session, order.id)}
    items = {ln.id: session.get(Item, ln.item_id) for ln in by_id.values()}
    receive_all = lines is None
    if lines is None:
        lines = [
            ReceiptLineDraft(ln.id or 0, ln.quantity - ln.quantity_received)
            for ln in by_id.values()
            if ln.quantity > ln.quantity_received
        ]
        tracked = [items[d.order_line_id] for d in lines]
        for it in tracked:
            if it is not None and it.tracking != "none":
                raise ValidationError(
                    N_(
                        "Item {item} is tracked by {tracking}; enter the receipt lines with their "
                        "serial numbers or lots."
                    ),
                    field="lines",
                    item=it.code,
                    tracking=it.tracking,
                )
    if not lines:
        raise ValidationError(
            N_("Nothing is left to receive on purchase order {order}.")
            if receive_all
            else N_("Enter at least one line to receive."),
            field="lines",
            order=order.number,
        )
    wh = session.get(Warehouse, order.warehouse_id)
    assert wh is not None
    base = lookups.currency(div.currency_code)
    rate = lookups.rate(order.currency_code, base.code, on, field="receipt_date")
    parts: list[tuple[int, str, Item, Decimal, str | None, Decimal, date | None]] = []
    for n, d in enumerate(lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        line = by_id.get(d.order_line_id)
        if line is None:
            raise ValidationError(
                N_("{where}: order line {order_line_id} is not on purchase order {order}."),
                field=f"{f}.order_line_id",
                where=where,
                order_line_id=d.order_line_id,
                order=order.number,
            )
        item = items[line.id]
        assert item is not None and line.id is not None
        qty = to_decimal(d.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."), field=f"{f}.quantity", where=where
            )
        open_qty = line.quantity - line.quantity_received  # earlier lines already counted
        if qty > open_qty:
            raise ValidationError(
                N_(
                    "{where}: {qty} {unit} of {item} cannot be received; only {open_qty} of the "
                    "{quantity} ordered on {order} are still open (no receipt beyond the ordered "
                    "quantity)."
                ),
                field=f"{f}.quantity",
                where=where,
                qty=qty_text(qty),
                unit=item.unit,
                item=item.code,
                open_qty=qty_text(open_qty),
                quantity=qty_text(line.quantity),
                order=order.number,
            )
        expiry = typed_expiry(
            d.expiry_date, field=f"{f}.expiry_date", label=f"{where}: expiry date"
        )
        for q, lot in units(item, qty, d.lot, d.serials, where=where, field=f):
            value = round_money(q * line.unit_price * rate, base.decimals)
            parts.append((n, f, item, q, lot, value, expiry))
        line.quantity_received += qty
        session.add(line)

    receipt = GoodsReceipt(
        division_id=div.id,
        number=next_number(session, div.id, "goods_receipt", on.year),
        order_id=order.id or 0,
        warehouse_id=wh.id or 0,
        receipt_date=on,
        created_by=user.id or 0,
    )
    session.add(receipt)
    session.flush()
    order_line_of = {n: lines[n - 1].order_line_id for n in range(1, len(lines) + 1)}
    rows = [
        GoodsReceiptLine(
            receipt_id=receipt.id or 0,
            order_line_id=order_line_of[n],
            item_id=item.id or 0,
            quantity=q,
            value=value,
        )
        for n, _, item, q, _, value, _ in parts
    ]
    session.add_all(rows)
    session.flush()
    grni = lookups.account_for_role(div, "grni").id or 0
    entry, moved = post_stock(
        session=session,
        user=user,
        lookups=lookups,
        division=div,
        on=on,
        action="purchase",
        document_number=receipt.number,
        description=f"Goods receipt {order.number}",
        movements=[
            Movement(
                item=item,
                warehouse=wh,
                movement_type="receipt",
                quantity=q,
                counter_account_id=grni,
                lot_number=lot,
                unit_cost=value / q,
                counter_value=value,
                relation_id=order.relation_id,
                source_type="goods_receipt_line",
                source_id=row.id,
                where=f"Line {n}",
                field=f,
                expiry_date=expiry,
            )
            for (n, f, item, q, lot, value, expiry), row in zip(parts, rows, strict=True)
        ],
        entry_source_type="goods_receipt",
        entry_source_id=receipt.id,
    )
    for row, mv in zip(rows, moved, strict=True):
        row.lot_id = mv.lot_id
    receipt.entry_id = entry.id if entry is not None else None
    session.add_all([*rows, receipt])
    session.flush()
    return receipt
