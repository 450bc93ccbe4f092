"""Material issues and returns of production orders: components out of stock into the
order's WIP at the stock core's cost (``production_issue``), back at the value they were
issued at (``production_return``); more than planned may be issued (it is the loss), not
more than issued returned (docs/manufacturing.md §3). A backflush order's completion
issues through ``post_issue`` too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from transactional.errors import N_, ValidationError
from transactional.finance.models import JournalEntry
from transactional.manufacturing.models import ProductionOrderMaterial, ProductionTransaction
from transactional.manufacturing.production_orders import ACTION, QUANTUM, order_materials
from transactional.manufacturing.production_wip import (
    WipContext,
    add_transaction,
    check_wip,
    wip_context,
)
from transactional.money import round_money, to_decimal
from transactional.organisation.models import User
from transactional.stock.movements import Movement, post_stock
from transactional.stock.tracking import qty_text
from transactional.wholesale.items import find_item, find_warehouse
from transactional.wholesale.models import Item, Warehouse


@dataclass
class MaterialIssue:
    """A component to issue or return: ``material`` is the order's material line (its id)
    or an item (code; its line on the order, else a new unplanned line); ``warehouse``
    defaults to the order's."""

    material: int | str
    quantity: Decimal | str
    lot_number: str | None = None
    warehouse: int | str | None = None


