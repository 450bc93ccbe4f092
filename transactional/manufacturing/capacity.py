"""Capacity: saving an accepted what-if (docs/manufacturing.md §6).

``reschedule_orders`` gives planned and released production orders new start and due
dates and, optionally, a new quantity. A new quantity scales the order's plan with it,
so what the order takes per unit stays what its BOM said: each material's quantity
times new / old, and each operation's run hours times new / old while its setup (the
routing step's setup / the work centre's efficiency, done once per order) stays — the
same split as ``fct_capacity_order_weeks``, so the saved plan loads the work centres as
the what-if (``transactional.planning.capacity_whatif``) showed. A released order may
not go below what was already completed. Right ``manufacture``; every change is audited
by the session's flush listener.

The load itself (remaining planned hours spread evenly over the working days from start
to due) is the mart's rule (``fct_capacity_order_weeks`` / ``mart_capacity_load``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.bom_explosion import explode
from transactional.manufacturing.models import BillOfMaterials, ProductionOrder, WorkCentre
from transactional.manufacturing.production_orders import (
    load_order,
    order_materials,
    order_operations,
    q8,
)
from transactional.money import to_decimal
from transactional.organisation.models import User

HUNDRED = Decimal(100)
QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True)
class OrderChange:
    """An order (id or number) moved to ``start_date`` … ``due_date`` and, when
    ``quantity`` is given, resized to it."""

    order: int | str
    start_date: date | str
    due_date: date | str
    quantity: Decimal | str | None = None


def reschedule_orders(
    *, session: Session, user: User, changes: Sequence[OrderChange]
) -> list[ProductionOrder]:
    """Save the changes (all or none); returns the orders in the changes' order."""
    if not changes:
        raise ValidationError(N_("There are no changes to save."), field="changes")
    lookups = Lookups(session)
    seen: set[int] = set()
    checked: list[tuple[ProductionOrder, date, date, Decimal | None]] = []
    # Every change is checked before any is applied: a refusal writes nothing.
    for n, change in enumerate(changes, start=1):
        order, _div = load_order(session=session, lookups=lookups, user=user, order=change.order)
        assert order.id is not None
        if order.id in seen:
            raise ValidationError(
                N_("Production order {order} is changed twice."),
                field=f"changes.{n}.order",
                order=order.number,
            )
        seen.add(order.id)
        if order.status not in ("planned", "released"):
            raise ValidationError(
                N_(
                    "Production order {order} is {status}; only planned and released orders "
                    "can be rescheduled."
                ),
                field=f"changes.{n}.order",
                order=order.number,
                status=order.status,
            )
        start = parse_date(change.start_date, field=f"changes.{n}.start_date", label="Start date")
        due = parse_date(change.due_date, field=f"changes.{n}.due_date", label="Due date")
        if due < start:
            raise ValidationError(
                N_("Production order {order}: the due date cannot be before the start date."),
                field=f"changes.{n}.due_date",
                order=order.number,
            )
        quantity = None
        if change.quantity not in (None, ""):
            quantity = _new_quantity(order, change.quantity, field=f"changes.{n}.quantity")
        checked.append((order, start, due, quantity))
    for order, start, due, quantity in checked:
        if quantity is not None and quantity != order.quantity:
            _resize(session, order, quantity)
        order.start_date = start
        order.due_date = due
        session.add(order)
    session.flush()
    return [order for order, *_rest in checked]


def _new_quantity(order: ProductionOrder, value: object, *, field: str) -> Decimal:
    qty = to_decimal(value, field=field, label="Quantity")
    if qty <= 0:
        raise ValidationError(
            N_("Production order {order}: the quantity must be above zero."),
            field=field,
            order=order.number,
        )
    if qty != qty.quantize(QUANTUM):
        raise ValidationError(
            N_("Production order {order}: the quantity has more than 8 decimals."),
            field=field,
            order=order.number,
        )
    if qty < order.quantity_completed:
        raise ValidationError(
            N_(
                "Production order {order} has completed {completed}; it cannot be resized "
                "below that."
            ),
            field=field,
            order=order.number,
            completed=f"{order.quantity_completed.normalize():f}",
        )
    return qty


def _resize(session: Session, order: ProductionOrder, quantity: Decimal) -> None:
    """Scale the order's materials and operations' run hours to ``quantity``."""
    factor = quantity / order.quantity
    for material in order_materials(session, order.id):
        material.quantity = q8(material.quantity * factor)
        session.add(material)
    setups = _setup_hours(session, order)
    for op in order_operations(session, order.id):
        if op.work_centre_id is None:
            continue
        setup = min(setups.get((op.sequence, op.work_centre_id), Decimal(0)), op.planned_hours)
        op.planned_hours = q8(setup + (op.planned_hours - setup) * factor)
        session.add(op)
    order.quantity = quantity


def _setup_hours(session: Session, order: ProductionOrder) -> dict[tuple[int, int], Decimal]:
    """Per (sequence, work centre) of the order's routing: its setup after efficiency,
    as the order was planned from its BOM (phantom steps included)."""
    bom = session.get(BillOfMaterials, order.bom_id) if order.bom_id is not None else None
    if bom is None:
        return {}
    try:
        _components, steps = explode(session, bom, order.start_date)
    except ValidationError:  # a phantom without a valid BOM now: scale the hours whole
        return {}
    out: dict[tuple[int, int], Decimal] = {}
    for step in steps:
        if step.work_centre_id is None:
            continue
        wc = session.get(WorkCentre, step.work_centre_id)
        if wc is None or wc.efficiency_pct <= 0:
            continue
        out[(step.sequence, step.work_centre_id)] = step.setup_hours / (wc.efficiency_pct / HUNDRED)
    return out
