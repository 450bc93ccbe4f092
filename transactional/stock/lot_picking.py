"""Which lots or serial numbers a quantity of a tracked item goes out of, when the service
picks them rather than the clerk (a backflush order's completion).

The rule lives here, in the stock core, so every service that picks lots picks them the
same way: first expiry first out (lots with an expiry date before lots without one),
then first in, first out (the lot the books knew first: the lowest id, as a lot or serial
is created by its first receipt). A lot gives what it holds in the warehouse and the next
one the rest; a serial number is one unit. Deliveries, transfers and counts name their
lots themselves (the clerk types them), so this is the only picking rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.errors import N_, ValidationError
from transactional.stock.models import StockLot, StockLotLevel
from transactional.stock.tracking import qty_text
from transactional.wholesale.models import Item, Warehouse


def lots_on_hand(
    *, session: Session, item: Item, warehouse: Warehouse
) -> list[tuple[StockLot, Decimal]]:
    """The item's lots (or serial numbers) with stock in the warehouse, in picking order:
    earliest expiry first (undated lots last), then the lot received first."""
    rows = session.exec(
        select(StockLot, col(StockLotLevel.quantity))
        .join(StockLotLevel, col(StockLotLevel.lot_id) == StockLot.id)
        .where(
            StockLot.item_id == item.id,
            StockLotLevel.warehouse_id == warehouse.id,
            col(StockLotLevel.quantity) > 0,
        )
        # Portable "nulls last": SQLite sorts NULL first, PostgreSQL last.
        .order_by(
            col(StockLot.expiry_date).is_(None),
            col(StockLot.expiry_date),
            col(StockLot.id),
        )
        # Locked on PostgreSQL, as post_stock locks each lot level it moves: a completion
        # running at the same time waits and then picks from what is left.
        .with_for_update(of=StockLotLevel)
    ).all()
    return [(lot, quantity) for lot, quantity in rows]


def pick_lots(
    *,
    session: Session,
    item: Item,
    warehouse: Warehouse,
    quantity: Decimal,
    picked: Mapping[int, Decimal] | None = None,
    where: str,
    field: str,
) -> list[tuple[StockLot, Decimal]]:
    """Split ``quantity`` of a lot- or serial-tracked item over its lots in the warehouse
    in picking order: [(lot or serial number, quantity)], one part per serial number.

    ``picked`` holds what earlier lines of the same document already take from each lot
    (by lot id), so two lines of one item do not count the same units twice. Refused,
    naming the item, warehouse, quantity due and what the lots hold, when they do not
    cover the quantity; a serial-numbered item goes out in whole units only.
    """
    if item.tracking not in ("lot", "serial"):
        raise ValueError(f"item {item.code} is not tracked by lot or serial number")
    serial = item.tracking == "serial"
    if serial and quantity != quantity.to_integral_value():
        raise ValidationError(
            N_(
                "{where}: item {item} is tracked by serial number; {quantity} cannot go out "
                "(serial numbers go out in whole units)."
            ),
            field=field,
            where=where,
            item=item.code,
            quantity=qty_text(quantity),
        )
    taken = picked or {}
    available = [
        (lot, held - taken.get(lot.id or 0, Decimal(0)))
        for lot, held in lots_on_hand(session=session, item=item, warehouse=warehouse)
    ]
    available = [(lot, held) for lot, held in available if held > 0]
    in_lots = sum((held for _, held in available), Decimal(0))
    if in_lots < quantity:
        raise ValidationError(
            N_(
                "{where}: {quantity} {unit} of item {item} are due from warehouse {warehouse}, "
                "but only {in_stock} {unit} are in stock there in serial numbers."
            )
            if serial
            else N_(
                "{where}: {quantity} {unit} of item {item} are due from warehouse {warehouse}, "
                "but its lots there hold only {in_stock} {unit}."
            ),
            field=field,
            where=where,
            quantity=qty_text(quantity),
            unit=item.unit,
            item=item.code,
            warehouse=warehouse.code,
            in_stock=qty_text(in_lots),
        )
    parts: list[tuple[StockLot, Decimal]] = []
    left = quantity
    for lot, held in available:
        if left <= 0:
            break
        if serial:
            parts.append((lot, Decimal(1)))
            left -= 1
        else:
            part = min(held, left)
            parts.append((lot, part))
            left -= part
    return parts
