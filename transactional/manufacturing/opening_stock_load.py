"""Loading opening stock from a file (docs/manufacturing.md §7).

One row per item, warehouse and lot (or serial number, for tracked items): the quantity
on hand the manufacturer brings. The load posts the **difference** to what is on hand now
through the stock core (``stock.movements.post_stock``): a gain comes in (movement type
``count_gain``) at the row's unit cost (an item valued at moving average) or at its
standard cost, a loss goes out at the stock's value, all in one balanced entry against the
*opening balances* account (posting role ``opening_balance``), dated ``on``. Loading the
same file again finds nothing to post. Items, warehouses and lots the file does not name
are left as they are; the value of stock already on hand is not changed by a new unit
cost (only what a row adds comes in at it).

A row of a tracked item may give the lot's ``expiry_date``: the lot a row brings in records
it (a lot without a date yet takes it when the row adds to it), and a date that differs
from the one the lot has is refused, whatever the row does (one lot, one expiry date). A
date in the past is accepted: expired goods on the shelf are stock too.

Right ``manage_stock``. Every row is validated before anything is written (each refusal
names the file's row); a dry run lists the differences and writes nothing (the posting is
rehearsed in a savepoint and rolled back, so a dry run meets every refusal the load would).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.models import ItemPlanning
from transactional.numbering import next_number
from transactional.organisation.models import User
from transactional.stock.counts import system_quantity
from transactional.stock.models import StockLot
from transactional.stock.movements import Movement, check_lot_expiry, post_stock
from transactional.wholesale.models import Item, Warehouse

ACTION = "manage_stock"
SOURCE = "opening_stock"
QUANTUM = Decimal("0.00000001")  # quantities and unit costs: 8 decimals


@dataclass(frozen=True)
class OpeningStockRow:
    """One row of an opening-stock file: ``quantity`` of an item (of one lot or serial
    for a tracked item) in a warehouse, worth ``unit_cost`` each (moving-average items)."""

    row: int
    item: str
    warehouse: str
    quantity: Decimal | None
    unit_cost: Decimal | None = None
    lot: str = ""
    expiry_date: date | None = None


@dataclass(frozen=True)
class StockDifference:
    """A row's plan: on hand now, the file's quantity, and the difference posted (``action``
    ``add``, ``remove`` or ``unchanged``); ``value`` is the stock value posted (or that a
    dry run would post; None when nothing moves)."""

    row: int
    item: str
    warehouse: str
    lot: str
    on_hand: Decimal
    quantity: Decimal
    difference: Decimal
    action: str
    value: Decimal | None = None


@dataclass(frozen=True)
class OpeningStockLoad:
    """What a load did (or would do): the differences, the stock document's number and
    the journal entry's (None when nothing was posted)."""

    on: date
    differences: list[StockDifference]
    document_number: str | None = None
    entry_number: str | None = None


def load_opening_stock(
    *,
    session: Session,
    user: User,
    division: str | int,
    rows: list[OpeningStockRow],
    on: date,
    dry_run: bool = False,
) -> OpeningStockLoad:
    """Bring the stock on hand of every row to the file's quantity, dated ``on``."""
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, ACTION, div.id)
    if not rows:
        raise ValidationError(
            N_("The {kind} file has no rows."), field="rows", kind="opening-stock"
        )
    lookups.period(div, on, field="on")
    items = {i.code: i for i in session.exec(select(Item).where(Item.division_id == div.id)).all()}
    warehouses = {
        w.code: w
        for w in session.exec(select(Warehouse).where(Warehouse.division_id == div.id)).all()
    }
    phantoms = {
        p.item_id
        for p in session.exec(
            select(ItemPlanning).where(
                ItemPlanning.division_id == div.id, ItemPlanning.supply == "phantom"
            )
        )
    }
    seen: dict[tuple[int, int, str], int] = {}
    plan: list[tuple[OpeningStockRow, Item, Warehouse, StockDifference]] = []
    for r in rows:
        item = _item(r, items, phantoms)
        wh = _warehouse(r, warehouses, div.code)
        lot = _lot(r, item)
        _expiry(session, r, item, lot)
        quantity = _quantity(r, item)
        key = (item.id or 0, wh.id or 0, lot)
        if key in seen:
            raise ValidationError(
                N_(
                    "Row {row}: item {item} {lot} in warehouse {warehouse} is already on row "
                    "{first}."
                )
                if lot
                else N_(
                    "Row {row}: item {item} in warehouse {warehouse} is already on row {first}."
                ),
                field="rows",
                row=r.row,
                item=item.code,
                lot=lot,
                warehouse=wh.code,
                first=seen[key],
            )
        seen[key] = r.row
        on_hand = system_quantity(session, item, wh, lot or None)
        difference = quantity - on_hand
        if difference > 0 and item.cost_method == "average":
            _unit_cost(r, item, required=True)
        elif r.unit_cost is not None:
            _unit_cost(r, item, required=False)
        action = "add" if difference > 0 else "remove" if difference < 0 else "unchanged"
        plan.append(
            (
                r,
                item,
                wh,
                StockDifference(
                    r.row, item.code, wh.code, lot, on_hand, quantity, difference, action
                ),
            )
        )
    moving = [(r, item, wh, d) for r, item, wh, d in plan if d.difference != 0]
    if not moving:
        return OpeningStockLoad(on, [d for *_, d in plan])

    savepoint = session.begin_nested()
    try:
        number = next_number(session, div.id, SOURCE, on.year)
        counter = lookups.account_for_role(div, "opening_balance").id or 0
        entry, moved = post_stock(
            session=session,
            user=user,
            lookups=lookups,
            division=div,
            on=on,
            action=ACTION,
            document_number=number,
            description="Opening stock",
            movements=[
                Movement(
                    item=item,
                    warehouse=wh,
                    movement_type="count_gain" if d.difference > 0 else "count_loss",
                    quantity=abs(d.difference),
                    counter_account_id=counter,
                    lot_number=d.lot or None,
                    # A standard-cost item comes in at its standard cost whatever the file
                    # says; a moving-average one at the row's cost.
                    unit_cost=r.unit_cost if d.difference > 0 else None,
                    source_type=SOURCE,
                    where=f"Row {r.row}",
                    field="rows",
                    expiry_date=r.expiry_date if d.difference > 0 else None,
                )
                for r, item, wh, d in moving
            ],
            entry_source_type=SOURCE,
        )
        session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    values = {id(d): mv.value for (_, _, _, d), mv in zip(moving, moved, strict=True)}
    differences = [StockDifference(**{**d.__dict__, "value": values.get(id(d))}) for *_, d in plan]
    if dry_run:
        savepoint.rollback()
        return OpeningStockLoad(on, differences)
    savepoint.commit()
    return OpeningStockLoad(
        on, differences, number, entry.document_number if entry is not None else None
    )


