"""Stock movements: quantities, serials and lots, valuation (moving average or standard
cost), and the ledger.

Every service that moves goods (deliveries, receipts, returns, transfers, counts) hands its
movements to :func:`post_stock`, which

- refuses stock below zero in a warehouse unless the item allows negative stock, and any
  lot or serial below zero;
- keeps serial numbers unique: a serial is received once; it can only come back in (a
  customer return, a transfer, a count) when it is not in stock anywhere;
- records a lot's (or serial number's) expiry date: the inbound movement that creates the
  lot stores the date it is given (:func:`check_lot_expiry` says which dates a movement
  into an existing lot may give); the picking rule (``lot_picking``) picks the earliest
  expiry first;
- values an item with cost method 'average' at its moving-average cost: outbound movements
  at the average (the last known cost while stock is zero or negative), and recomputes the
  average on every inbound movement;
- values an item with cost method 'standard' at its standard cost, every movement in and
  out (receipts, customer returns, transfers and counts too): the stock value is always
  quantity x standard cost. A receipt's counter account (GRNI) still sees the purchase
  value and a supplier return's the receipt value; the difference goes to 7050 Purchase
  price differences;
- posts one balanced journal entry: the stock account against each movement's counter
  account (cost of sales, GRNI, stock differences...). When the counter account must see a
  different amount than the stock value (a supplier invoiced at the receipt's cost but
  returned at average cost), the difference goes to the movement's difference account
  (default 7100 Stock differences; 7050 Purchase price differences for receipts and
  supplier returns of standard-cost items).

The sum of all movement values of a division is therefore the balance of its stock
account at any date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import JournalEntry
from transactional.finance.posting import EntryDraft, LineDraft, post_entries
from transactional.money import round_money
from transactional.organisation.models import Division, User
from transactional.stock.models import (
    StockLevel,
    StockLot,
    StockLotLevel,
    StockMovement,
    StockValuation,
)
from transactional.wholesale.models import Item, Warehouse

INBOUND = {
    "receipt",
    "customer_return",
    "transfer_in",
    "count_gain",
    "production_return",  # components back from a production order
    "production_receipt",  # a production order's product
}
OUTBOUND = {"delivery", "supplier_return", "transfer_out", "count_loss", "production_issue"}
# Movements whose counter value is a purchase value: for a standard-cost item the gap to
# the standard value is a purchase price difference.
PURCHASE_TYPES = {"receipt", "supplier_return"}
# Inbound movements whose given ``unit_cost`` is what the counter account sees, also for a
# standard-cost item (whose stock side stays at standard): a receipt's purchase price, a
# production order's value per unit (its WIP is credited with it; the gap to standard
# goes to the difference account, 7100 Stock differences for production).
COUNTER_AT_GIVEN_COST = {"receipt", "production_receipt", "production_return"}
UNIT_COST_QUANTUM = Decimal("0.00000001")


@dataclass
class Movement:
    """One movement as a service asks for it; ``quantity`` is positive, the type says
    the direction.

    ``unit_cost`` (base currency) is required for receipts and customer returns and
    ignored for outbound movements, which go out at the average cost; transfers in and
    count gains default to the average cost (a transfer in right after a transfer out of
    the same item: exactly the value that went out). ``counter_value`` is the amount the counter
    account must see, signed like the stock side (default: quantity x unit cost; only a
    receipt into negative stock makes the stock side differ from it, by the revaluation).

    A standard-cost item's stock side is always quantity x standard cost. A receipt's
    counter still defaults to quantity x ``unit_cost`` (the purchase value); every other
    movement's counter defaults to the standard value (so a customer return comes back at
    standard, not at the delivery's cost).
    """

    item: Item
    warehouse: Warehouse
    movement_type: str
    quantity: Decimal
    counter_account_id: int
    lot_number: str | None = None
    unit_cost: Decimal | None = None
    counter_value: Decimal | None = None
    difference_account_id: int | None = None
    relation_id: int | None = None
    source_type: str = ""
    source_id: int | None = None
    where: str = "Line 1"
    field: str = "lines.1"
    # The lot's (or serial number's) expiry date, for inbound movements of tracked items:
    # stored on the lot the movement creates, checked against the one it comes into.
    expiry_date: date | None = None


def post_stock(
    *,
    session: Session,
    user: User,
    lookups: Lookups,
    division: Division,
    on: date,
    action: str,
    document_number: str,
    description: str,
    movements: list[Movement],
    entry_source_type: str,
    entry_source_id: int | None = None,
) -> tuple[JournalEntry | None, list[StockMovement]]:
    """Apply the movements in order and post their value; returns the entry (None when
    every value is zero) and the movement rows (same order as ``movements``).

    Runs inside the caller's transaction: a refusal raises before commit, and the caller's
    session scope rolls back everything the document wrote.
    """
    assert division.id is not None
    lookups.require(user, action, division.id)
    decimals = lookups.currency(division.currency_code).decimals
    stock_account = lookups.account_for_role(division, "inventory")
    now = datetime.now(UTC)
    rows: list[StockMovement] = []
    nominal: list[Decimal] = []
    for mv in movements:
        if mv.movement_type == "transfer_in" and mv.unit_cost is None and rows:
            prev = rows[-1]
            if prev.movement_type == "transfer_out" and prev.item_id == mv.item.id:
                # The other half of a transfer comes in at exactly the value that went out
                # (not the quantized unit cost), so no cent of the stock value gets lost.
                mv = replace(mv, unit_cost=prev.value / prev.quantity)
        row, value_at_cost = _apply(session, user, division, on, mv, decimals, document_number, now)
        rows.append(row)
        nominal.append(value_at_cost)
    session.add_all(rows)
    session.flush()

    # One line per account and warehouse (so a transfer shows both warehouses), counter
    # accounts per account, differences per account.
    amounts: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for mv, row, at_cost in zip(movements, rows, nominal, strict=True):
        counter = at_cost if mv.counter_value is None else mv.counter_value
        amounts[(stock_account.id or 0, f"Stock {mv.warehouse.code}")] += row.value
        amounts[(mv.counter_account_id, description)] -= counter
        if counter != row.value:
            diff_account = mv.difference_account_id or _account_id(
                lookups,
                division,
                "purchase_price_differences"
                if is_standard(mv.item) and mv.movement_type in PURCHASE_TYPES
                else "stock_differences",
            )
            amounts[(diff_account, f"{description}: valuation difference")] += counter - row.value
    lines = [
        LineDraft(
            account=account_id,
            debit=str(amount) if amount > 0 else None,
            credit=str(-amount) if amount < 0 else None,
            description=text,
        )
        for (account_id, text), amount in amounts.items()
        if amount != 0
    ]
    if not lines:
        return None, rows
    entry = post_entries(
        session=session,
        user=user,
        entries=[
            EntryDraft(
                division=division.id,
                journal=lookups.first_journal(division, "general").code,
                entry_date=on,
                description=f"{description} {document_number}".strip(),
                lines=lines,
                source_type=entry_source_type,
                source_id=entry_source_id,
            )
        ],
        action=action,
    )[0]
    for row in rows:
        row.entry_id = entry.id
    session.flush()
    return entry, rows


def _account_id(lookups: Lookups, division: Division, role: str) -> int:
    return lookups.account_for_role(division, role).id or 0


def is_standard(item: Item) -> bool:
    """Whether the item is valued at its standard cost (else at moving average)."""
    return item.cost_method == "standard"


def standard_value(quantity: Decimal, item: Item, decimals: int) -> Decimal:
    """The stock value of ``quantity`` units of a standard-cost item."""
    return round_money(quantity * item.standard_cost, decimals)


def _apply(
    session: Session,
    user: User,
    division: Division,
    on: date,
    mv: Movement,
    decimals: int,
    document_number: str,
    now: datetime,
) -> tuple[StockMovement, Decimal]:
    """Update quantities and valuation; the movement row and its value at unit cost."""
    item, wh = mv.item, mv.warehouse
    if mv.movement_type not in INBOUND | OUTBOUND:
        raise ValueError(f"unknown movement type {mv.movement_type}")
    if item.division_id != division.id or wh.division_id != division.id:
        raise ValidationError(
            N_(
                "{where}: item {item} and warehouse {warehouse} must belong to division {division}."
            ),
            field=mv.field,
            where=mv.where,
            item=item.code,
            warehouse=wh.code,
            division=division.code,
        )
    qty = mv.quantity
    if qty <= 0:
        raise ValidationError(
            N_("{where}: the quantity must be above zero."), field=mv.field, where=mv.where
        )
    inbound = mv.movement_type in INBOUND
    lot = _lot(session, item, wh, mv, inbound)

    valuation = _locked(
        session,
        select(StockValuation).where(StockValuation.item_id == item.id),
    ) or StockValuation(item_id=item.id or 0, division_id=division.id or 0)
    level = _locked(
        session,
        select(StockLevel).where(StockLevel.item_id == item.id, StockLevel.warehouse_id == wh.id),
    ) or StockLevel(item_id=item.id or 0, warehouse_id=wh.id or 0)

    if is_standard(item):
        value, at_cost = _apply_standard(item, wh, mv, valuation, level, inbound, decimals)
        unit_cost = item.standard_cost
    elif inbound:
        unit_cost = mv.unit_cost if mv.unit_cost is not None else _average(valuation)
        if unit_cost < 0:
            raise ValidationError(
                N_("{where}: the cost cannot be negative."), field=mv.field, where=mv.where
            )
        value = at_cost = round_money(qty * unit_cost, decimals)
        new_qty = valuation.quantity + qty
        if valuation.quantity < 0:
            # Stock was negative (allowed for this item): the units issued without stock
            # were valued at the last cost; value the position at the new cost so the
            # average stays meaningful; the catch-up is this movement's value.
            new_value = round_money(new_qty * unit_cost, decimals)
            value = new_value - valuation.value
        valuation.quantity = new_qty
        valuation.value += value
        valuation.last_unit_cost = unit_cost.quantize(UNIT_COST_QUANTUM)
        level.quantity += qty
    else:
        if level.quantity - qty < 0 and not item.allow_negative_stock:
            raise ValidationError(
                N_(
                    "{where}: only {in_stock} {unit} of {item} in warehouse {warehouse}; {qty} "
                    "cannot go out (this item does not allow negative stock)."
                ),
                field=mv.field,
                where=mv.where,
                in_stock=_qty(level.quantity),
                unit=item.unit,
                item=item.code,
                warehouse=wh.code,
                qty=_qty(qty),
            )
        if qty >= valuation.quantity > 0:
            # The last units take the remaining value, so no residue stays on the account.
            whole = valuation.value
            extra = round_money((qty - valuation.quantity) * valuation.last_unit_cost, decimals)
            value = -(whole + extra)
        else:
            value = -round_money(qty * _average(valuation), decimals)
        unit_cost = (-value / qty).quantize(UNIT_COST_QUANTUM)
        at_cost = value
        valuation.quantity -= qty
        valuation.value += value
        if valuation.quantity == 0:
            valuation.value = Decimal(0)
        level.quantity -= qty
    session.add(valuation)
    session.add(level)

    sign = 1 if inbound else -1
    row = StockMovement(
        division_id=division.id or 0,
        item_id=item.id or 0,
        warehouse_id=wh.id or 0,
        lot_id=lot.id if lot else None,
        movement_date=on,
        movement_type=mv.movement_type,
        quantity=sign * qty,
        unit_cost=unit_cost.quantize(UNIT_COST_QUANTUM),
        value=value,
        relation_id=mv.relation_id,
        source_type=mv.source_type,
        source_id=mv.source_id,
        document_number=document_number,
        created_by=user.id or 0,
        created_at=now,
    )
    return row, at_cost


def _apply_standard(
    item: Item,
    wh: Warehouse,
    mv: Movement,
    valuation: StockValuation,
    level: StockLevel,
    inbound: bool,
    decimals: int,
) -> tuple[Decimal, Decimal]:
    """A standard-cost item's movement: (stock value, value at cost for the counter).

    The value is the change of quantity x standard cost (rounded), so the valuation stays
    at exactly the rounded quantity x standard cost, also with fractional quantities. A
    receipt's counter defaults to the purchase value (quantity x the given unit cost), a
    production receipt's or return's to the order's value (COUNTER_AT_GIVEN_COST).
    """
    qty = mv.quantity
    if not inbound and level.quantity - qty < 0 and not item.allow_negative_stock:
        raise ValidationError(
            N_(
                "{where}: only {in_stock} {unit} of {item} in warehouse {warehouse}; {qty} cannot "
                "go out (this item does not allow negative stock)."
            ),
            field=mv.field,
            where=mv.where,
            in_stock=_qty(level.quantity),
            unit=item.unit,
            item=item.code,
            warehouse=wh.code,
            qty=_qty(qty),
        )
    if mv.unit_cost is not None and mv.unit_cost < 0:
        raise ValidationError(
            N_("{where}: the cost cannot be negative."), field=mv.field, where=mv.where
        )
    new_qty = valuation.quantity + (qty if inbound else -qty)
    value = standard_value(new_qty, item, decimals) - standard_value(
        valuation.quantity, item, decimals
    )
    at_cost = value
    if mv.movement_type in COUNTER_AT_GIVEN_COST and mv.unit_cost is not None:
        at_cost = round_money(qty * mv.unit_cost, decimals)
    valuation.quantity = new_qty
    valuation.value += value
    valuation.last_unit_cost = item.standard_cost.quantize(UNIT_COST_QUANTUM)
    level.quantity = level.quantity + qty if inbound else level.quantity - qty
    return value, at_cost


def _average(valuation: StockValuation) -> Decimal:
    if valuation.quantity > 0:
        return valuation.value / valuation.quantity
    return valuation.last_unit_cost


def _locked(session: Session, stmt):  # type: ignore[no-untyped-def]
    """The row, locked for this transaction on PostgreSQL (SQLite locks the whole file)."""
    return session.exec(stmt.with_for_update()).first()


def _qty(q: Decimal) -> str:
    return f"{q.normalize():f}"


def _lot(
    session: Session, item: Item, wh: Warehouse, mv: Movement, inbound: bool
) -> StockLot | None:
    number = (mv.lot_number or "").strip()
    if mv.expiry_date is not None and not inbound:
        # Goods go out of a lot that has its date already; only what comes in gives one.
        raise ValueError(f"{mv.movement_type} movements take no expiry date")
    if item.tracking == "none":
        if mv.expiry_date is not None:
            raise untracked_expiry(item, where=mv.where, field=mv.field)
        if number:
            raise ValidationError(
                N_(
                    "{where}: item {item} is not tracked by serial or lot; leave the serial/lot "
                    "empty."
                ),
                field=mv.field,
                where=mv.where,
                item=item.code,
            )
        return None
    if not number:
        raise ValidationError(
            N_("{where}: item {item} is tracked by serial number; enter the serial number.")
            if item.tracking == "serial"
            else N_("{where}: item {item} is tracked by lot; enter the lot."),
            field=mv.field,
            where=mv.where,
            item=item.code,
        )
    if item.tracking == "serial" and mv.quantity != 1:
        raise ValidationError(
            N_("{where}: one serial number is one unit; enter a line per serial number."),
            field=mv.field,
            where=mv.where,
        )
    lot = session.exec(
        select(StockLot).where(StockLot.item_id == item.id, StockLot.number == number)
    ).first()
    if lot is None:
        if not inbound:
            raise ValidationError(
                N_("{where}: serial number {number} of item {item} is not in stock.")
                if item.tracking == "serial"
                else N_("{where}: lot {number} of item {item} is not in stock."),
                field=mv.field,
                where=mv.where,
                number=number,
                item=item.code,
            )
        lot = StockLot(
            item_id=item.id or 0, number=number, kind=item.tracking, expiry_date=mv.expiry_date
        )
        session.add(lot)
        session.flush()
    else:
        if item.tracking == "serial" and inbound:
            in_stock = session.exec(
                select(StockLotLevel).where(
                    StockLotLevel.lot_id == lot.id, col(StockLotLevel.quantity) > 0
                )
            ).first()
            if in_stock is not None or mv.movement_type == "receipt":
                raise ValidationError(
                    N_(
                        "{where}: serial number {number} of item {item} was already received; "
                        "serial numbers are unique."
                    ),
                    field=mv.field,
                    where=mv.where,
                    number=number,
                    item=item.code,
                )
        if mv.expiry_date is not None:
            if lot.expiry_date is None:
                # Locked on PostgreSQL: a clerk giving the same lot another date at the same
                # time waits, then meets this date.
                session.refresh(lot, with_for_update=True)
            check_lot_expiry(item, lot, mv.expiry_date, where=mv.where, field=mv.field)
            if lot.expiry_date is None:
                # Units of the lot came in before its date was known (a count, a return
                # without one): the first movement that gives the date records it, for
                # every unit of the lot.
                lot.expiry_date = mv.expiry_date
                session.add(lot)
    lot_level = _locked(
        session,
        select(StockLotLevel).where(
            StockLotLevel.lot_id == lot.id, StockLotLevel.warehouse_id == wh.id
        ),
    ) or StockLotLevel(lot_id=lot.id or 0, warehouse_id=wh.id or 0)
    if inbound:
        lot_level.quantity += mv.quantity
    else:
        if lot_level.quantity < mv.quantity:
            raise ValidationError(
                N_(
                    "{where}: serial number {number} of item {item} has {in_lot} in warehouse "
                    "{warehouse}; {quantity} cannot go out."
                )
                if item.tracking == "serial"
                else N_(
                    "{where}: lot {number} of item {item} has {in_lot} in warehouse {warehouse}; "
                    "{quantity} cannot go out."
                ),
                field=mv.field,
                where=mv.where,
                number=number,
                item=item.code,
                in_lot=_qty(lot_level.quantity),
                warehouse=wh.code,
                quantity=_qty(mv.quantity),
            )
        lot_level.quantity -= mv.quantity
    session.add(lot_level)
    return lot


def untracked_expiry(item: Item, *, where: str, field: str) -> ValidationError:
    """The refusal of an expiry date given for an item that is not tracked."""
    return ValidationError(
        N_(
            "{where}: item {item} is not tracked by lot or serial number; an expiry "
            "date belongs to a lot, leave it empty."
        ),
        field=field,
        where=where,
        item=item.code,
    )


def check_lot_expiry(
    item: Item, lot: StockLot, expiry_date: date, *, where: str, field: str
) -> None:
    """Refuse ``expiry_date`` for an existing lot (or serial number) that already has
    another one: a lot is one batch with one expiry date, so goods with another date are
    another lot. The same date, or a lot without one yet, is accepted."""
    if lot.expiry_date is None or lot.expiry_date == expiry_date:
        return
    raise ValidationError(
        N_(
            "{where}: serial number {number} of item {item} expires on {expiry}, not on "
            "{given}. Give {expiry} or no date."
        )
        if item.tracking == "serial"
        else N_(
            "{where}: lot {number} of item {item} expires on {expiry}, not on {given}: a lot "
            "has one expiry date. Give {expiry} or no date, or enter the goods under another "
            "lot number."
        ),
        field=field,
        where=where,
        number=lot.number,
        item=item.code,
        # Dates, not text: the dashboards show them in the user's format.
        expiry=lot.expiry_date,
        given=expiry_date,
    )


def on_hand(session: Session, item_id: int, warehouse_id: int | None = None) -> Decimal:
    """Quantity on hand of an item in one warehouse (or all)."""
    stmt = select(col(StockLevel.quantity)).where(StockLevel.item_id == item_id)
    if warehouse_id is not None:
        stmt = stmt.where(StockLevel.warehouse_id == warehouse_id)
    return sum(session.exec(stmt).all(), Decimal(0))
