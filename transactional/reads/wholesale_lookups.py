"""What the wholesale clerk forms read: items, warehouses, open orders and their lines,
the price and stock a sales-order line would get, delivered lines to take back, and the
stock on hand in a warehouse (to transfer or count).

Read-only, like :mod:`transactional.reads.master_data` (same read engine, rolled back, never a
commit). Prices and availability come from the services' own read functions
(``wholesale.prices.price_for``, ``sales.orders.availability``), so the form shows what
the order will get.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlmodel import Session, col, select

from transactional import clock
from transactional.errors import DomainError
from transactional.money import to_decimal
from transactional.organisation import rights
from transactional.organisation.models import Division, User
from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine
from transactional.reads.master_data import Choice, DivisionChoice
from transactional.reads.master_data import _reading as reading
from transactional.relations.models import Relation
from transactional.sales.fulfilment import billable
from transactional.sales.models import (
    CustomerSalesperson,
    Delivery,
    DeliveryLine,
    SalesOrder,
    SalesOrderLine,
    Salesperson,
    SalesReturnLine,
)
from transactional.stock.models import StockLevel, StockLot, StockLotLevel
from transactional.wholesale.models import Item, Warehouse


@dataclass(frozen=True)
class ItemChoice:
    id: int
    code: str
    name: str
    unit: str
    tracking: str  # 'none', 'lot' or 'serial'


@dataclass(frozen=True)
class OrderChoice:
    """An open sales or purchase order to pick from."""

    id: int
    number: str
    relation: str  # the customer's or supplier's code and name
    order_date: date | None


@dataclass(frozen=True)
class OrderLineView:
    """One line of a sales or purchase order with its quantities so far.

    ``done`` is delivered (sales) or received (purchase); ``open`` what is still to
    deliver or receive; ``billable`` what was delivered/received and kept but is not
    invoiced yet.
    """

    id: int
    line_number: int
    item_code: str
    item_name: str
    tracking: str
    ordered: Decimal
    done: Decimal
    returned: Decimal
    invoiced: Decimal
    open: Decimal
    billable: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class InvoiceableLine:
    """A received purchase-order line of a supplier with units not invoiced yet."""

    id: int
    order_number: str
    line_number: int
    item_code: str
    item_name: str
    currency_code: str
    received: Decimal
    returned: Decimal
    invoiced: Decimal
    open: Decimal
    order_price: Decimal


@dataclass(frozen=True)
class LinePreview:
    """What a sales-order grid row would get: the price and why, and the stock.

    ``error`` holds the service's message when the row cannot be priced (unknown item,
    quantity not a number...); the other fields are then empty.
    """

    row: int
    item_code: str
    quantity: str
    item_name: str = ""
    unit_price: Decimal | None = None
    price_source: str = ""
    on_hand: Decimal | None = None
    reserved: Decimal | None = None
    available: Decimal | None = None
    short: Decimal = Decimal(0)
    supplier: str = ""
    error: str = ""


@dataclass(frozen=True)
class DeliveredLineView:
    """One delivery line of a sales order and how much of it can still come back.

    ``lot`` is the lot or serial number it shipped ('' for untracked items), with its
    ``expiry_date`` (None: untracked, or a lot without one).
    """

    id: int
    delivery_number: str
    delivery_date: date
    line_number: int
    item_code: str
    item_name: str
    tracking: str
    lot: str
    delivered: Decimal
    returned: Decimal
    returnable: Decimal
    expiry_date: date | None = None


@dataclass(frozen=True)
class StockRow:
    """What the system has on hand of an item (per lot or serial if tracked) in a warehouse;
    ``expiry_date`` is the lot's (None: untracked, or a lot without one)."""

    item_code: str
    item_name: str
    tracking: str
    lot: str
    quantity: Decimal
    expiry_date: date | None = None


