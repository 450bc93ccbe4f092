"""Customer returns: goods come back at the cost they left with, and the invoiced part
of them is credited.

Per delivery line nothing is returned beyond what it delivered (less earlier returns); a
serial comes back only on the delivery line that shipped it, a lot only as that lot. The
stock is valued at the delivery line's unit cost (3000 against cost of sales); a
standard-cost item comes back at its standard cost of the return date. Per order
line, min(returned now, invoiced - credited) units are credited at the order price on one
credit note linked to the return.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.invoices import InvoiceDraft, post_invoices
from transactional.finance.lookups import Lookups
from transactional.money import round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import User
from transactional.sales.deliveries import check_tracking, order_movement
from transactional.sales.fulfilment import close_if_done
from transactional.sales.invoicing import revenue_line
from transactional.sales.models import (
    Delivery,
    DeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)
from transactional.sales.orders import load_order, order_label, order_lines
from transactional.stock.models import StockLot
from transactional.stock.movements import post_stock
from transactional.wholesale.models import Item, Warehouse


@dataclass
class ReturnLineDraft:
    delivery_line_id: int
    quantity: Decimal | str | int
    lot: str | None = None  # default: the delivery line's lot
    serials: list[str] | None = None  # default: the delivery line's serial


@dataclass
class _Back:
    delivered: DeliveryLine
    line: SalesOrderLine
    item: Item
    quantity: Decimal
    unit_cost: Decimal
    lot: str | None
    where: str
    field: str


def return_goods(
    *,
    session: Session,
    user: User,
    order_id: int,
    return_date: date | str,
    lines: list[ReturnLineDraft],
    reason: str = "",
) -> SalesReturn:
    """Take goods back into the order's warehouse and credit what was invoiced of them."""
    order = load_order(session, order_id)
    lookups = Lookups(session)
    lookups.require(user, "sell", order.division_id)
    label = order_label(order)
    if order.status not in ("order", "closed"):
        raise ValidationError(
            N_("{label} has no deliveries to return."), field="order_id", label=label
        )
    on = parse_date(return_date, field="return_date", label="Return date")
    all_lines = order_lines(session, order.id or 0)
    division = lookups.division(order.division_id)
    decimals = lookups.currency(division.currency_code).decimals
    backs = _backs(session, order, all_lines, lines, on, decimals)
    warehouse = session.get(Warehouse, order.warehouse_id)
    assert warehouse is not None

    ret = SalesReturn(
        division_id=order.division_id,
        number=next_number(session, order.division_id, "sales_return", on.year),
        order_id=order.id or 0,
        warehouse_id=order.warehouse_id,
        return_date=on,
        reason=str(reason or "").strip(),
        created_by=user.id or 0,
    )
    session.add(ret)
    session.flush()
    rows = [
        SalesReturnLine(
            return_id=ret.id or 0,
            delivery_line_id=b.delivered.id or 0,
            order_line_id=b.line.id or 0,
            item_id=b.item.id or 0,
            lot_id=b.delivered.lot_id,
            quantity=b.quantity,
            cost_value=Decimal(0),
        )
        for b in backs
    ]
    session.add_all(rows)
    session.flush()
    entry, moved = post_stock(
        session=session,
        user=user,
        lookups=lookups,
        division=division,
        on=on,
        action="sell",
        document_number=ret.number,
        description=f"Customer return {label}",
        movements=[
            order_movement(
                lookups,
                order,
                warehouse,
                b,
                movement_type="customer_return",
                source_type="sales_return_line",
                source_id=row.id,
                unit_cost=b.unit_cost,
            )
            for b, row in zip(backs, rows, strict=True)
        ],
        entry_source_type="sales_return",
        entry_source_id=ret.id,
    )
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for b, row, mv in zip(backs, rows, moved, strict=True):
        row.cost_value = mv.value
        b.line.quantity_returned += b.quantity
        returned[b.line.id or 0] += b.quantity
    ret.entry_id = entry.id if entry else None

    credit_lines = []
    for line in all_lines:
        credit = min(returned.get(line.id or 0, Decimal(0)), _net_invoiced(line))
        if credit > 0:
            credit_lines.append(revenue_line(lookups, order, line, -credit))
            line.quantity_credited += credit
    if credit_lines:
        note = post_invoices(
            session=session,
            user=user,
            invoices=[
                InvoiceDraft(
                    division=order.division_id,
                    invoice_type="sales",
                    relation=order.relation_id,
                    invoice_date=on,
                    lines=credit_lines,
                    currency=order.currency_code,
                    description=f"Credit note {ret.number} (order {label})",
                )
            ],
        )[0]
        ret.credit_note_id = note.id
    session.add_all([ret, *rows, *all_lines])
    close_if_done(order, all_lines)
    session.add(order)
    session.flush()
    return ret


