"""Production orders: create (by hand, from a sales order line, with sub-orders), edit
while planned, release (the standard per unit is fixed) and cancel (nothing posted).

docs/manufacturing.md §3. The BOM valid on the start date (or a named version) and its
routing are copied onto the order; phantoms are exploded into their components and their
operations join the routing. Postings (issues, hours, completion, close) are in
``production_postings``. Right ``manufacture``; every write is audited by the session's
flush listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.bom_explosion import bom_for, explode, supply_of
from transactional.manufacturing.cost_scenarios import default_cost_scenario
from transactional.manufacturing.models import (
    BillOfMaterials,
    ItemPlanning,
    ProductionOrder,
    ProductionOrderMaterial,
    ProductionOrderOperation,
    ProductionTransaction,
    WorkCentre,
)
from transactional.manufacturing.work_centres import find_work_centre
from transactional.money import round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import Division, User
from transactional.purchasing.contracts import find_supplier
from transactional.sales.models import SalesOrder, SalesOrderLine
from transactional.stock.models import StockValuation
from transactional.wholesale.items import find_item, find_warehouse
from transactional.wholesale.models import Item

ACTION = "manufacture"
QUANTUM = Decimal("0.00000001")  # Rate columns: 8 decimals
HUNDRED = Decimal(100)


def q8(value: Decimal) -> Decimal:
    """A computed quantity, hour figure or standard per unit, to the 8 decimals stored."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


@dataclass
class OrderMaterialDraft:
    """A component line of a planned order: ``quantity`` for the whole order (scrap
    included)."""

    item: int | str
    quantity: Decimal | str
    scrap_pct: Decimal | str = Decimal(0)


@dataclass
class OrderOperationDraft:
    """A routing step of a planned order: hours on a work centre for the whole order, or
    an outsourced step (supplier and price per product unit)."""

    sequence: int
    work_centre: int | str | None = None
    planned_hours: Decimal | str = Decimal(0)
    supplier: int | str | None = None
    outsourced_price: Decimal | str = Decimal(0)
    description: str = ""


# --- loading ---------------------------------------------------------------------------------


def load_order(
    *, session: Session, lookups: Lookups, user: User, order: int | str | ProductionOrder
) -> tuple[ProductionOrder, Division]:
    """The order (by id, number or row), locked, and its division; the user needs the
    right ``manufacture`` there."""
    if isinstance(order, ProductionOrder):
        order = order.id or 0
    found: ProductionOrder | None
    if isinstance(order, int):
        found = session.get(ProductionOrder, order, with_for_update=True)
    else:
        found = session.exec(
            select(ProductionOrder)
            .where(ProductionOrder.number == str(order).strip())
            .with_for_update()
        ).first()
    if found is None:
        raise ValidationError(
            N_("Production order {order} does not exist."), field="order", order=order
        )
    div = lookups.division(found.division_id)
    lookups.require(user, ACTION, found.division_id)
    return found, div


def order_materials(session: Session, order_id: int | None) -> list[ProductionOrderMaterial]:
    return list(
        session.exec(
            select(ProductionOrderMaterial)
            .where(ProductionOrderMaterial.order_id == order_id)
            .order_by(col(ProductionOrderMaterial.line_number))
        ).all()
    )


def order_operations(session: Session, order_id: int | None) -> list[ProductionOrderOperation]:
    return list(
        session.exec(
            select(ProductionOrderOperation)
            .where(ProductionOrderOperation.order_id == order_id)
            .order_by(col(ProductionOrderOperation.sequence))
        ).all()
    )


def has_postings(session: Session, order_id: int | None) -> bool:
    return (
        session.exec(
            select(ProductionTransaction.id).where(ProductionTransaction.order_id == order_id)
        ).first()
        is not None
    )


def _require_status(order: ProductionOrder, *allowed: str, doing: str) -> None:
    if order.status not in allowed:
        raise ValidationError(
            N_("Production order {order} is {status}; it cannot be {doing}."),
            field="order",
            order=order.number,
            status=order.status,
            doing=doing,
        )