@dataclass(frozen=True)
class StockPreview:
    """The stock a transfer or count row concerns, read before anything is posted.

    ``on_hand`` is the item's quantity in the warehouse; ``lot_on_hand`` that of the typed
    lot or serial number (None when none was typed or the item is not tracked).
    ``error`` holds the service's message when the item is unknown.
    """

    row: int
    item_code: str
    lot: str
    item_name: str = ""
    tracking: str = ""
    on_hand: Decimal | None = None
    lot_on_hand: Decimal | None = None
    error: str = ""


def _user(session: Session, user_id: int | None) -> User | None:
    return None if user_id is None else session.get(User, user_id)


def user_divisions(user_id: int | None, action: str) -> list[DivisionChoice]:
    """The active divisions the acting user may do ``action`` in (all without a user:
    the service then asks for one)."""
    with reading() as s:
        rows = s.exec(
            select(Division).where(col(Division.is_active)).order_by(col(Division.id))
        ).all()
        user = _user(s, user_id)
        if user is not None:
            rows = [d for d in rows if rights.can(s, user, action, d.id)]
        return [DivisionChoice(d.id or 0, d.code, d.name, d.currency_code) for d in rows]


_Active = TypeVar("_Active", Item, Warehouse, Salesperson)


def _active(s: Session, model: type[_Active], division_id: int) -> list[_Active]:
    """The division's items, warehouses or salespeople still open for new documents."""
    rows = s.exec(
        select(model)
        .where(model.division_id == division_id, col(model.is_active))
        .order_by(col(model.code))
    ).all()
    return list(rows)


def items(division_id: int) -> dict[str, ItemChoice]:
    """Active items of the division by code."""
    with reading() as s:
        rows = _active(s, Item, division_id)
        return {i.code: ItemChoice(i.id or 0, i.code, i.name, i.unit, i.tracking) for i in rows}


def warehouses(division_id: int) -> list[Choice]:
    with reading() as s:
        return [Choice(w.code, f"{w.code} · {w.name}") for w in _active(s, Warehouse, division_id)]


def salespeople(division_id: int) -> list[Choice]:
    with reading() as s:
        return [
            Choice(p.code, f"{p.code} · {p.name}") for p in _active(s, Salesperson, division_id)
        ]


def customer_salesperson(division_id: int, customer_code: str | None) -> str | None:
    """The code of the salesperson who looks after the customer, if any."""
    if not customer_code:
        return None
    with reading() as s:
        found: str | None = s.exec(
            select(Salesperson.code)
            .join(CustomerSalesperson, col(CustomerSalesperson.salesperson_id) == Salesperson.id)
            .join(Relation, col(Relation.id) == CustomerSalesperson.relation_id)
            .where(Relation.division_id == division_id, Relation.code == customer_code)
        ).first()
        return found


def preview_lines(
    *,
    division_id: int,
    customer: str | None,
    warehouse: str | None,
    on: date | None,
    rows: Iterable[tuple[int, str, str, str]],
) -> list[LinePreview]:
    """Price (``price_for``) and stock (``orders.availability``) per grid row.

    ``rows`` are (grid row, item code, quantity, price override) as typed. The price is
    in the division's currency; an override is shown as typed.
    """
    from transactional.sales.orders import availability, purchase_supplier
    from transactional.wholesale.prices import price_for

    result = []
    with reading() as s:
        wh = (
            s.exec(
                select(Warehouse).where(
                    Warehouse.division_id == division_id, Warehouse.code == (warehouse or "")
                )
            ).first()
            if warehouse
            else None
        )
        # The quantity already asked for per item on earlier rows of the same order.
        asked: dict[int, Decimal] = {}
        for row, item_code, quantity, override in rows:
            base = LinePreview(row=row, item_code=item_code, quantity=quantity)
            try:
                found = price_for(
                    s,
                    division=division_id,
                    item=item_code,
                    customer=customer or None,
                    on=on or clock.today(),
                    quantity=quantity or "1",
                )
            except DomainError as err:
                result.append(_with(base, error=f"Row {row}: {err.message}"))
                continue
            item = s.exec(
                select(Item).where(Item.division_id == division_id, Item.code == item_code)
            ).one()
            view = _with(
                base,
                item_name=item.name,
                unit_price=found.unit_price,
                price_source=found.explanation,
            )
            if override:
                view = _with(view, price_source=f"Price typed by the clerk ({override}).")
            if wh is not None and item.id is not None:
                avail = availability(s, item.id, wh.id or 0)
                qty = to_decimal(quantity or "1", field="quantity", label="Quantity")
                wanted = asked.get(item.id, Decimal(0)) + qty
                asked[item.id] = wanted
                short = wanted - max(avail.available, Decimal(0))
                supplier = ""
                if short > 0:
                    supplier_id = purchase_supplier(s, item.id, on or clock.today())
                    rel = s.get(Relation, supplier_id) if supplier_id is not None else None
                    supplier = f"{rel.code} ({rel.name})" if rel is not None else ""
                view = _with(
                    view,
                    on_hand=avail.on_hand,
                    reserved=avail.reserved,
                    available=avail.available,
                    short=max(short, Decimal(0)),
                    supplier=supplier,
                )
            result.append(view)
    return result


