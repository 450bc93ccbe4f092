"""Production postings: hours, outsourced work, completion and close of production
orders (material issues and returns: ``production_materials``, re-exported here, so
callers find every posting of an order in one place).

docs/manufacturing.md §3. Each service posts one balanced entry per kind of movement
(hours: Dr WIP, Cr absorbed labour / machine; outsourced: Dr WIP, Cr GRNI; completion:
overhead absorbed, then the product into stock through the stock core at the order's
standard; close: the variances) and writes a ``production_transaction`` row per movement
(``production_wip``). A service that would leave an order's WIP below zero is refused;
close leaves it at exactly 0.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from transactional.errors import N_, ValidationError
from transactional.finance.models import JournalEntry
from transactional.manufacturing.models import (
    ProductionOrder,
    ProductionOrderMaterial,
    ProductionOrderOperation,
    ProductionTransaction,
)
from transactional.manufacturing.production_materials import (
    MaterialIssue,
    issue_materials,
    post_issue,
    return_materials,
)
from transactional.manufacturing.production_orders import (
    ACTION,
    QUANTUM,
    order_materials,
    order_operations,
    q8,
)
from transactional.manufacturing.production_wip import (
    WipContext,
    add_transaction,
    check_wip,
    order_wip,
    post_wip_entry,
    wip_context,
)
from transactional.money import round_money, to_decimal
from transactional.organisation.models import User
from transactional.stock.lot_picking import pick_lots
from transactional.stock.movements import Movement, post_stock
from transactional.stock.tracking import qty_text, typed_expiry
from transactional.wholesale.models import Item, Warehouse

# Where each posted cost type's variance goes at close (doc §3): outsourced work with the
# material, absorbed overhead with the machine costs.
VARIANCE_OF = {
    "material": "material",
    "outsourced": "material",
    "labour": "labour",
    "machine": "machine",
    "overhead": "machine",
}
VARIANCE_ROLE = {
    "material": "variance_material",
    "labour": "variance_labour",
    "machine": "variance_machine",
}


# --- hours and outsourced work -----------------------------------------------------------------


def _operation(ctx: WipContext, ref: int) -> ProductionOrderOperation:
    """The order's operation by sequence number (or id)."""
    ops = order_operations(ctx.session, ctx.order.id)
    found = next((o for o in ops if o.sequence == ref), None) or next(
        (o for o in ops if o.id == ref), None
    )
    if found is None:
        raise ValidationError(
            N_("Production order {order} has no operation {operation}."),
            field="operation",
            order=ctx.order.number,
            operation=ref,
        )
    return found


def _hours(value: object, field: str, label: str) -> Decimal:
    hours = to_decimal(value, field=field, label=label)
    if hours < 0 or hours != hours.quantize(QUANTUM):
        raise ValidationError(
            N_("{label} cannot be negative and has at most 8 decimals."), field=field, label=label
        )
    return hours


def book_hours(
    *,
    session: Session,
    user: User,
    order: int | str,
    operation: int,
    labour_hours: Decimal | str = Decimal(0),
    machine_hours: Decimal | str = Decimal(0),
    on: date | str,
) -> JournalEntry | None:
    """Labour and machine hours on an operation (by sequence) at its rates: Dr WIP, Cr
    absorbed labour / absorbed machine."""
    ctx = wip_context(session=session, user=user, order=order, on=on, doing="booked on")
    op = _operation(ctx, operation)
    if op.work_centre_id is None:
        raise ValidationError(
            N_("Operation {operation} is outsourced; book the quantity the supplier did."),
            field="operation",
            operation=op.sequence,
        )
    labour = _hours(labour_hours, "labour_hours", "Labour hours")
    machine = _hours(machine_hours, "machine_hours", "Machine hours")
    if labour == 0 and machine == 0:
        raise ValidationError(N_("Enter labour or machine hours."), field="labour_hours")
    labour_value = round_money(labour * op.labour_rate, ctx.decimals)
    machine_value = round_money(machine * op.machine_rate, ctx.decimals)
    text = f"Operation {op.sequence}"
    entry = (
        post_wip_entry(
            ctx,
            "Hours",
            [
                (ctx.wip, labour_value + machine_value, text),
                (
                    ctx.lookups.account_for_role(ctx.division, "absorbed_labour").id or 0,
                    -labour_value,
                    text,
                ),
                (
                    ctx.lookups.account_for_role(ctx.division, "absorbed_machine").id or 0,
                    -machine_value,
                    text,
                ),
            ],
        )
        if labour_value or machine_value
        else None
    )
    op.labour_hours += labour
    op.machine_hours += machine
    session.add(op)
    for kind, hours, value in (
        ("labour", labour, labour_value),
        ("machine", machine, machine_value),
    ):
        if hours:
            add_transaction(
                ctx,
                kind,
                value,
                cost_type=kind,
                operation_id=op.id,
                hours=hours,
                entry_id=entry.id if entry is not None else None,
            )
    session.flush()
    return entry


