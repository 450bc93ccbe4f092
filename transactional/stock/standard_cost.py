"""Standard cost: change an item's standard cost, or its cost method, and revalue its stock.

A standard-cost item's stock is always worth quantity x standard cost
(``transactional.stock.movements``). Changing the standard revalues the stock on hand over
all warehouses: one balanced entry, 3000 Inventory against 7100 Stock differences, for
quantity x (new - old), and one stock movement of type 'revaluation' per warehouse that
holds the item (quantity 0, value = that warehouse's part), so the stock movements keep
adding up to the stock account.

Switching the cost method:

- average -> standard revalues the stock from its moving-average value to quantity x the
  new standard cost, the same way (3000 against 7100);
- standard -> average posts nothing: the stock keeps its value, and the moving average
  starts at the old standard cost (value / quantity).

The revaluation is dated ``on`` and revalues the stock as it stands now, so ``on`` cannot
be before the item's last stock movement. Both services need the ``manage_items`` right;
bad input raises ``ValidationError`` with the field and writes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, col, func, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import JournalEntry
from transactional.finance.posting import EntryDraft, LineDraft, post_entries
from transactional.money import round_money, to_money
from transactional.numbering import next_number
from transactional.organisation import rights
from transactional.organisation.models import Division, User
from transactional.stock.models import StockLevel, StockMovement, StockValuation
from transactional.stock.movements import UNIT_COST_QUANTUM
from transactional.wholesale.items import currency_decimals, find_item
from transactional.wholesale.models import COST_METHODS, Item, Warehouse

ACTION = "manage_items"


def change_standard_cost(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    new_cost: Decimal | str,
    on: date | str,
    reason: str = "",
) -> JournalEntry | None:
    """Set a standard-cost item's standard cost to ``new_cost`` and revalue its stock on
    hand; returns the revaluation entry (None when nothing is in stock or the cost is
    unchanged)."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, ACTION, div.id)
    target = find_item(lookups, div, item)
    if target.cost_method != "standard":
        raise ValidationError(
            N_(
                "Item {target} is valued at moving average, not at a standard cost; switch its "
                "cost method to standard to give it one."
            ),
            field="item",
            target=target.code,
        )
    cost = _cost(new_cost, lookups, div, field="new_cost", label="New standard cost")
    day = _day(session, lookups, div, target, on)
    old = target.standard_cost
    if cost == old:
        return None
    text = f"Standard cost {target.code} {_amount(old)} -> {_amount(cost)}"
    entry = _revalue(session, user, lookups, div, target, cost, day, text, reason)
    target.standard_cost = cost
    session.add(target)
    session.flush()
    return entry