def _with(view: LinePreview, **changes: object) -> LinePreview:
    return replace(view, **changes)  # type: ignore[arg-type]


_Order = TypeVar("_Order", SalesOrder, PurchaseOrder)


def _orders_in_status(
    s: Session, model: type[_Order], division_id: int, status: str
) -> list[tuple[_Order, Relation]]:
    """The division's orders in ``status`` with their customer or supplier, oldest first."""
    rows = s.exec(
        select(model, Relation)
        .join(Relation, col(Relation.id) == model.relation_id)
        .where(model.division_id == division_id, model.status == status)
        .order_by(col(model.order_date), col(model.id))
    ).all()
    return list(rows)


def _order_choice(
    order_id: int | None, number: str | None, relation: Relation, order_date: date | None
) -> OrderChoice:
    """An order as the forms offer it (dashboards.forms.pick_labels words it)."""
    return OrderChoice(order_id or 0, number or "", f"{relation.code} {relation.name}", order_date)


def open_sales_orders(division_id: int) -> list[OrderChoice]:
    """Orders (status 'order') of the division with something to deliver or invoice."""
    with reading() as s:
        return [
            _order_choice(o.id, o.order_number, r, o.order_date)
            for o, r in _orders_in_status(s, SalesOrder, division_id, "order")
        ]


_OrderLine = TypeVar("_OrderLine", SalesOrderLine, PurchaseOrderLine)


def _lines_with_items(
    s: Session, model: type[_OrderLine], order_id: int
) -> list[tuple[_OrderLine, Item]]:
    rows = s.exec(
        select(model, Item)
        .join(Item, col(Item.id) == model.item_id)
        .where(model.order_id == order_id)
        .order_by(col(model.line_number))
    ).all()
    return list(rows)


def _line_view(
    ln: SalesOrderLine | PurchaseOrderLine,
    it: Item,
    *,
    done: Decimal,
    invoiced: Decimal,
    to_bill: Decimal,
) -> OrderLineView:
    """A sales or purchase order line as the forms show it; ``done`` is what was
    delivered or received, the rest of the line reads alike on both sides."""
    return OrderLineView(
        id=ln.id or 0,
        line_number=ln.line_number,
        item_code=it.code,
        item_name=ln.description or it.name,
        tracking=it.tracking,
        ordered=ln.quantity,
        done=done,
        returned=ln.quantity_returned,
        invoiced=invoiced,
        open=ln.quantity - done,
        billable=to_bill,
        unit_price=ln.unit_price,
    )


def sales_order_lines(order_id: int) -> list[OrderLineView]:
    with reading() as s:
        return [
            _line_view(
                ln,
                it,
                done=ln.quantity_delivered,
                invoiced=ln.quantity_invoiced - ln.quantity_credited,
                # The invoicing service's own rule, so the form never offers more.
                to_bill=billable(ln),
            )
            for ln, it in _lines_with_items(s, SalesOrderLine, order_id)
        ]