def issue_parts(
    ctx: WipContext, lines: list[MaterialIssue], *, returning: bool
) -> list[tuple[str, str, ProductionOrderMaterial, Item, Warehouse, Decimal, str | None]]:
    """Validate issue/return lines: (where, field, material line, item, warehouse,
    quantity, lot)."""
    if not lines:
        raise ValidationError(N_("Enter at least one line."), field="lines")
    materials = order_materials(ctx.session, ctx.order.id)
    by_id = {m.id: m for m in materials}
    parts = []
    for n, d in enumerate(lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        mat: ProductionOrderMaterial | None
        if isinstance(d.material, int):
            mat = by_id.get(d.material)
            if mat is None:
                raise ValidationError(
                    N_("{where}: material line {line} is not on production order {order}."),
                    field=f"{f}.material",
                    where=where,
                    line=d.material,
                    order=ctx.order.number,
                )
            item = ctx.session.get(Item, mat.item_id)
            assert item is not None
        else:
            item = find_item(ctx.lookups, ctx.division, d.material, field=f"{f}.material")
            mat = next((m for m in materials if m.item_id == item.id), None)
            if mat is None:
                if returning or item.id == ctx.order.item_id:
                    raise ValidationError(
                        N_("{where}: item {item} is not a material of production order {order}."),
                        field=f"{f}.material",
                        where=where,
                        item=item.code,
                        order=ctx.order.number,
                    )
                # Issuing a component the order did not plan: a line of its own (planned
                # 0), so its cost lands in the material variance and the loss mart.
                mat = ProductionOrderMaterial(
                    order_id=ctx.order.id or 0,
                    line_number=max((m.line_number for m in materials), default=0) + 1,
                    item_id=item.id or 0,
                    quantity=Decimal(0),
                )
                ctx.session.add(mat)
                ctx.session.flush()
                materials.append(mat)
                by_id[mat.id] = mat
        qty = to_decimal(d.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        if qty <= 0 or qty != qty.quantize(QUANTUM):
            raise ValidationError(
                N_("{where}: the quantity must be above zero, with at most 8 decimals."),
                field=f"{f}.quantity",
                where=where,
            )
        wh = (
            find_warehouse(ctx.session, ctx.division, d.warehouse, field=f"{f}.warehouse")
            if d.warehouse is not None and d.warehouse != ""
            else ctx.session.get(Warehouse, ctx.order.warehouse_id)
        )
        assert wh is not None
        parts.append((where, f, mat, item, wh, qty, d.lot_number))
    return parts


def post_issue(ctx: WipContext, parts: list, description: str) -> JournalEntry | None:  # type: ignore[type-arg]
    """Post issues (out of stock at its cost, into WIP)."""
    entry, moved = post_stock(
        session=ctx.session,
        user=ctx.user,
        lookups=ctx.lookups,
        division=ctx.division,
        on=ctx.on,
        action=ACTION,
        document_number=ctx.order.number,
        description=description,
        movements=[
            Movement(
                item=item,
                warehouse=wh,
                movement_type="production_issue",
                quantity=qty,
                counter_account_id=ctx.wip,
                lot_number=lot,
                source_type="production_order_material",
                source_id=mat.id,
                where=where,
                field=f,
            )
            for where, f, mat, item, wh, qty, lot in parts
        ],
        entry_source_type="production_order",
        entry_source_id=ctx.order.id,
    )
    for (_, _, mat, item, _, qty, _), mv in zip(parts, moved, strict=True):
        mat.quantity_issued += qty
        ctx.session.add(mat)
        add_transaction(
            ctx,
            "material_issue",
            -mv.value,
            cost_type="material",
            material_id=mat.id,
            item_id=item.id,
            lot_id=mv.lot_id,
            quantity=qty,
            stock_movement_id=mv.id,
            entry_id=entry.id if entry is not None else None,
        )
    ctx.session.flush()
    return entry


# --- material --------------------------------------------------------------------------------


def issue_materials(
    *,
    session: Session,
    user: User,
    order: int | str,
    lines: list[MaterialIssue],
    on: date | str,
) -> JournalEntry | None:
    """Issue components to a released order: out of stock at the stock core's cost, into
    WIP. More than planned may be issued (it is the loss)."""
    ctx = wip_context(session=session, user=user, order=order, on=on, doing="issued to")
    parts = issue_parts(ctx, lines, returning=False)
    return post_issue(ctx, parts, "Material issue")


def return_materials(
    *,
    session: Session,
    user: User,
    order: int | str,
    lines: list[MaterialIssue],
    on: date | str,
) -> JournalEntry | None:
    """Return components to stock at the value they were issued at (the line's net issue
    value per unit); not more than was issued."""
    ctx = wip_context(session=session, user=user, order=order, on=on, doing="returned from")
    parts = issue_parts(ctx, lines, returning=True)
    movements: list[Movement] = []
    values: list[Decimal] = []
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for where, f, mat, item, wh, qty, lot in parts:
        left = mat.quantity_issued - returned[mat.id or 0]
        if qty > left:
            raise ValidationError(
                N_(
                    "{where}: {qty} {unit} of {item} cannot be returned; only {issued} is issued "
                    "to production order {order}."
                ),
                field=f"{f}.quantity",
                where=where,
                qty=qty_text(qty),
                unit=item.unit,
                item=item.code,
                issued=qty_text(left),
                order=ctx.order.number,
            )
        net_value = _material_value(session, mat.id) - sum(
            (v for (p, v) in zip(parts, values, strict=False) if p[2].id == mat.id), Decimal(0)
        )
        value = net_value if qty == left else round_money(net_value * qty / left, ctx.decimals)
        returned[mat.id or 0] += qty
        values.append(value)
        movements.append(
            Movement(
                item=item,
                warehouse=wh,
                movement_type="production_return",
                quantity=qty,
                counter_account_id=ctx.wip,
                lot_number=lot,
                unit_cost=value / qty,
                counter_value=value,
                source_type="production_order_material",
                source_id=mat.id,
                where=where,
                field=f,
            )
        )
    entry, moved = post_stock(
        session=session,
        user=user,
        lookups=ctx.lookups,
        division=ctx.division,
        on=ctx.on,
        action=ACTION,
        document_number=ctx.order.number,
        description="Material return",
        movements=movements,
        entry_source_type="production_order",
        entry_source_id=ctx.order.id,
    )
    for (_, _, mat, item, _, qty, _), mv, value in zip(parts, moved, values, strict=True):
        mat.quantity_issued -= qty
        session.add(mat)
        add_transaction(
            ctx,
            "material_return",
            -value,
            cost_type="material",
            material_id=mat.id,
            item_id=item.id,
            lot_id=mv.lot_id,
            quantity=qty,
            stock_movement_id=mv.id,
            entry_id=entry.id if entry is not None else None,
        )
    check_wip(ctx, sum(values, Decimal(0)), "lines")
    return entry


def _material_value(session: Session, material_id: int | None) -> Decimal:
    """The net value a material line put into WIP (issues less returns)."""
    total = session.exec(
        select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
            ProductionTransaction.material_id == material_id,
            col(ProductionTransaction.kind).in_(("material_issue", "material_return")),
        )
    ).one()
    return Decimal(total)
