"""Stock counts: the counted quantity against the system's, per item (per lot or serial
for tracked items) in one warehouse; gains come in and losses go out at the average cost,
against stock differences (7100).

A line of a tracked item may give the expiry date read on the goods: a gain that brings a
new lot in records it on the lot, and a date that differs from the one the lot has is
refused (whatever the difference: a count does not change a lot's date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import User
from transactional.stock.models import StockCount, StockCountLine, StockLot, StockLotLevel
from transactional.stock.movements import (
    Movement,
    check_lot_expiry,
    on_hand,
    post_stock,
    untracked_expiry,
)
from transactional.stock.tracking import typed_expiry
from transactional.wholesale.items import find_item, find_warehouse
from transactional.wholesale.models import Item, Warehouse


@dataclass
class CountLineDraft:
    item: str | int
    counted_quantity: Decimal | str
    lot: str | None = None  # lot or serial number of tracked items
    expiry_date: date | str | None = None  # the lot's, as read on the goods (tracked items)


def system_quantity(session: Session, item: Item, wh: Warehouse, lot: str | None) -> Decimal:
    """On hand in the warehouse: of the lot or serial for tracked items."""
    if item.tracking == "none":
        return on_hand(session, item.id or 0, wh.id)
    found = session.exec(
        select(StockLot).where(StockLot.item_id == item.id, StockLot.number == lot)
    ).first()
    if found is None:
        return Decimal(0)
    level = session.exec(
        select(StockLotLevel).where(
            StockLotLevel.lot_id == found.id, StockLotLevel.warehouse_id == wh.id
        )
    ).first()
    return level.quantity if level is not None else Decimal(0)


def post_stock_count(
    *,
    session: Session,
    user: User,
    division: str | int,
    warehouse: str | int,
    count_date: date | str,
    lines: list[CountLineDraft],
    description: str = "",
) -> StockCount:
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_stock", div.id)
    wh = find_warehouse(session, div, warehouse)
    on = parse_date(count_date, field="count_date", label="Count date")
    lookups.period(div, on, field="count_date")
    if not lines:
        raise ValidationError(N_("A count needs at least one line."), field="lines")
    seen: set[tuple[int, str | None]] = set()
    parts: list[tuple[Item, str | None, Decimal, Decimal, date | None]] = []
    for n, d in enumerate(lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        item = find_item(lookups, div, d.item, field=f"{f}.item")
        counted = to_decimal(
            d.counted_quantity, field=f"{f}.counted_quantity", label=f"{where}: counted quantity"
        )
        if counted < 0:
            raise ValidationError(
                N_("{where}: the counted quantity cannot be negative."),
                field=f"{f}.counted_quantity",
                where=where,
            )
        lot = (d.lot or "").strip() or None
        if item.tracking != "none" and lot is None:
            raise ValidationError(
                N_("{where}: item {item} is tracked by serial number; count per serial number.")
                if item.tracking == "serial"
                else N_("{where}: item {item} is tracked by lot; count per lot."),
                field=f"{f}.lot",
                where=where,
                item=item.code,
            )
        if item.tracking == "serial" and counted not in (0, 1):
            raise ValidationError(
                N_("{where}: a serial number is one unit; count 0 or 1."),
                field=f"{f}.counted_quantity",
                where=where,
            )
        key = (item.id or 0, lot)
        if key in seen:
            raise ValidationError(
                N_("{where}: item {item} {lot} is counted twice.")
                if lot
                else N_("{where}: item {item} is counted twice."),
                field=f"{f}.item",
                where=where,
                item=item.code,
                lot=lot,
            )
        seen.add(key)
        expiry = typed_expiry(
            d.expiry_date, field=f"{f}.expiry_date", label=f"{where}: expiry date"
        )
        if expiry is not None:
            _check_expiry(session, item, lot, expiry, where=where, field=f)
        system = system_quantity(session, item, wh, lot)
        parts.append((item, lot, system, counted, expiry))

    count = StockCount(
        division_id=div.id,
        number=next_number(session, div.id, "stock_count", on.year),
        warehouse_id=wh.id or 0,
        count_date=on,
        description=description,
        created_by=user.id or 0,
    )
    session.add(count)
    session.flush()
    rows = [
        StockCountLine(
            count_id=count.id or 0,
            line_number=n,
            item_id=item.id or 0,
            system_quantity=system,
            counted_quantity=counted,
            difference=counted - system,
            value=Decimal(0),
        )
        for n, (item, _, system, counted, _) in enumerate(parts, start=1)
    ]
    session.add_all(rows)
    session.flush()
    differences = lookups.account_for_role(div, "stock_differences").id or 0
    moving = [
        (
            row,
            Movement(
                item=item,
                warehouse=wh,
                movement_type="count_gain" if row.difference > 0 else "count_loss",
                quantity=abs(row.difference),
                counter_account_id=differences,
                lot_number=lot,
                source_type="stock_count_line",
                source_id=row.id,
                where=f"Line {row.line_number}",
                field=f"lines.{row.line_number}",
                # A loss goes out of a lot whose date _check_expiry has checked.
                expiry_date=expiry if row.difference > 0 else None,
            ),
        )
        for row, (item, lot, _, _, expiry) in zip(rows, parts, strict=True)
        if row.difference != 0
    ]
    entry, moved = post_stock(
        session=session,
        user=user,
        lookups=lookups,
        division=div,
        on=on,
        action="manage_stock",
        document_number=count.number,
        description=description or f"Stock count {wh.code}",
        movements=[mv for _, mv in moving],
        entry_source_type="stock_count",
        entry_source_id=count.id,
    )
    for (row, _), mv in zip(moving, moved, strict=True):
        row.value = mv.value
        row.lot_id = mv.lot_id
    for row, (item, lot, _, _, _) in zip(rows, parts, strict=True):
        if row.lot_id is None and lot is not None:
            found = session.exec(
                select(StockLot).where(StockLot.item_id == item.id, StockLot.number == lot)
            ).first()
            row.lot_id = found.id if found is not None else None
    count.entry_id = entry.id if entry is not None else None
    session.add_all([*rows, count])
    session.flush()
    return count


def _check_expiry(
    session: Session, item: Item, lot: str | None, expiry: date, *, where: str, field: str
) -> None:
    """A counted line's expiry date: for a tracked item only, and the date its lot has
    (if the lot exists and has one)."""
    if item.tracking == "none":
        raise untracked_expiry(item, where=where, field=f"{field}.expiry_date")
    found = session.exec(
        select(StockLot).where(StockLot.item_id == item.id, StockLot.number == lot)
    ).first()
    if found is not None:
        check_lot_expiry(item, found, expiry, where=where, field=f"{field}.expiry_date")