def _quantity(value: object, *, field: str, label: str, where: str = "") -> Decimal:
    qty = to_decimal(value, field=field, label=label)
    if qty <= 0:
        raise ValidationError(
            N_("{label} must be above zero."), field=field, label=label, where=where
        )
    if qty != qty.quantize(QUANTUM):
        raise ValidationError(
            N_("{label} has more than 8 decimals."), field=field, label=label, where=where
        )
    return qty


# --- the BOM copied onto an order ------------------------------------------------------------


def valid_bom(
    session: Session, item: Item, on: date, version: str | None = None
) -> BillOfMaterials | None:
    """The item's BOM: the named version, else the one valid on ``on``
    (``bom_explosion.bom_for``); None when none is valid. An unknown named version is
    refused."""
    named = str(version).strip() if version not in (None, "") else None
    bom = bom_for(session, item.id or 0, on, named)
    if bom is None and named is not None:
        raise ValidationError(
            N_("Item {item} has no BOM version {version}."),
            field="bom_version",
            item=item.code,
            version=named,
        )
    return bom


def _order_lines_from_bom(
    session: Session, order: ProductionOrder, bom: BillOfMaterials, on: date, decimals: int
) -> tuple[list[ProductionOrderMaterial], list[ProductionOrderOperation]]:
    """The BOM copied for the order's quantity (doc §3): materials = quantity x the
    component's need per unit (scrap included, phantoms exploded); planned hours = (setup
    once + run per unit x quantity) / efficiency."""
    components, steps = explode(session, bom, on)
    qty = order.quantity
    materials = [
        ProductionOrderMaterial(
            order_id=order.id or 0,
            line_number=n,
            item_id=c.item_id,
            quantity=q8(c.quantity_per_unit * qty),
            scrap_pct=c.scrap_pct,
        )
        for n, c in enumerate(components, start=1)
    ]
    operations: list[ProductionOrderOperation] = []
    for step in steps:
        hours = Decimal(0)
        if step.work_centre_id is not None:
            wc = session.get(WorkCentre, step.work_centre_id)
            assert wc is not None
            hours = (step.setup_hours + step.run_hours_per_unit * qty) / (
                wc.efficiency_pct / HUNDRED
            )
        operations.append(
            ProductionOrderOperation(
                order_id=order.id or 0,
                sequence=step.sequence,
                description=step.description,
                work_centre_id=step.work_centre_id,
                planned_hours=q8(hours),
                supplier_id=step.supplier_id,
                # Per product unit; through a phantom it is times the phantom's quantity,
                # a computed price in the currency's decimals.
                outsourced_price=round_money(step.outsourced_price_per_unit, decimals),
            )
        )
    return materials, operations


# --- create ----------------------------------------------------------------------------------