def _net_invoiced(line: SalesOrderLine) -> Decimal:
    return line.quantity_invoiced - line.quantity_credited


def _backs(
    session: Session,
    order: SalesOrder,
    all_lines: list[SalesOrderLine],
    drafts: list[ReturnLineDraft],
    on: date,
    decimals: int,
) -> list[_Back]:
    label = order_label(order)
    if not drafts:
        raise ValidationError(N_("Enter at least one line to return."), field="lines")
    by_id = {ln.id: ln for ln in all_lines}
    planned: dict[int, Decimal] = defaultdict(Decimal)
    planned_value: dict[int, Decimal] = defaultdict(Decimal)
    backs = []
    for n, d in enumerate(drafts, start=1):
        where, prefix = f"Line {n}", f"lines.{n}"
        found = (
            session.exec(
                select(DeliveryLine, Delivery)
                .join(Delivery, col(DeliveryLine.delivery_id) == Delivery.id)
                .where(DeliveryLine.id == d.delivery_line_id, Delivery.order_id == order.id)
            ).first()
            if isinstance(d.delivery_line_id, int)
            else None
        )
        if found is None:
            raise ValidationError(
                N_("{where}: delivery line {delivery_line_id} was not delivered on {label}."),
                field=f"{prefix}.delivery_line_id",
                where=where,
                delivery_line_id=d.delivery_line_id,
                label=label,
            )
        dl, delivery = found
        line = by_id[dl.order_line_id]
        item = session.get(Item, dl.item_id)
        assert item is not None
        qty = to_decimal(d.quantity, field=f"{prefix}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."),
                field=f"{prefix}.quantity",
                where=where,
            )
        if on < delivery.delivery_date:
            raise ValidationError(
                N_("The return date {date} is before delivery {delivery} ({delivery_date})."),
                field="return_date",
                date=on.isoformat(),
                delivery=delivery.number,
                delivery_date=delivery.delivery_date.isoformat(),
            )
        earlier = session.exec(
            select(col(SalesReturnLine.quantity), col(SalesReturnLine.cost_value)).where(
                SalesReturnLine.delivery_line_id == dl.id
            )
        ).all()
        key = dl.id or 0
        back_qty = sum((q for q, _ in earlier), Decimal(0)) + planned[key]
        back_value = sum((v for _, v in earlier), Decimal(0)) + planned_value[key]
        left = dl.quantity - back_qty
        if qty > left:
            raise ValidationError(
                N_(
                    "{where}: delivery {delivery} shipped {delivered} {unit} of {item}, {returned} "
                    "already returned; {qty} cannot come back."
                ),
                field=f"{prefix}.quantity",
                where=where,
                delivery=delivery.number,
                delivered=_q(dl.quantity),
                unit=item.unit,
                item=item.code,
                returned=_q(back_qty),
                qty=_q(qty),
            )
        planned[dl.id or 0] += qty
        shipped = session.get(StockLot, dl.lot_id) if dl.lot_id is not None else None
        number = shipped.number if shipped else None
        lot, serials = d.lot, d.serials
        if item.tracking == "serial" and serials is None:
            serials = [number or ""]
        if item.tracking == "lot" and not lot:
            lot = number
        numbers = check_tracking(item, lot, serials, qty, where, prefix)
        if item.tracking != "none" and numbers[0] != number:
            serial = item.tracking == "serial"
            raise ValidationError(
                N_(
                    "{where}: delivery {delivery} shipped serial number {number} of {item}, "
                    "not {given}."
                )
                if serial
                else N_(
                    "{where}: delivery {delivery} shipped lot {number} of {item}, not {given}."
                ),
                field=f"{prefix}.{'serials' if serial else 'lot'}",
                where=where,
                delivery=delivery.number,
                number=number,
                item=item.code,
                given=numbers[0],
            )
        # The last units take the value left on the delivery line, so a line returned in
        # parts comes back at exactly its cost.
        if qty == left:
            unit_cost = (dl.cost_value - back_value) / qty
        else:
            unit_cost = dl.cost_value / dl.quantity
        planned_value[key] += round_money(qty * unit_cost, decimals)
        fld = {"serial": "serials", "lot": "lot"}.get(item.tracking, "quantity")
        backs.append(_Back(dl, line, item, qty, unit_cost, numbers[0], where, f"{prefix}.{fld}"))
    return backs


def _q(q: Decimal) -> str:
    return f"{q.normalize():f}"