def open_purchase_orders(division_id: int) -> list[OrderChoice]:
    """Open purchase orders of the division."""
    with reading() as s:
        return [
            _order_choice(o.id, o.number, r, o.order_date)
            for o, r in _orders_in_status(s, PurchaseOrder, division_id, "open")
        ]


def purchase_order_lines(order_id: int) -> list[OrderLineView]:
    with reading() as s:
        return [
            _line_view(
                ln,
                it,
                done=ln.quantity_received,
                invoiced=ln.quantity_invoiced,
                to_bill=ln.quantity_not_invoiced,
            )
            for ln, it in _lines_with_items(s, PurchaseOrderLine, order_id)
        ]


def invoiceable_purchase_lines(division_id: int, supplier_code: str) -> list[InvoiceableLine]:
    """The supplier's purchase-order lines with units received and not invoiced yet."""
    with reading() as s:
        rows = s.exec(
            select(PurchaseOrderLine, PurchaseOrder, Item)
            .join(PurchaseOrder, col(PurchaseOrder.id) == PurchaseOrderLine.order_id)
            .join(Relation, col(Relation.id) == PurchaseOrder.relation_id)
            .join(Item, col(Item.id) == PurchaseOrderLine.item_id)
            .where(
                PurchaseOrder.division_id == division_id,
                Relation.code == supplier_code,
                PurchaseOrder.status != "cancelled",
            )
            .order_by(
                col(PurchaseOrder.order_date),
                col(PurchaseOrder.id),
                col(PurchaseOrderLine.line_number),
            )
        ).all()
        result = []
        for ln, po, it in rows:
            open_qty = ln.quantity_not_invoiced
            if open_qty <= 0:
                continue
            result.append(
                InvoiceableLine(
                    id=ln.id or 0,
                    order_number=po.number,
                    line_number=ln.line_number,
                    item_code=it.code,
                    item_name=ln.description or it.name,
                    currency_code=po.currency_code,
                    received=ln.quantity_received,
                    returned=ln.quantity_returned,
                    invoiced=ln.quantity_invoiced,
                    open=open_qty,
                    order_price=ln.unit_price,
                )
            )
        return result


def returnable_sales_orders(division_id: int) -> list[OrderChoice]:
    """Orders of the division with delivered goods not all returned yet, newest first."""
    with reading() as s:
        goods_out = select(SalesOrderLine.order_id).where(
            col(SalesOrderLine.quantity_delivered) > col(SalesOrderLine.quantity_returned)
        )
        orders = s.exec(
            select(SalesOrder, Relation)
            .join(Relation, col(Relation.id) == SalesOrder.relation_id)
            .where(
                SalesOrder.division_id == division_id,
                col(SalesOrder.status).in_(("order", "closed")),
                col(SalesOrder.id).in_(goods_out),
            )
            .order_by(col(SalesOrder.order_date).desc(), col(SalesOrder.id).desc())
        ).all()
        return [_order_choice(o.id, o.order_number, r, o.order_date) for o, r in orders]