def change_cost_method(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    cost_method: str,
    on: date | str,
    standard_cost: Decimal | str | None = None,
    reason: str = "",
) -> JournalEntry | None:
    """Switch an item between 'average' and 'standard' (see the module docstring);
    switching to standard needs ``standard_cost`` (default: the item's standard cost, if it
    has one). Returns the revaluation entry, if any."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, ACTION, div.id)
    target = find_item(lookups, div, item)
    method = str(cost_method or "").strip()
    if method not in COST_METHODS:
        raise ValidationError(N_("Cost method must be standard or average."), field="cost_method")
    if method == target.cost_method:
        raise ValidationError(
            N_("Item {item} is already valued at standard cost.")
            if method == "standard"
            else N_("Item {item} is already valued at moving average."),
            field="cost_method",
            item=target.code,
        )
    given = standard_cost
    if method == "standard" and (given is None or given == "") and target.standard_cost > 0:
        given = target.standard_cost
    cost = (
        _cost(given, lookups, div, field="standard_cost", label="Standard cost")
        if method == "standard"
        else target.standard_cost
    )
    day = _day(session, lookups, div, target, on)
    entry = None
    if method == "standard":
        text = f"Cost method {target.code} average -> standard {_amount(cost)}"
        entry = _revalue(session, user, lookups, div, target, cost, day, text, reason)
        target.standard_cost = cost
    target.cost_method = method
    session.add(target)
    session.flush()
    return entry


def _cost(value: object, lookups: Lookups, div: Division, *, field: str, label: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise ValidationError(N_("{label} is required."), field=field, label=label)
    amount = to_money(
        value, currency_decimals(lookups, div), currency=div.currency_code, field=field, label=label
    )
    if amount <= 0:
        raise ValidationError(N_("{label} must be above zero."), field=field, label=label)
    return amount


def _day(session: Session, lookups: Lookups, div: Division, item: Item, on: object) -> date:
    """The revaluation date: an open period, not before the item's last movement."""
    day = parse_date(on, field="on", label="Date")
    lookups.period(div, day, field="on")
    last = session.exec(
        select(func.max(StockMovement.movement_date)).where(StockMovement.item_id == item.id)
    ).one()
    if last is not None and day < last:
        raise ValidationError(
            N_(
                "The date cannot be before the last stock movement of item {item} ({date}): the "
                "stock is revalued as it stands now."
            ),
            field="on",
            item=item.code,
            date=last.isoformat(),
        )
    return day


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _revalue(
    session: Session,
    user: User,
    lookups: Lookups,
    div: Division,
    item: Item,
    cost: Decimal,
    on: date,
    text: str,
    reason: str,
) -> JournalEntry | None:
    """Bring the item's stock value to quantity x ``cost``: revaluation movements per
    warehouse and one entry 3000 against 7100. Returns None when the value stays."""
    assert div.id is not None and item.id is not None
    decimals = currency_decimals(lookups, div)
    valuation = session.exec(
        select(StockValuation).where(StockValuation.item_id == item.id).with_for_update()
    ).first()
    if valuation is None:
        return None
    new_value = round_money(valuation.quantity * cost, decimals)
    change = new_value - valuation.value
    valuation.last_unit_cost = cost.quantize(UNIT_COST_QUANTUM)
    session.add(valuation)
    if change == 0:
        return None
    levels = session.exec(
        select(StockLevel)
        .where(StockLevel.item_id == item.id, col(StockLevel.quantity) != 0)
        .order_by(col(StockLevel.warehouse_id))
        .with_for_update()
    ).all()
    if not levels:
        # Stock is nil but a value remained (can only be a rounding residue of the old
        # method): clear it in the warehouse of the item's last movement.
        last_wh = session.exec(
            select(StockMovement.warehouse_id)
            .where(StockMovement.item_id == item.id)
            .order_by(col(StockMovement.movement_date).desc(), col(StockMovement.id).desc())
        ).first()
        assert last_wh is not None
        parts = [(last_wh, change)]
    else:
        parts = []
        left = change
        for n, level in enumerate(levels, start=1):
            if n == len(levels) or valuation.quantity == 0:
                part = left if n == len(levels) else Decimal(0)
            else:
                part = round_money(change * level.quantity / valuation.quantity, decimals)
            parts.append((level.warehouse_id, part))
            left -= part
    number = next_number(session, div.id, "revaluation", on.year)
    description = f"{text}: {reason.strip()}" if reason and reason.strip() else text
    now = datetime.now(UTC)
    rows = [
        StockMovement(
            division_id=div.id,
            item_id=item.id,
            warehouse_id=wh_id,
            movement_date=on,
            movement_type="revaluation",
            quantity=Decimal(0),
            unit_cost=cost.quantize(UNIT_COST_QUANTUM),
            value=part,
            source_type="item",
            source_id=item.id,
            document_number=number,
            created_by=user.id or 0,
            created_at=now,
        )
        for wh_id, part in parts
        if part != 0
    ]
    session.add_all(rows)
    stock_account = lookups.account_for_role(div, "inventory").id or 0
    differences = lookups.account_for_role(div, "stock_differences").id or 0
    codes = {
        wh.id: wh.code
        for wh in session.exec(
            select(Warehouse).where(col(Warehouse.id).in_([r.warehouse_id for r in rows]))
        ).all()
    }
    lines = [
        LineDraft(
            account=stock_account,
            debit=str(r.value) if r.value > 0 else None,
            credit=str(-r.value) if r.value < 0 else None,
            description=f"Stock {codes[r.warehouse_id]}",
        )
        for r in rows
    ]
    lines.append(
        LineDraft(
            account=differences,
            debit=str(-change) if change < 0 else None,
            credit=str(change) if change > 0 else None,
            description=text,
        )
    )
    entry = post_entries(
        session=session,
        user=user,
        entries=[
            EntryDraft(
                division=div.id,
                journal=lookups.first_journal(div, "general").code,
                entry_date=on,
                description=f"{description} {number}",
                lines=lines,
                source_type="revaluation",
                source_id=item.id,
            )
        ],
        action=ACTION,
    )[0]
    valuation.value = new_value
    session.add(valuation)
    for row in rows:
        row.entry_id = entry.id
    session.add_all(rows)
    session.flush()
    return entry
