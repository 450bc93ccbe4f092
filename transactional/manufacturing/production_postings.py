"""Production postings: material issues and returns, hours, outsourced work, completion
and close — every movement of value into or out of an order's work in progress.

docs/manufacturing.md §3. Each service posts one balanced entry (stock movements through
the stock core's ``post_stock`` with WIP as the counter account; hours, overhead and
variances through ``post_entries``) and writes a ``production_transaction`` row per
movement (+ into WIP, − out of WIP) naming the entry and the stock movement, so the sum of
the rows of a division is the balance of its WIP account at any date. A service that
would leave an order's WIP below zero is refused; close leaves it at exactly 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import JournalEntry
from transactional.finance.posting import EntryDraft, LineDraft, post_entries
from transactional.manufacturing.models import (
    ProductionOrder,
    ProductionOrderMaterial,
    ProductionOrderOperation,
    ProductionTransaction,
)
from transactional.manufacturing.production_orders import (
    ACTION,
    QUANTUM,
    load_order,
    order_materials,
    order_operations,
    q8,
)
from transactional.money import round_money, to_decimal
from transactional.organisation.models import Division, User
from transactional.stock.movements import Movement, post_stock
from transactional.stock.tracking import qty_text
from transactional.wholesale.items import find_item, find_warehouse
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


@dataclass
class MaterialIssue:
    """A component to issue or return: ``material`` is the order's material line (its id)
    or an item (code; its line on the order, else a new unplanned line); ``warehouse``
    defaults to the order's."""

    material: int | str
    quantity: Decimal | str
    lot_number: str | None = None
    warehouse: int | str | None = None


# --- shared ------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    session: Session
    user: User
    lookups: Lookups
    order: ProductionOrder
    division: Division
    on: date
    decimals: int
    wip: int  # the WIP account id


def _context(
    session: Session, user: User, order: int | str, on: date | str, *statuses: str, doing: str
) -> _Ctx:
    lookups = Lookups(session)
    po, div = load_order(session, lookups, user, order)
    if po.status not in statuses:
        raise ValidationError(
            N_("Production order {order} is {status}; it cannot be {doing}."),
            field="order",
            order=po.number,
            status=po.status,
            doing=doing,
        )
    day = parse_date(on, field="on", label="Date")
    if po.released_on is not None and day < po.released_on:
        raise ValidationError(
            N_("The date cannot be before the order's release on {released}."),
            field="on",
            released=po.released_on,
        )
    lookups.period(div, day, field="on")
    return _Ctx(
        session=session,
        user=user,
        lookups=lookups,
        order=po,
        division=div,
        on=day,
        decimals=lookups.currency(div.currency_code).decimals,
        wip=lookups.account_for_role(div, "work_in_progress").id or 0,
    )


def order_wip(session: Session, order_id: int | None) -> Decimal:
    """What an order holds in work in progress: the sum of its transactions."""
    total = session.exec(
        select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
            ProductionTransaction.order_id == order_id
        )
    ).one()
    return Decimal(total)


def _transaction(ctx: _Ctx, kind: str, value: Decimal, **kw: object) -> ProductionTransaction:
    row = ProductionTransaction(
        division_id=ctx.division.id or 0,
        order_id=ctx.order.id or 0,
        transaction_date=ctx.on,
        kind=kind,
        value=value,
        created_by=ctx.user.id or 0,
        created_at=datetime.now(UTC),
        **kw,  # type: ignore[arg-type]
    )
    ctx.session.add(row)
    return row


def _post(ctx: _Ctx, description: str, amounts: list[tuple[int, Decimal, str]]) -> JournalEntry:
    """One balanced entry of (account id, signed amount, text) lines (debit +)."""
    lines = [
        LineDraft(
            account=account,
            debit=str(amount) if amount > 0 else None,
            credit=str(-amount) if amount < 0 else None,
            description=text,
        )
        for account, amount, text in amounts
        if amount != 0
    ]
    return post_entries(
        session=ctx.session,
        user=ctx.user,
        entries=[
            EntryDraft(
                division=ctx.division.id or 0,
                journal=ctx.lookups.first_journal(ctx.division, "general").code,
                entry_date=ctx.on,
                description=f"{description} {ctx.order.number}",
                lines=lines,
                source_type="production_order",
                source_id=ctx.order.id,
            )
        ],
        action=ACTION,
    )[0]


def _check_wip(ctx: _Ctx, leaving: Decimal, field: str) -> None:
    """Refuse when the order's WIP would end below zero (doc §3)."""
    ctx.session.flush()
    held = order_wip(ctx.session, ctx.order.id)
    if held < 0:
        raise ValidationError(
            N_(
                "Production order {order} holds {held} in work in progress; {leaving} would go "
                "out. Issue the materials and book the hours first, or complete and close in "
                "one step."
            ),
            field=field,
            order=ctx.order.number,
            held=f"{round_money(held + leaving, ctx.decimals):f}",
            leaving=f"{round_money(leaving, ctx.decimals):f}",
        )


def _issue_parts(
    ctx: _Ctx, lines: list[MaterialIssue], *, returning: bool
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


def _issue(ctx: _Ctx, parts: list, description: str) -> JournalEntry | None:  # type: ignore[type-arg]
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
        _transaction(
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
    ctx = _context(session, user, order, on, "released", "completed", doing="issued to")
    parts = _issue_parts(ctx, lines, returning=False)
    return _issue(ctx, parts, "Material issue")


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
    ctx = _context(session, user, order, on, "released", "completed", doing="returned from")
    parts = _issue_parts(ctx, lines, returning=True)
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
        _transaction(
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
    _check_wip(ctx, sum(values, Decimal(0)), "lines")
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


# --- hours and outsourced work -----------------------------------------------------------------


def _operation(ctx: _Ctx, ref: int) -> ProductionOrderOperation:
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
    ctx = _context(session, user, order, on, "released", "completed", doing="booked on")
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
        _post(
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
            _transaction(
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
    ctx = _context(session, user, order, on, "released", "completed", doing="booked on")
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
        _post(
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
    _transaction(
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
) -> ProductionOrder:
    """Put ``quantity`` finished units into stock at the order's standard per unit
    (backflushing a backflush order's materials first, absorbing overhead); ``close``
    closes the order in the same transaction."""
    ctx = _context(session, user, order, on, "released", "completed", doing="completed")
    po = ctx.order
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
        wh = session.get(Warehouse, po.warehouse_id)
        parts = []
        for n, m in enumerate(materials, start=1):
            # Planned for the units completed so far (over-completion consumes more).
            due = q8(m.quantity * after / po.quantity) - m.quantity_issued
            if due > 0:
                it = session.get(Item, m.item_id)
                parts.append((f"Material {n}", f"materials.{n}", m, it, wh, due, None))
        if parts:
            _issue(ctx, parts, "Backflush")
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
        entry_oh = _post(
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
        _transaction(
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
            )
        ],
        entry_source_type="production_order",
        entry_source_id=po.id,
    )
    _transaction(
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
        _check_wip(ctx, value, "quantity")
    return po


def close_production_order(
    *, session: Session, user: User, order: int | str, on: date | str
) -> ProductionOrder:
    """Close a completed order, or close a released one short: what is left on its WIP
    is the variance, per cost type; after it the order's WIP is exactly 0."""
    ctx = _context(session, user, order, on, "released", "completed", doing="closed")
    _close(ctx)
    return ctx.order


def _close(ctx: _Ctx) -> None:
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
    entry = _post(ctx, "Production variance", lines) if lines else None
    for cost_type in ("material", "labour", "machine"):
        v = variance[cost_type]
        if v:
            _transaction(
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
]