def create_production_order(
    *,
    session: Session,
    user: User,
    division: int | str,
    item: int | str,
    quantity: Decimal | str,
    start_date: date | str,
    due_date: date | str,
    warehouse: int | str,
    bom_version: str | None = None,
    backflush: bool = False,
    sales_order_line: int | None = None,
    parent_order: int | None = None,
    with_sub_orders: bool = False,
    description: str = "",
) -> ProductionOrder:
    """A planned order for ``quantity`` of a made item, its BOM and routing copied on it;
    ``with_sub_orders`` also plans an order for each *make* component (due on this
    order's start date, started its lead time earlier), and theirs in turn."""
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, ACTION, div.id)
    product = find_item(lookups, div, item, field="item")
    if not product.is_active:
        raise ValidationError(N_("Item {item} is blocked."), field="item", item=product.code)
    supply = supply_of(session, product.id or 0)
    if supply == "phantom":
        raise ValidationError(
            N_("Item {item} is a phantom: it is never made on its own order."),
            field="item",
            item=product.code,
        )
    qty = _quantity(quantity, field="quantity", label="Quantity")
    start = parse_date(start_date, field="start_date", label="Start date")
    due = parse_date(due_date, field="due_date", label="Due date")
    if due < start:
        raise ValidationError(N_("The due date cannot be before the start date."), field="due_date")
    wh = find_warehouse(session, div, warehouse)
    bom = valid_bom(session, product, start, bom_version)
    if bom is None:
        raise ValidationError(
            N_("Item {item} has no bill of materials valid on {date}."),
            field="item",
            item=product.code,
            date=start,
        )
    if sales_order_line is not None:
        so_line = session.get(SalesOrderLine, sales_order_line)
        so = session.get(SalesOrder, so_line.order_id) if so_line is not None else None
        if so_line is None or so is None or so.division_id != div.id:
            raise ValidationError(
                N_("Sales order line {line} does not exist in division {division}."),
                field="sales_order_line",
                line=sales_order_line,
                division=div.code,
            )
    if parent_order is not None:
        parent = session.get(ProductionOrder, parent_order)
        if parent is None or parent.division_id != div.id:
            raise ValidationError(
                N_("Production order {order} does not exist."),
                field="parent_order",
                order=parent_order,
            )
    order = ProductionOrder(
        division_id=div.id,
        number=next_number(session, div.id, "production", start.year),
        item_id=product.id or 0,
        bom_id=bom.id,
        warehouse_id=wh.id or 0,
        quantity=qty,
        start_date=start,
        due_date=due,
        backflush=bool(backflush),
        sales_order_line_id=sales_order_line,
        parent_order_id=parent_order,
        description=str(description or ""),
        created_by=user.id or 0,
    )
    session.add(order)
    session.flush()
    decimals = lookups.currency(div.currency_code).decimals
    materials, operations = _order_lines_from_bom(session, order, bom, start, decimals)
    session.add_all([*materials, *operations])
    session.flush()
    if with_sub_orders:
        for mat in materials:
            if supply_of(session, mat.item_id) != "make":
                continue
            planning = session.get(ItemPlanning, mat.item_id)
            lead = planning.lead_time_days if planning is not None else 0
            create_production_order(
                session=session,
                user=user,
                division=div.id,
                item=mat.item_id,
                quantity=mat.quantity,
                start_date=start - timedelta(days=lead),
                due_date=start,
                warehouse=wh.id or 0,
                backflush=backflush,
                parent_order=order.id,
                with_sub_orders=True,
                description=order.number,
            )
    return order


def create_from_sales_order_line(
    *,
    session: Session,
    user: User,
    sales_order_line: int,
    start_date: date | str,
    warehouse: int | str | None = None,
    bom_version: str | None = None,
    backflush: bool = False,
    with_sub_orders: bool = False,
) -> ProductionOrder:
    """A planned order for the line's open quantity (ordered − delivered), due on the
    sales order's requested date (else its order date), into the order's warehouse
    unless another is named."""
    line = session.get(SalesOrderLine, sales_order_line)
    so = session.get(SalesOrder, line.order_id) if line is not None else None
    if line is None or so is None:
        raise ValidationError(
            N_("Sales order line {line} does not exist."),
            field="sales_order_line",
            line=sales_order_line,
        )
    Lookups(session).require(user, ACTION, so.division_id)
    if so.status != "order":
        raise ValidationError(
            N_("Sales order {order} is {status}; nothing is to be made for it."),
            field="sales_order_line",
            order=so.order_number or so.quote_number,
            status=so.status,
        )
    open_qty = line.quantity - line.quantity_delivered
    if open_qty <= 0:
        raise ValidationError(
            N_("Sales order line {line} has nothing left to deliver."),
            field="sales_order_line",
            line=line.line_number,
        )
    due = so.requested_date or so.order_date
    start = parse_date(start_date, field="start_date", label="Start date")
    return create_production_order(
        session=session,
        user=user,
        division=so.division_id,
        item=line.item_id,
        quantity=open_qty,
        start_date=start,
        due_date=due if due is not None and due >= start else start,
        warehouse=warehouse if warehouse not in (None, "") else so.warehouse_id,  # type: ignore[arg-type]
        bom_version=bom_version,
        backflush=backflush,
        sales_order_line=line.id,
        with_sub_orders=with_sub_orders,
        description=f"{so.order_number} / {line.line_number}",
    )


# --- edit while planned ----------------------------------------------------------------------