def book_outsourced(
    *,
    session: Session,
    user: User,
    order: int | str,
    operation: int,
    quantity: Decimal | str,
    on: date | str,
) -> JournalEntry | None:
    """Units an outsourced operation's supplier did, at its price: Dr WIP, Cr GRNI (the
    supplier's invoice is matched there)."""
    ctx = wip_context(session=session, user=user, order=order, on=on, doing="booked on")
    op = _operation(ctx, operation)
    if op.supplier_id is None:
        raise ValidationError(
            N_("Operation {operation} is not outsourced; book hours on it."),
            field="operation",
            operation=op.sequence,
        )
    qty = to_decimal(quantity, field="quantity", label="Quantity")
    if qty <= 0 or qty != qty.quantize(QUANTUM):
        raise ValidationError(
            N_("Quantity must be above zero, with at most 8 decimals."), field="quantity"
        )
    value = round_money(qty * op.outsourced_price, ctx.decimals)
    text = f"Operation {op.sequence}"
    entry = (
        post_wip_entry(
            ctx,
            "Outsourced work",
            [
                (ctx.wip, value, text),
                (ctx.lookups.account_for_role(ctx.division, "grni").id or 0, -value, text),
            ],
        )
        if value
        else None
    )
    op.quantity_outsourced += qty
    session.add(op)
    add_transaction(
        ctx,
        "outsourced",
        value,
        cost_type="outsourced",
        operation_id=op.id,
        quantity=qty,
        entry_id=entry.id if entry is not None else None,
    )
    session.flush()
    return entry


# --- completion and close --------------------------------------------------------------------


def standard_per_unit(order: ProductionOrder) -> Decimal:
    return (
        order.standard_material
        + order.standard_labour
        + order.standard_machine
        + order.standard_outsourced
        + order.standard_overhead
    )


def complete_production(
    *,
    session: Session,
    user: User,
    order: int | str,
    quantity: Decimal | str,
    on: date | str,
    lot_number: str | None = None,
    close: bool = False,
    allow_over: bool = False,
    expiry_date: date | str | None = None,
) -> ProductionOrder:
    """Put ``quantity`` finished units into stock at the order's standard per unit
    (backflushing a backflush order's materials first, absorbing overhead); ``close``
    closes the order in the same transaction. A lot-tracked product's ``lot_number`` may
    come with the lot's ``expiry_date`` (recorded on the lot the completion creates)."""
    ctx = wip_context(session=session, user=user, order=order, on=on, doing="completed")
    po = ctx.order
    expiry = typed_expiry(expiry_date, field="expiry_date", label="Expiry date")
    qty = to_decimal(quantity, field="quantity", label="Quantity")
    if qty <= 0 or qty != qty.quantize(QUANTUM):
        raise ValidationError(
            N_("Quantity must be above zero, with at most 8 decimals."), field="quantity"
        )
    before, after = po.quantity_completed, po.quantity_completed + qty
    if after > po.quantity and not allow_over:
        raise ValidationError(
            N_(
                "{qty} cannot be completed: {done} of the {ordered} ordered on {order} are "
                "already completed."
            ),
            field="quantity",
            qty=qty_text(qty),
            done=qty_text(before),
            ordered=qty_text(po.quantity),
            order=po.number,
        )
    materials = order_materials(session, po.id)
    if po.backflush:
        parts = _backflush_parts(ctx, materials, after)
        if parts:
            post_issue(ctx, parts, "Backflush")
    elif materials and all(m.quantity_issued <= 0 for m in materials):
        raise ValidationError(
            N_(
                "No material was issued to production order {order}; issue the materials "
                "before completing it."
            ),
            field="quantity",
            order=po.number,
        )
    item = session.get(Item, po.item_id)
    wh = session.get(Warehouse, po.warehouse_id)
    assert item is not None and wh is not None
    # Cumulative rounding: the sum over partial completions is the rounded total.
    overhead = round_money(po.standard_overhead * after, ctx.decimals) - round_money(
        po.standard_overhead * before, ctx.decimals
    )
    std = standard_per_unit(po)
    value = round_money(std * after, ctx.decimals) - round_money(std * before, ctx.decimals)
    entry_oh = None
    if overhead:
        entry_oh = post_wip_entry(
            ctx,
            "Overhead absorbed",
            [
                (ctx.wip, overhead, "Overhead"),
                (
                    ctx.lookups.account_for_role(ctx.division, "absorbed_overhead").id or 0,
                    -overhead,
                    "Overhead",
                ),
            ],
        )
        add_transaction(
            ctx, "overhead", overhead, cost_type="overhead", quantity=qty, entry_id=entry_oh.id
        )
    entry, (mv,) = post_stock(
        session=session,
        user=user,
        lookups=ctx.lookups,
        division=ctx.division,
        on=ctx.on,
        action=ACTION,
        document_number=po.number,
        description="Production receipt",
        movements=[
            Movement(
                item=item,
                warehouse=wh,
                movement_type="production_receipt",
                quantity=qty,
                counter_account_id=ctx.wip,
                lot_number=lot_number,
                unit_cost=value / qty,
                counter_value=value,
                source_type="production_order",
                source_id=po.id,
                field="lot_number",
                where="Completion",
                expiry_date=expiry,
            )
        ],
        entry_source_type="production_order",
        entry_source_id=po.id,
    )
    add_transaction(
        ctx,
        "completion",
        -value,
        item_id=item.id,
        lot_id=mv.lot_id,
        quantity=qty,
        stock_movement_id=mv.id,
        entry_id=entry.id if entry is not None else None,
    )
    po.quantity_completed = after
    po.completed_on = ctx.on
    if after >= po.quantity:
        po.status = "completed"
    session.add(po)
    session.flush()
    if close:
        _close(ctx)
    else:
        check_wip(ctx, value, "quantity")
    return po


