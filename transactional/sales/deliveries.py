"""Deliveries: goods leave the order's warehouse at moving-average cost (standard-cost
items at their standard cost).

Per order line nothing is delivered beyond the ordered quantity. A serial-tracked line
names its serials (one delivery line and one stock movement each), a lot-tracked line its
lot. The value goes to cost of sales (the item's cost account, else 7000) against stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlmodel import Session

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import User
from transactional.sales.fulfilment import close_if_done
from transactional.sales.models import Delivery, DeliveryLine, SalesOrder, SalesOrderLine
from transactional.sales.orders import load_order, order_label, order_lines
from transactional.stock.movements import Movement, post_stock
from transactional.wholesale.models import Item, Warehouse


@dataclass
class DeliveryLineDraft:
    order_line_id: int
    quantity: Decimal | str | int
    lot: str | None = None
    serials: list[str] | None = None


@dataclass
class _Unit:
    """One delivery line to write: an order line, a quantity, a lot or serial."""

    line: SalesOrderLine
    item: Item
    quantity: Decimal
    lot: str | None
    where: str
    field: str


def cost_account_id(lookups: Lookups, order: SalesOrder, item: Item) -> int:
    if item.cost_account_id is not None:
        return item.cost_account_id
    return lookups.account_for_role(lookups.division(order.division_id), "cost_of_sales").id or 0


class _Moving(Protocol):
    item: Item
    quantity: Decimal
    lot: str | None
    where: str
    field: str


def order_movement(
    lookups: Lookups,
    order: SalesOrder,
    warehouse: Warehouse,
    moving: _Moving,
    *,
    movement_type: str,
    source_type: str,
    source_id: int | None,
    unit_cost: Decimal | None = None,
) -> Movement:
    """A sales document's stock movement: in or out of the order's warehouse, against the
    item's cost of sales, for the order's customer (deliveries and customer returns alike)."""
    return Movement(
        item=moving.item,
        warehouse=warehouse,
        movement_type=movement_type,
        quantity=moving.quantity,
        counter_account_id=cost_account_id(lookups, order, moving.item),
        lot_number=moving.lot,
        unit_cost=unit_cost,
        relation_id=order.relation_id,
        source_type=source_type,
        source_id=source_id,
        where=moving.where,
        field=moving.field,
    )


def check_tracking(
    item: Item, lot: str | None, serials: list[str] | None, qty: Decimal, where: str, prefix: str
) -> list[str | None]:
    """The lot or serial numbers of one draft line (one entry per stock movement)."""
    lot = str(lot or "").strip() or None
    clean = [str(s or "").strip() for s in serials or []]
    if item.tracking == "serial":
        if lot:
            raise ValidationError(
                N_("{where}: item {item} has serial numbers, not lots."),
                field=f"{prefix}.lot",
                where=where,
                item=item.code,
            )
        if not clean or any(not s for s in clean):
            raise ValidationError(
                N_("{where}: item {item} has serial numbers; enter one per unit."),
                field=f"{prefix}.serials",
                where=where,
                item=item.code,
            )
        if len(set(clean)) != len(clean):
            raise ValidationError(
                N_("{where}: a serial number is entered twice."),
                field=f"{prefix}.serials",
                where=where,
            )
        if Decimal(len(clean)) != qty:
            raise ValidationError(
                N_(
                    "{where}: {count} serial numbers for a quantity of {qty}; enter one serial "
                    "number per unit."
                ),
                field=f"{prefix}.serials",
                where=where,
                count=len(clean),
                qty=_q(qty),
            )
        return list(clean)
    if clean:
        raise ValidationError(
            N_("{where}: item {item} has no serial numbers."),
            field=f"{prefix}.serials",
            where=where,
            item=item.code,
        )
    if item.tracking == "lot":
        if not lot:
            raise ValidationError(
                N_("{where}: item {item} is tracked by lot; enter the lot."),
                field=f"{prefix}.lot",
                where=where,
                item=item.code,
            )
        return [lot]
    if lot:
        raise ValidationError(
            N_("{where}: item {item} is not tracked by lot; leave the lot empty."),
            field=f"{prefix}.lot",
            where=where,
            item=item.code,
        )
    return [None]


def deliver(
    *,
    session: Session,
    user: User,
    order_id: int,
    delivery_date: date | str,
    lines: list[DeliveryLineDraft] | None = None,
) -> Delivery:
    """Deliver (part of) an order. ``lines=None`` delivers everything still open; that is
    only possible when no open line needs serial or lot numbers."""
    order = load_order(session, order_id)
    lookups = Lookups(session)
    lookups.require(user, "sell", order.division_id)
    label = order_label(order)
    if order.status != "order":
        text = {"quote": "a quote; confirm it first", "closed": "closed"}.get(
            order.status, order.status
        )
        raise ValidationError(N_("{label} is {text}."), field="order_id", label=label, text=text)
    on = parse_date(delivery_date, field="delivery_date", label="Delivery date")
    if order.order_date is not None and on < order.order_date:
        raise ValidationError(
            N_("The delivery date {date} is before the order date {order_date}."),
            field="delivery_date",
            date=on.isoformat(),
            order_date=order.order_date.isoformat(),
        )
    all_lines = order_lines(session, order.id or 0)
    units = _units(session, order, all_lines, lines)
    warehouse = session.get(Warehouse, order.warehouse_id)
    assert warehouse is not None

    delivery = Delivery(
        division_id=order.division_id,
        number=next_number(session, order.division_id, "delivery", on.year),
        order_id=order.id or 0,
        warehouse_id=order.warehouse_id,
        delivery_date=on,
        created_by=user.id or 0,
    )
    session.add(delivery)
    session.flush()
    rows = [
        DeliveryLine(
            delivery_id=delivery.id or 0,
            order_line_id=u.line.id or 0,
            item_id=u.item.id or 0,
            quantity=u.quantity,
            cost_value=Decimal(0),
        )
        for u in units
    ]
    session.add_all(rows)
    session.flush()
    entry, moved = post_stock(
        session=session,
        user=user,
        lookups=lookups,
        division=lookups.division(order.division_id),
        on=on,
        action="sell",
        document_number=delivery.number,
        description=f"Delivery {label}",
        movements=[
            order_movement(
                lookups,
                order,
                warehouse,
                u,
                movement_type="delivery",
                source_type="delivery_line",
                source_id=row.id,
            )
            for u, row in zip(units, rows, strict=True)
        ],
        entry_source_type="delivery",
        entry_source_id=delivery.id,
    )
    for u, row, mv in zip(units, rows, moved, strict=True):
        row.cost_value = -mv.value
        row.lot_id = mv.lot_id
        u.line.quantity_delivered += u.quantity
        session.add(u.line)
    delivery.entry_id = entry.id if entry else None
    session.add_all([delivery, *rows])
    close_if_done(order, all_lines)
    session.add(order)
    session.flush()
    return delivery


def _units(
    session: Session,
    order: SalesOrder,
    all_lines: list[SalesOrderLine],
    drafts: list[DeliveryLineDraft] | None,
) -> list[_Unit]:
    label = order_label(order)
    items = {ln.item_id: session.get(Item, ln.item_id) for ln in all_lines}
    if drafts is None:
        units = []
        for ln in all_lines:
            item = items[ln.item_id]
            assert item is not None
            open_qty = ln.quantity - ln.quantity_delivered
            if open_qty <= 0:
                continue
            if item.tracking != "none":
                raise ValidationError(
                    N_(
                        "Order line {order_line}: item {item} needs serial numbers; enter the "
                        "delivery lines."
                    )
                    if item.tracking == "serial"
                    else N_(
                        "Order line {order_line}: item {item} needs a lot; enter the delivery "
                        "lines."
                    ),
                    field="lines",
                    order_line=ln.line_number,
                    item=item.code,
                )
            where = f"Order line {ln.line_number}"
            units.append(_Unit(ln, item, open_qty, None, where, "lines"))
        if not units:
            raise ValidationError(
                N_("Nothing left to deliver on {label}."), field="order_id", label=label
            )
        return units
    if not drafts:
        raise ValidationError(N_("Enter at least one line to deliver."), field="lines")
    by_id = {ln.id: ln for ln in all_lines}
    planned: dict[int, Decimal] = {}
    units = []
    for n, d in enumerate(drafts, start=1):
        where, prefix = f"Line {n}", f"lines.{n}"
        line = by_id.get(d.order_line_id) if isinstance(d.order_line_id, int) else None
        if line is None:
            raise ValidationError(
                N_("{where}: order line {order_line_id} is not a line of {label}."),
                field=f"{prefix}.order_line_id",
                where=where,
                order_line_id=d.order_line_id,
                label=label,
            )
        item = items[line.item_id]
        assert item is not None
        qty = to_decimal(d.quantity, field=f"{prefix}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."),
                field=f"{prefix}.quantity",
                where=where,
            )
        open_qty = line.quantity - line.quantity_delivered - planned.get(line.id or 0, Decimal(0))
        if qty > open_qty:
            raise ValidationError(
                N_(
                    "{where}: {quantity} {unit} of {item} ordered, {delivered} already delivered; "
                    "{qty} more cannot be delivered."
                ),
                field=f"{prefix}.quantity",
                where=where,
                quantity=_q(line.quantity),
                unit=item.unit,
                item=item.code,
                delivered=_q(line.quantity - open_qty),
                qty=_q(qty),
            )
        planned[line.id or 0] = planned.get(line.id or 0, Decimal(0)) + qty
        numbers = check_tracking(item, d.lot, d.serials, qty, where, prefix)
        fld = {"serial": "serials", "lot": "lot"}.get(item.tracking, "quantity")
        each = Decimal(1) if item.tracking == "serial" else qty
        units.extend(_Unit(line, item, each, nr, where, f"{prefix}.{fld}") for nr in numbers)
    return units


def _q(q: Decimal) -> str:
    return f"{q.normalize():f}"