def _item(r: OpeningStockRow, items: dict[str, Item], phantoms: set[int]) -> Item:
    code = (r.item or "").strip()
    if not code:
        raise ValidationError(
            N_("Row {row}, column {column}: a value is required."),
            field="item",
            row=r.row,
            column="item",
        )
    item = items.get(code)
    if item is None:
        raise ValidationError(
            N_(
                "Row {row}, column {column}: item {item} does not exist; load it with the items "
                "file first."
            ),
            field="item",
            row=r.row,
            column="item",
            item=code,
        )
    if item.id in phantoms:
        raise ValidationError(
            N_("Row {row}: item {item} is a phantom; it is never stocked."),
            field="item",
            row=r.row,
            item=code,
        )
    return item


def _warehouse(r: OpeningStockRow, warehouses: dict[str, Warehouse], division: str) -> Warehouse:
    code = (r.warehouse or "").strip()
    if not code:
        raise ValidationError(
            N_("Row {row}, column {column}: a value is required."),
            field="warehouse",
            row=r.row,
            column="warehouse",
        )
    wh = warehouses.get(code)
    if wh is None:
        raise ValidationError(
            N_("Row {row}: warehouse {warehouse} does not exist in division {division}."),
            field="warehouse",
            row=r.row,
            warehouse=code,
            division=division,
        )
    if not wh.is_active:
        raise ValidationError(
            N_("Row {row}: warehouse {warehouse} is closed."),
            field="warehouse",
            row=r.row,
            warehouse=code,
        )
    return wh


def _lot(r: OpeningStockRow, item: Item) -> str:
    lot = (r.lot or "").strip()
    if item.tracking == "none" and lot:
        raise ValidationError(
            N_(
                "Row {row}: item {item} is not tracked by lot or serial number; leave the lot "
                "empty."
            ),
            field="lot",
            row=r.row,
            item=item.code,
        )
    if item.tracking != "none" and not lot:
        raise ValidationError(
            N_(
                "Row {row}: item {item} is tracked by serial number; give one row per serial "
                "number (column lot)."
            )
            if item.tracking == "serial"
            else N_("Row {row}: item {item} is tracked by lot; give one row per lot (column lot)."),
            field="lot",
            row=r.row,
            item=item.code,
        )
    return lot


def _expiry(session: Session, r: OpeningStockRow, item: Item, lot: str) -> None:
    """A row's expiry date: for a tracked item only, and the one its lot has (if any)."""
    if r.expiry_date is None:
        return
    if item.tracking == "none":
        raise ValidationError(
            N_(
                "Row {row}: item {item} is not tracked by lot or serial number; leave the "
                "expiry_date empty."
            ),
            field="expiry_date",
            row=r.row,
            item=item.code,
        )
    found = session.exec(
        select(StockLot).where(StockLot.item_id == item.id, StockLot.number == lot)
    ).first()
    if found is not None:
        check_lot_expiry(item, found, r.expiry_date, where=f"Row {r.row}", field="expiry_date")


def _quantity(r: OpeningStockRow, item: Item) -> Decimal:
    if r.quantity is None:
        raise ValidationError(
            N_("Row {row}, column {column}: a value is required."),
            field="quantity",
            row=r.row,
            column="quantity",
        )
    _not_negative(r.row, "quantity", r.quantity)
    if item.tracking == "serial" and r.quantity not in (0, 1):
        raise ValidationError(
            N_("Row {row}: a serial number is one unit; the quantity is 0 or 1."),
            field="quantity",
            row=r.row,
        )
    return r.quantity


def _unit_cost(r: OpeningStockRow, item: Item, *, required: bool) -> None:
    if r.unit_cost is None:
        if required:
            raise ValidationError(
                N_(
                    "Row {row}: item {item} is valued at moving average; give the unit_cost of "
                    "the stock this row adds."
                ),
                field="unit_cost",
                row=r.row,
                item=item.code,
            )
        return
    _not_negative(r.row, "unit_cost", r.unit_cost)


def _not_negative(row: int, column: str, value: Decimal) -> None:
    shown: Any = format(value.normalize(), "f")
    if value < 0:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} cannot be negative."),
            field=column,
            row=row,
            column=column,
            value=shown,
        )
    if value != value.quantize(QUANTUM):
        raise ValidationError(
            N_("Row {row}, column {column}: {value} has more than 8 decimals."),
            field=column,
            row=row,
            column=column,
            value=shown,
        )
