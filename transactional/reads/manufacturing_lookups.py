"""What the manufacturing forms read: the items a division makes, its production orders
by status with their materials and operations, sales order lines a product could be made
for, and the open advice of the latest MRP run.

Read-only, like :mod:`transactional.reads.wholesale_lookups` (same read engine, rolled
back, never a commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import col, select

from transactional.manufacturing.models import (
    ItemPlanning,
    MrpAdvice,
    MrpRun,
    ProductionOrder,
    ProductionOrderMaterial,
    ProductionOrderOperation,
    WorkCentre,
)
from transactional.reads.master_data import Choice
from transactional.reads.master_data import _reading as reading
from transactional.relations.models import Relation
from transactional.sales.models import SalesOrder, SalesOrderLine
from transactional.wholesale.models import Item, Warehouse


@dataclass(frozen=True)
class OrderView:
    """A production order as the forms offer it."""

    id: int
    number: str
    status: str
    item_code: str
    item_name: str
    quantity: Decimal
    quantity_completed: Decimal
    start_date: date
    due_date: date
    backflush: bool
    tracking: str  # the product's: 'none', 'lot' or 'serial'


@dataclass(frozen=True)
class MaterialView:
    id: int
    line_number: int
    item_code: str
    item_name: str
    tracking: str
    quantity: Decimal
    issued: Decimal
    scrap_pct: Decimal


@dataclass(frozen=True)
class OperationView:
    sequence: int
    description: str
    work_centre: str
    planned_hours: Decimal
    labour_hours: Decimal
    machine_hours: Decimal
    outsourced: bool
    supplier: str  # the outsourced step's supplier code, '' on a work centre
    outsourced_price: Decimal  # per product unit


@dataclass(frozen=True)
class SalesLineChoice:
    """A sales order line of a made item with something left to deliver."""

    id: int
    order_number: str
    line_number: int
    customer: str
    item_code: str
    open_quantity: Decimal
    wanted: date | None  # the requested date, else the order date


@dataclass(frozen=True)
class AdviceView:
    id: int
    action: str
    item_code: str
    quantity: Decimal
    order_date: date
    due_date: date


def made_items(division_id: int) -> list[Choice]:
    """The division's active items planned as *make*, by code."""
    with reading() as s:
        rows = s.exec(
            select(Item)
            .join(ItemPlanning, col(ItemPlanning.item_id) == Item.id)
            .where(
                Item.division_id == division_id,
                col(Item.is_active),
                ItemPlanning.supply == "make",
            )
            .order_by(col(Item.code))
        ).all()
        return [Choice(i.code, f"{i.code} · {i.name}") for i in rows]


def orders(division_id: int, statuses: tuple[str, ...]) -> list[OrderView]:
    """The division's production orders in ``statuses``, by number."""
    with reading() as s:
        rows = s.exec(
            select(ProductionOrder, Item)
            .join(Item, col(Item.id) == ProductionOrder.item_id)
            .where(
                ProductionOrder.division_id == division_id,
                col(ProductionOrder.status).in_(statuses),
            )
            .order_by(col(ProductionOrder.number))
        ).all()
        return [
            OrderView(
                po.id or 0,
                po.number,
                po.status,
                it.code,
                it.name,
                po.quantity,
                po.quantity_completed,
                po.start_date,
                po.due_date,
                po.backflush,
                it.tracking,
            )
            for po, it in rows
        ]


def materials(order_id: int) -> list[MaterialView]:
    with reading() as s:
        rows = s.exec(
            select(ProductionOrderMaterial, Item)
            .join(Item, col(Item.id) == ProductionOrderMaterial.item_id)
            .where(ProductionOrderMaterial.order_id == order_id)
            .order_by(col(ProductionOrderMaterial.line_number))
        ).all()
        return [
            MaterialView(
                m.id or 0,
                m.line_number,
                it.code,
                it.name,
                it.tracking,
                m.quantity,
                m.quantity_issued,
                m.scrap_pct,
            )
            for m, it in rows
        ]


def operations(order_id: int) -> list[OperationView]:
    with reading() as s:
        rows = s.exec(
            select(ProductionOrderOperation)
            .where(ProductionOrderOperation.order_id == order_id)
            .order_by(col(ProductionOrderOperation.sequence))
        ).all()
        centres = {w.id: w.code for w in s.exec(select(WorkCentre)).all()}
        suppliers = {
            r.id: r.code
            for r in s.exec(
                select(Relation).where(
                    col(Relation.id).in_({op.supplier_id for op in rows if op.supplier_id})
                )
            ).all()
        }
        return [
            OperationView(
                op.sequence,
                op.description,
                centres.get(op.work_centre_id, "") if op.work_centre_id else "",
                op.planned_hours,
                op.labour_hours,
                op.machine_hours,
                op.supplier_id is not None,
                suppliers.get(op.supplier_id, "") if op.supplier_id else "",
                op.outsourced_price,
            )
            for op in rows
        ]


def open_sales_lines(division_id: int) -> list[SalesLineChoice]:
    """Lines of the division's open sales orders for items it makes, with a quantity left
    to deliver."""
    with reading() as s:
        rows = s.exec(
            select(SalesOrderLine, SalesOrder, Item, Relation)
            .join(SalesOrder, col(SalesOrder.id) == SalesOrderLine.order_id)
            .join(Item, col(Item.id) == SalesOrderLine.item_id)
            .join(ItemPlanning, col(ItemPlanning.item_id) == Item.id)
            .join(Relation, col(Relation.id) == SalesOrder.relation_id)
            .where(
                SalesOrder.division_id == division_id,
                SalesOrder.status == "order",
                ItemPlanning.supply == "make",
                col(SalesOrderLine.quantity) > col(SalesOrderLine.quantity_delivered),
            )
            .order_by(col(SalesOrder.order_number), col(SalesOrderLine.line_number))
        ).all()
        return [
            SalesLineChoice(
                ln.id or 0,
                so.order_number or "",
                ln.line_number,
                r.code,
                it.code,
                ln.quantity - ln.quantity_delivered,
                so.requested_date or so.order_date,
            )
            for ln, so, it, r in rows
        ]


def warehouses(division_id: int) -> list[Choice]:
    with reading() as s:
        rows = s.exec(
            select(Warehouse)
            .where(Warehouse.division_id == division_id, col(Warehouse.is_active))
            .order_by(col(Warehouse.code))
        ).all()
        return [Choice(w.code, f"{w.code} · {w.name}") for w in rows]


def latest_run(division_id: int) -> MrpRun | None:
    with reading() as s:
        run = s.exec(
            select(MrpRun)
            .where(MrpRun.division_id == division_id)
            .order_by(col(MrpRun.run_at).desc(), col(MrpRun.id).desc())
        ).first()
        if run is not None:
            s.expunge(run)
        return run


def open_advice(division_id: int) -> list[AdviceView]:
    """The open advice of the division's latest MRP run, by order date."""
    run = latest_run(division_id)
    if run is None:
        return []
    with reading() as s:
        rows = s.exec(
            select(MrpAdvice, Item)
            .join(Item, col(Item.id) == MrpAdvice.item_id)
            .where(MrpAdvice.run_id == run.id, MrpAdvice.status == "open")
            .order_by(col(MrpAdvice.order_date), col(Item.code), col(MrpAdvice.id))
        ).all()
        return [
            AdviceView(a.id or 0, a.action, it.code, a.quantity, a.order_date, a.due_date)
            for a, it in rows
        ]
