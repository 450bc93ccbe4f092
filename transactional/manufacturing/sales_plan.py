"""The sales plan: expected sales of an item per period, which MRP counts as demand where
sales orders do not already cover it (docs/manufacturing.md §5).

One row per division, item and ``period_start``; setting a period again changes its
quantity and length. Right ``manufacture``; audited by the session's flush listener.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.models import ItemPlanning, SalesPlan
from transactional.money import to_decimal
from transactional.organisation import rights
from transactional.organisation.models import User
from transactional.wholesale.items import find_item

ACTION = "manufacture"
DEFAULT_PERIOD_DAYS = 30
QUANTUM = Decimal("0.00000001")  # quantities are stored with 8 decimals


def set_sales_plan(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    period_start: date | str,
    quantity: Decimal | str,
    period_days: int | None = None,
) -> SalesPlan:
    """Plan ``quantity`` of ``item`` from ``period_start`` for ``period_days`` days
    (default: the period's current length, 30 for a new one); creates the plan row or
    changes it."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, ACTION, div.id)
    target = find_item(lookups, div, item)
    planning = session.get(ItemPlanning, target.id)
    if planning is not None and planning.supply == "phantom":
        raise ValidationError(
            N_("Item {item} is a phantom: it is never sold or stocked, so it has no sales plan."),
            field="item",
            item=target.code,
        )
    start = parse_date(period_start, field="period_start", label="Period start")
    amount = to_decimal(quantity, field="quantity", label="Quantity")
    if amount < 0:
        raise ValidationError(N_("The quantity cannot be negative."), field="quantity")
    if amount != amount.quantize(QUANTUM):
        raise ValidationError(N_("The quantity has more than 8 decimals."), field="quantity")
    if period_days is not None and (isinstance(period_days, bool) or int(period_days) <= 0):
        raise ValidationError(N_("The period must be at least one day."), field="period_days")
    row = session.exec(
        select(SalesPlan).where(
            SalesPlan.division_id == div.id,
            SalesPlan.item_id == target.id,
            SalesPlan.period_start == start,
        )
    ).first()
    if row is None:
        row = SalesPlan(
            division_id=div.id or 0,
            item_id=target.id or 0,
            period_start=start,
            period_days=DEFAULT_PERIOD_DAYS if period_days is None else int(period_days),
            quantity=amount,
        )
    else:
        row.quantity = amount
        if period_days is not None:
            row.period_days = int(period_days)
    session.add(row)
    session.flush()
    return row