def delivered_lines(order_id: int) -> list[DeliveredLineView]:
    """The delivery lines of an order, oldest delivery first, with what came back of them."""
    with reading() as s:
        rows = s.exec(
            select(DeliveryLine, Delivery, SalesOrderLine, Item)
            .join(Delivery, col(Delivery.id) == DeliveryLine.delivery_id)
            .join(SalesOrderLine, col(SalesOrderLine.id) == DeliveryLine.order_line_id)
            .join(Item, col(Item.id) == DeliveryLine.item_id)
            .where(Delivery.order_id == order_id)
            .order_by(col(Delivery.delivery_date), col(Delivery.id), col(DeliveryLine.id))
        ).all()
        ids = [dl.id for dl, _, _, _ in rows]
        returned: dict[int, Decimal] = defaultdict(Decimal)
        for line_id, quantity in s.exec(
            select(col(SalesReturnLine.delivery_line_id), col(SalesReturnLine.quantity)).where(
                col(SalesReturnLine.delivery_line_id).in_(ids)
            )
        ).all():
            returned[line_id] += quantity
        lot_ids = {dl.lot_id for dl, _, _, _ in rows if dl.lot_id is not None}
        lots = {
            lot.id: lot
            for lot in s.exec(select(StockLot).where(col(StockLot.id).in_(lot_ids))).all()
        }
        result = []
        for dl, delivery, line, item in rows:
            back = returned.get(dl.id or 0, Decimal(0))
            lot = lots.get(dl.lot_id) if dl.lot_id is not None else None
            result.append(
                DeliveredLineView(
                    id=dl.id or 0,
                    delivery_number=delivery.number,
                    delivery_date=delivery.delivery_date,
                    line_number=line.line_number,
                    item_code=item.code,
                    item_name=line.description or item.name,
                    tracking=item.tracking,
                    lot=lot.number if lot is not None else "",
                    delivered=dl.quantity,
                    returned=back,
                    returnable=dl.quantity - back,
                    expiry_date=lot.expiry_date if lot is not None else None,
                )
            )
        return result


def _warehouse(s: Session, division_id: int, code: str | None) -> Warehouse | None:
    if not code:
        return None
    found: Warehouse | None = s.exec(
        select(Warehouse).where(Warehouse.division_id == division_id, Warehouse.code == code)
    ).first()
    return found


def stock_on_hand(division_id: int, warehouse: str | None) -> list[StockRow]:
    """Everything the system has in the warehouse (not zero), by item code: untracked items
    per item, tracked items per lot or serial number."""
    with reading() as s:
        wh = _warehouse(s, division_id, warehouse)
        if wh is None:
            return []
        plain = s.exec(
            select(Item, col(StockLevel.quantity))
            .join(StockLevel, col(StockLevel.item_id) == Item.id)
            .where(
                StockLevel.warehouse_id == wh.id,
                col(StockLevel.quantity) != 0,
                Item.tracking == "none",
            )
        ).all()
        tracked = s.exec(
            select(
                Item, col(StockLot.number), col(StockLotLevel.quantity), col(StockLot.expiry_date)
            )
            .join(StockLot, col(StockLot.item_id) == Item.id)
            .join(StockLotLevel, col(StockLotLevel.lot_id) == StockLot.id)
            .where(StockLotLevel.warehouse_id == wh.id, col(StockLotLevel.quantity) != 0)
        ).all()
        rows = [StockRow(i.code, i.name, i.tracking, "", q) for i, q in plain] + [
            StockRow(i.code, i.name, i.tracking, lot, q, expiry) for i, lot, q, expiry in tracked
        ]
        return sorted(rows, key=lambda r: (r.item_code, r.lot))


def stock_preview(
    *, division_id: int, warehouse: str | None, rows: Iterable[tuple[int, str, str]]
) -> list[StockPreview]:
    """The stock of each typed (grid row, item code, lot or serial) in the warehouse, as the
    stock services read it (``movements.on_hand``, ``counts.system_quantity``)."""
    from transactional.finance.lookups import Lookups
    from transactional.stock.counts import system_quantity
    from transactional.stock.movements import on_hand
    from transactional.wholesale.items import find_item

    result = []
    with reading() as s:
        lookups = Lookups(s)
        division = s.get(Division, division_id)
        wh = _warehouse(s, division_id, warehouse)
        for row, item_code, lot in rows:
            base = StockPreview(row=row, item_code=item_code, lot=lot)
            try:
                assert division is not None
                item = find_item(lookups, division, item_code)
            except DomainError as err:
                result.append(replace(base, error=f"Row {row}: {err.message}"))
                continue
            view = replace(base, item_name=item.name, tracking=item.tracking)
            if wh is not None:
                lot_qty = (
                    system_quantity(s, item, wh, lot) if item.tracking != "none" and lot else None
                )
                view = replace(view, on_hand=on_hand(s, item.id or 0, wh.id), lot_on_hand=lot_qty)
            result.append(view)
    return result