def _backflush_parts(
    ctx: WipContext, materials: list[ProductionOrderMaterial], after: Decimal
) -> list[tuple[str, str, ProductionOrderMaterial, Item, Warehouse, Decimal, str | None]]:
    """What a backflush issues for the units completed so far: each material's planned
    quantity for them (over-completion consumes more) less what was issued, as issue
    parts. A lot- or serial-tracked component is split over its lots on hand by the
    stock core's picking rule (one part per lot, one per serial number); a serial-numbered
    component's due is rounded up to whole units (a serial cannot be split; the next
    completion's due is that much lower)."""
    po, session = ctx.order, ctx.session
    wh = session.get(Warehouse, po.warehouse_id)
    assert wh is not None
    parts: list[tuple[str, str, ProductionOrderMaterial, Item, Warehouse, Decimal, str | None]]
    parts = []
    picked: dict[int, Decimal] = defaultdict(Decimal)
    for n, m in enumerate(materials, start=1):
        where, field = f"Material {n}", f"materials.{n}"
        due = q8(m.quantity * after / po.quantity) - m.quantity_issued
        if due <= 0:
            continue
        it = session.get(Item, m.item_id)
        assert it is not None
        if it.tracking == "none":
            parts.append((where, field, m, it, wh, due, None))
            continue
        if it.tracking == "serial":
            due = due.to_integral_value(rounding=ROUND_CEILING)
        for lot, qty in pick_lots(
            session=session,
            item=it,
            warehouse=wh,
            quantity=due,
            picked=picked,
            where=where,
            field=field,
        ):
            picked[lot.id or 0] += qty
            parts.append((where, field, m, it, wh, qty, lot.number))
    return parts


def close_production_order(
    *, session: Session, user: User, order: int | str, on: date | str
) -> ProductionOrder:
    """Close a completed order, or close a released one short: what is left on its WIP
    is the variance, per cost type; after it the order's WIP is exactly 0."""
    ctx = wip_context(session=session, user=user, order=order, on=on, doing="closed")
    _close(ctx)
    return ctx.order


def _close(ctx: WipContext) -> None:
    po, session = ctx.order, ctx.session
    session.flush()
    rows = session.exec(
        select(ProductionTransaction.cost_type, func.sum(ProductionTransaction.value))
        .where(
            ProductionTransaction.order_id == po.id,
            col(ProductionTransaction.kind).not_in(("completion", "variance")),
        )
        .group_by(col(ProductionTransaction.cost_type))
    ).all()
    actual = {cost_type: Decimal(total) for cost_type, total in rows}
    standard = {
        "material": po.standard_material,
        "labour": po.standard_labour,
        "machine": po.standard_machine,
        "outsourced": po.standard_outsourced,
        "overhead": po.standard_overhead,
    }
    done = po.quantity_completed
    variance: dict[str, Decimal] = defaultdict(Decimal)
    for cost_type, per_unit in standard.items():
        variance[VARIANCE_OF[cost_type]] += actual.get(cost_type, Decimal(0)) - round_money(
            per_unit * done, ctx.decimals
        )
    # The completions credited the rounded total standard: a cent of rounding between it
    # and the sum of the rounded standards per cost type goes to the material variance.
    held = order_wip(session, po.id)
    variance["material"] += held - sum(variance.values(), Decimal(0))
    lines: list[tuple[int, Decimal, str]] = []
    for cost_type in ("material", "labour", "machine"):
        v = variance[cost_type]
        if v:
            account = ctx.lookups.account_for_role(ctx.division, VARIANCE_ROLE[cost_type]).id or 0
            lines.append((account, v, f"{cost_type.title()} variance"))
            lines.append((ctx.wip, -v, f"{cost_type.title()} variance"))
    entry = post_wip_entry(ctx, "Production variance", lines) if lines else None
    for cost_type in ("material", "labour", "machine"):
        v = variance[cost_type]
        if v:
            add_transaction(
                ctx,
                "variance",
                -v,
                cost_type=cost_type,
                entry_id=entry.id if entry is not None else None,
            )
    po.status = "closed"
    po.closed_on = ctx.on
    session.add(po)
    session.flush()
    assert order_wip(session, po.id) == 0


__all__ = [
    "MaterialIssue",
    "book_hours",
    "book_outsourced",
    "close_production_order",
    "complete_production",
    "issue_materials",
    "order_wip",
    "return_materials",
    "standard_per_unit",
]
