"""How an item is supplied and planned (``item_planning``): bought, made, or a phantom,
with its lead time, lot sizing, safety stock and the supplier MRP orders it from.

Right ``manage_items``; audited by the session listener; bad input writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from transactional.errors import N_, ValidationError
from transactional.manufacturing.inputs import managed_division, quantity, whole_days
from transactional.manufacturing.models import SUPPLY_TYPES, ItemPlanning
from transactional.organisation.models import User
from transactional.purchasing.contracts import find_supplier
from transactional.stock.movements import on_hand
from transactional.wholesale.items import find_item


def set_item_planning(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    supply: str,
    lead_time_days: int | str = 0,
    minimum_quantity: Decimal | str | int = 0,
    order_multiple: Decimal | str | int = 0,
    safety_stock: Decimal | str | int = 0,
    supplier: str | int | None = None,
) -> ItemPlanning:
    """Create or replace the item's planning data (every value as given)."""
    lookups, div = managed_division(session=session, user=user, division=division)
    target = find_item(lookups, div, item)
    supply = str(supply or "").strip()
    if supply not in SUPPLY_TYPES:
        raise ValidationError(
            N_("Supply must be one of {supply_types}."),
            field="supply",
            supply_types=", ".join(SUPPLY_TYPES),
        )
    lead = whole_days(lead_time_days, field="lead_time_days", label="Lead time")
    minimum = quantity(minimum_quantity, field="minimum_quantity", label="Minimum quantity")
    multiple = quantity(order_multiple, field="order_multiple", label="Order multiple")
    safety = quantity(safety_stock, field="safety_stock", label="Safety stock")
    source = (
        find_supplier(lookups, div, supplier, field="supplier")
        if supplier is not None and supplier != ""
        else None
    )
    assert target.id is not None and div.id is not None
    if supply == "phantom" and on_hand(session, target.id) != 0:
        # A phantom is never stocked: its components go straight into the parent.
        raise ValidationError(
            N_("Item {item} has stock on hand; a phantom is never stocked."),
            field="supply",
            item=target.code,
        )
    plan = session.get(ItemPlanning, target.id) or ItemPlanning(
        item_id=target.id, division_id=div.id
    )
    plan.supply = supply
    plan.lead_time_days = lead
    plan.minimum_quantity = minimum
    plan.order_multiple = multiple
    plan.safety_stock = safety
    plan.supplier_id = source.id if source is not None else None
    session.add(plan)
    session.flush()
    return plan