def set_order_materials(
    *,
    session: Session,
    user: User,
    order: int | str,
    materials: list[OrderMaterialDraft],
) -> list[ProductionOrderMaterial]:
    """Replace a planned order's component lines."""
    lookups = Lookups(session)
    po, div = load_order(session=session, lookups=lookups, user=user, order=order)
    _require_status(po, "planned", doing="edited")
    rows: list[ProductionOrderMaterial] = []
    for n, d in enumerate(materials, start=1):
        where, f = f"Line {n}", f"materials.{n}"
        it = find_item(lookups, div, d.item, field=f"{f}.item")
        if it.id == po.item_id:
            raise ValidationError(
                N_("{where}: the order's own item cannot be its component."),
                field=f"{f}.item",
                where=where,
            )
        qty = _quantity(d.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        scrap = to_decimal(d.scrap_pct, field=f"{f}.scrap_pct", label=f"{where}: scrap")
        if not 0 <= scrap <= HUNDRED:
            raise ValidationError(
                N_("{where}: scrap must be between 0 and 100."),
                field=f"{f}.scrap_pct",
                where=where,
            )
        rows.append(
            ProductionOrderMaterial(
                order_id=po.id or 0,
                line_number=n,
                item_id=it.id or 0,
                quantity=qty,
                scrap_pct=scrap,
            )
        )
    for old in order_materials(session, po.id):
        session.delete(old)
    session.flush()
    session.add_all(rows)
    session.flush()
    return rows


def set_order_operations(
    *,
    session: Session,
    user: User,
    order: int | str,
    operations: list[OrderOperationDraft],
) -> list[ProductionOrderOperation]:
    """Replace a planned order's routing: each step on an open work centre of the
    division (hours, no price) or outsourced to an active supplier (price per unit, no
    hours), sequences above zero and used once."""
    lookups = Lookups(session)
    po, div = load_order(session=session, lookups=lookups, user=user, order=order)
    _require_status(po, "planned", doing="edited")
    decimals = lookups.currency(div.currency_code).decimals
    rows: list[ProductionOrderOperation] = []
    seen: set[int] = set()
    for n, d in enumerate(operations, start=1):
        where, f = f"Operation {n}", f"operations.{n}"
        if (
            isinstance(d.sequence, bool)
            or not isinstance(d.sequence, int)
            or d.sequence <= 0
            or d.sequence in seen
        ):
            raise ValidationError(
                N_("{where}: the sequence must be a whole number above zero, used once."),
                field=f"{f}.sequence",
                where=where,
            )
        seen.add(d.sequence)
        hours = to_decimal(d.planned_hours, field=f"{f}.planned_hours", label=f"{where}: hours")
        price = to_decimal(
            d.outsourced_price, field=f"{f}.outsourced_price", label=f"{where}: price"
        )
        if hours < 0 or price < 0 or price != price.quantize(Decimal(1).scaleb(-decimals)):
            raise ValidationError(
                N_(
                    "{where}: hours and price cannot be negative, and the price has at most "
                    "{decimals} decimals."
                ),
                field=f"{f}.planned_hours" if hours < 0 else f"{f}.outsourced_price",
                where=where,
                decimals=decimals,
            )
        has_centre = d.work_centre not in (None, "")
        if has_centre == (d.supplier not in (None, "")):
            raise ValidationError(
                N_("{where}: name either a work centre or a supplier (outsourced)."),
                field=f"{f}.work_centre",
                where=where,
            )
        # As on the routing (boms.py): an open work centre of the division, an active
        # supplier; a step on a work centre has no price (release would count it as
        # outsourced cost) and an outsourced step no hours (release would ignore them).
        wc_id = supplier_id = None
        if has_centre:
            wc_id = find_work_centre(session, div, d.work_centre, field=f"{f}.work_centre").id  # type: ignore[arg-type]
            if price != 0:
                raise ValidationError(
                    N_("{where}: a step on a work centre has no outsourced price."),
                    field=f"{f}.outsourced_price",
                    where=where,
                )
        else:
            supplier_id = find_supplier(lookups, div, d.supplier, field=f"{f}.supplier").id  # type: ignore[arg-type]
            if hours != 0:
                raise ValidationError(
                    N_("{where}: an outsourced step has a price, not hours on a work centre."),
                    field=f"{f}.planned_hours",
                    where=where,
                )
        rows.append(
            ProductionOrderOperation(
                order_id=po.id or 0,
                sequence=d.sequence,
                description=d.description,
                work_centre_id=wc_id,
                planned_hours=hours,
                supplier_id=supplier_id,
                outsourced_price=price,
            )
        )
    for old in order_operations(session, po.id):
        session.delete(old)
    session.flush()
    session.add_all(rows)
    session.flush()
    return rows


# --- release and cancel ----------------------------------------------------------------------


def unit_cost(session: Session, item: Item) -> Decimal:
    """A component's unit cost as the stock core values it: the standard cost, else the
    moving average, else (never in stock) its last known cost, else its purchase price."""
    if item.cost_method == "standard":
        return item.standard_cost
    v = session.get(StockValuation, item.id)
    if v is not None and v.quantity > 0:
        return v.value / v.quantity
    if v is not None and v.last_unit_cost > 0:
        return v.last_unit_cost
    return item.purchase_price


def release_production_order(
    *, session: Session, user: User, order: int | str, on: date | str
) -> ProductionOrder:
    """Fix the standard per unit (doc §3) and open the order for postings."""
    lookups = Lookups(session)
    po, div = load_order(session=session, lookups=lookups, user=user, order=order)
    _require_status(po, "planned", doing="released")
    released = parse_date(on, field="on", label="Release date")
    materials = order_materials(session, po.id)
    operations = order_operations(session, po.id)
    if not materials and not operations:
        raise ValidationError(
            N_("Production order {order} has no materials and no operations."),
            field="order",
            order=po.number,
        )
    material = labour = machine = outsourced = Decimal(0)
    for m in materials:
        it = session.get(Item, m.item_id)
        assert it is not None
        m.unit_cost = q8(unit_cost(session, it))
        material += m.quantity * m.unit_cost
        session.add(m)
    for op in operations:
        if op.work_centre_id is not None:
            wc = session.get(WorkCentre, op.work_centre_id)
            assert wc is not None
            op.labour_rate, op.machine_rate = wc.labour_rate, wc.machine_rate
            labour += op.planned_hours * op.labour_rate
            machine += op.planned_hours * op.machine_rate
            session.add(op)
        outsourced += op.outsourced_price
    per_unit = Decimal(1) / po.quantity
    po.standard_material = q8(material * per_unit)
    po.standard_labour = q8(labour * per_unit)
    po.standard_machine = q8(machine * per_unit)
    po.standard_outsourced = q8(outsourced)
    scenario = default_cost_scenario(session, div.id or 0)
    overhead = Decimal(0)
    if scenario is not None and scenario.with_surcharges:
        overhead = (
            po.standard_material * scenario.material_surcharge_pct
            + (po.standard_labour + po.standard_machine) * scenario.conversion_surcharge_pct
        ) / HUNDRED
    po.standard_overhead = q8(overhead)
    po.status = "released"
    po.released_on = released
    session.add(po)
    session.flush()
    return po


def cancel_production_order(*, session: Session, user: User, order: int | str) -> ProductionOrder:
    """Cancel a planned or released order on which nothing was posted."""
    lookups = Lookups(session)
    po, _ = load_order(session=session, lookups=lookups, user=user, order=order)
    _require_status(po, "planned", "released", doing="cancelled")
    if has_postings(session, po.id):
        raise ValidationError(
            N_(
                "Production order {order} has postings; close it instead (what is left on it "
                "becomes a variance)."
            ),
            field="order",
            order=po.number,
        )
    po.status = "cancelled"
    session.add(po)
    session.flush()
    return po


__all__ = [
    "OrderMaterialDraft",
    "OrderOperationDraft",
    "cancel_production_order",
    "create_from_sales_order_line",
    "create_production_order",
    "load_order",
    "order_materials",
    "order_operations",
    "release_production_order",
    "set_order_materials",
    "set_order_operations",
    "unit_cost",
    "valid_bom",
]
