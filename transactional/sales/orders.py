"""Quotes and sales orders: entry with prices and stock availability, confirmation,
cancellation, and the salespeople who look after customers.

An order is accepted even when the warehouse cannot cover it: the open quantity is a back
order, and :class:`Shortage` tells the clerk how much is short and whom to buy it from.

Prices without an explicit ``unit_price`` come from the price list
(:func:`transactional.wholesale.prices.price_for`, in the division's currency); for a
customer who is invoiced in another currency that price is converted at the order date's
rate and rounded to the order currency's decimals. A typed ``unit_price`` is in the order
currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional import clock
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import exact_money, round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.coded_records import find_open_record, require_code_free
from transactional.organisation.models import Division, User
from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplyContract
from transactional.relations.models import Relation
from transactional.sales.fulfilment import close_if_done
from transactional.sales.models import (
    CustomerSalesperson,
    SalesOrder,
    SalesOrderLine,
    Salesperson,
)
from transactional.stock.movements import on_hand
from transactional.wholesale.items import find_customer, find_item
from transactional.wholesale.models import Item, Warehouse
from transactional.wholesale.prices import price_for


@dataclass
class SalesLineDraft:
    item: str | int
    quantity: Decimal | str | int
    unit_price: Decimal | str | None = None  # None: the price list
    vat_code: str | None = None
    description: str = ""


@dataclass
class SalesOrderDraft:
    division: str | int
    customer: str | int
    warehouse: str | int
    lines: list[SalesLineDraft]
    order_date: date | str
    salesperson: str | int | None = None  # default: the customer's salesperson
    requested_date: date | str | None = None
    currency: str | None = None  # default: the customer's currency
    customer_reference: str = ""
    description: str = ""


@dataclass(frozen=True)
class Availability:
    on_hand: Decimal
    reserved: Decimal
    available: Decimal


@dataclass(frozen=True)
class Shortage:
    """An item the warehouse cannot cover for an order, and the purchase suggestion."""

    item_id: int
    item_code: str
    warehouse_id: int
    ordered: Decimal
    available: Decimal
    short: Decimal
    supplier_id: int | None
    suggested_quantity: Decimal


@dataclass
class OrderResult:
    order: SalesOrder
    shortages: list[Shortage] = field(default_factory=list)


# ---------------------------------------------------------------------------- salespeople


def create_salesperson(
    *, session: Session, user: User, division: str | int, code: str, name: str
) -> Salesperson:
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_relations", div.id)
    code = str(code or "").strip()
    if not code:
        raise ValidationError(N_("Code is required."), field="code")
    if len(code) > 20:
        raise ValidationError(N_("Code is at most 20 characters."), field="code")
    name = str(name or "").strip()
    if not name:
        raise ValidationError(N_("Name is required."), field="name")
    require_code_free(session, Salesperson, div, code, label="Salesperson")
    person = Salesperson(division_id=div.id, code=code, name=name)
    session.add(person)
    session.flush()
    return person


def assign_salesperson(
    *,
    session: Session,
    user: User,
    customer: Relation | int | str,
    salesperson: Salesperson | int | str,
    division: str | int | None = None,
) -> CustomerSalesperson:
    """Make ``salesperson`` the one who looks after ``customer`` (replacing any other).

    ``customer`` is a relation (or its id); codes need ``division``.
    """
    lookups = Lookups(session)
    if isinstance(customer, Relation):
        customer = customer.id or 0
    if division is None:
        rel = session.get(Relation, customer) if isinstance(customer, int) else None
        if rel is None:
            raise ValidationError(
                N_("Customer {customer} does not exist."), field="customer", customer=customer
            )
        division = rel.division_id
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_relations", div.id)
    cust = find_customer(lookups, div, customer, field="customer")
    ref = salesperson.id or 0 if isinstance(salesperson, Salesperson) else salesperson
    person = find_salesperson(session, div, ref, field="salesperson")
    link = session.get(CustomerSalesperson, cust.id)
    if link is None:
        link = CustomerSalesperson(relation_id=cust.id or 0, salesperson_id=person.id or 0)
    else:
        link.salesperson_id = person.id or 0
    session.add(link)
    session.flush()
    return link


def find_salesperson(
    session: Session, division: Division, ref: int | str, *, field: str
) -> Salesperson:
    return find_open_record(
        session,
        Salesperson,
        division,
        ref,
        label="Salesperson",
        field=field,
    )


# ------------------------------------------------------------------------ availability


def availability(
    session: Session, item_id: int, warehouse_id: int, exclude_order_id: int | None = None
) -> Availability:
    """On hand in the warehouse, reserved by open orders (ordered - delivered on orders in
    status 'order', except ``exclude_order_id``), and what is left."""
    stmt = (
        select(col(SalesOrderLine.quantity), col(SalesOrderLine.quantity_delivered))
        .join(SalesOrder, col(SalesOrderLine.order_id) == SalesOrder.id)
        .where(
            SalesOrderLine.item_id == item_id,
            SalesOrder.warehouse_id == warehouse_id,
            SalesOrder.status == "order",
        )
    )
    if exclude_order_id is not None:
        stmt = stmt.where(SalesOrder.id != exclude_order_id)
    reserved = sum((max(q - d, Decimal(0)) for q, d in session.exec(stmt).all()), Decimal(0))
    have = on_hand(session, item_id, warehouse_id)
    return Availability(on_hand=have, reserved=reserved, available=have - reserved)


def purchase_supplier(session: Session, item_id: int, on: date) -> int | None:
    """Whom to buy the item from: a supply contract valid on the date, else the supplier
    of the item's latest purchase order, else nobody known."""
    contract = session.exec(
        select(SupplyContract)
        .where(
            SupplyContract.item_id == item_id,
            col(SupplyContract.valid_from) <= on,
            col(SupplyContract.valid_to) >= on,
        )
        .order_by(col(SupplyContract.valid_from).desc(), col(SupplyContract.id).desc())
    ).first()
    if contract is not None:
        return contract.relation_id
    last: int | None = session.exec(
        select(PurchaseOrder.relation_id)
        .join(PurchaseOrderLine, col(PurchaseOrderLine.order_id) == PurchaseOrder.id)
        .where(PurchaseOrderLine.item_id == item_id)
        .order_by(col(PurchaseOrder.order_date).desc(), col(PurchaseOrder.id).desc())
    ).first()
    return last


def shortages(session: Session, order: SalesOrder) -> list[Shortage]:
    """Per item of the order: what the warehouse cannot cover for its open quantity."""
    assert order.id is not None
    lines = order_lines(session, order.id)
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for ln in lines:
        wanted[ln.item_id] += ln.quantity - ln.quantity_delivered
    result = []
    for item_id, qty in wanted.items():
        if qty <= 0:
            continue
        avail = availability(session, item_id, order.warehouse_id, exclude_order_id=order.id)
        free = max(avail.available, Decimal(0))
        if qty <= free:
            continue
        item = session.get(Item, item_id)
        short = qty - free
        result.append(
            Shortage(
                item_id=item_id,
                item_code=item.code if item else str(item_id),
                warehouse_id=order.warehouse_id,
                ordered=qty,
                available=avail.available,
                short=short,
                supplier_id=purchase_supplier(
                    session, item_id, order.order_date or order.quote_date or clock.today()
                ),
                suggested_quantity=short,
            )
        )
    return result


# -------------------------------------------------------------------------- documents


def order_lines(session: Session, order_id: int) -> list[SalesOrderLine]:
    return list(
        session.exec(
            select(SalesOrderLine)
            .where(SalesOrderLine.order_id == order_id)
            .order_by(col(SalesOrderLine.line_number))
        ).all()
    )


def load_order(session: Session, order_id: object, *, field: str = "order_id") -> SalesOrder:
    """The order, locked for this transaction on PostgreSQL."""
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        raise ValidationError(
            N_("Sales order '{order_id}' does not exist."), field=field, order_id=order_id
        )
    order = session.exec(
        select(SalesOrder).where(SalesOrder.id == order_id).with_for_update()
    ).first()
    if order is None:
        raise ValidationError(
            N_("Sales order {order_id} does not exist."), field=field, order_id=order_id
        )
    return order


def order_label(order: SalesOrder) -> str:
    return order.order_number or order.quote_number or f"#{order.id}"


def create_quote(*, session: Session, user: User, draft: SalesOrderDraft) -> SalesOrder:
    """Enter a quote: status 'quote', numbered QU<year>-nnnnn, dated ``order_date``."""
    order, _ = _create(session, user, draft, quote=True)
    return order


def create_order(*, session: Session, user: User, draft: SalesOrderDraft) -> OrderResult:
    """Enter a sales order; returns it with the items the warehouse cannot cover."""
    order, _ = _create(session, user, draft, quote=False)
    return OrderResult(order, shortages(session, order))


def confirm_quote(
    *, session: Session, user: User, order_id: int, order_date: date | str
) -> OrderResult:
    """Turn a quote into an order (prices as quoted); returns it with its shortages."""
    order = load_order(session, order_id)
    lookups = Lookups(session)
    lookups.require(user, "sell", order.division_id)
    if order.status != "quote":
        raise ValidationError(
            N_("{order} is not a quote (it is {status})."),
            field="order_id",
            order=order_label(order),
            status=_status_text(order.status),
        )
    on = parse_date(order_date, field="order_date", label="Order date")
    if order.quote_date is not None and on < order.quote_date:
        raise ValidationError(
            N_("The order date {date} is before the quote date {quote_date}."),
            field="order_date",
            date=on.isoformat(),
            quote_date=order.quote_date.isoformat(),
        )
    order.status = "order"
    order.order_date = on
    order.order_number = next_number(session, order.division_id, "sales_order", on.year)
    session.add(order)
    session.flush()
    return OrderResult(order, shortages(session, order))


def cancel_order(*, session: Session, user: User, order_id: int) -> SalesOrder:
    """Cancel what is not delivered. Nothing delivered: the order (or quote) is cancelled;
    partly delivered: each line's quantity drops to what was delivered, and the order closes
    once that is invoiced."""
    order = load_order(session, order_id)
    lookups = Lookups(session)
    lookups.require(user, "sell", order.division_id)
    if order.status not in ("quote", "order"):
        raise ValidationError(
            N_("{order} is {status}; there is nothing to cancel."),
            field="order_id",
            order=order_label(order),
            status=_status_text(order.status),
        )
    lines = order_lines(session, order.id or 0)
    if all(ln.quantity_delivered == 0 for ln in lines):
        order.status = "cancelled"
    else:
        for ln in lines:
            if ln.quantity != ln.quantity_delivered:
                ln.quantity = ln.quantity_delivered
                session.add(ln)
        close_if_done(order, lines)
    session.add(order)
    session.flush()
    return order


def _status_text(status: str) -> str:
    return {"quote": "a quote", "order": "an open order"}.get(status, status)


def _create(
    session: Session, user: User, d: SalesOrderDraft, *, quote: bool
) -> tuple[SalesOrder, list[SalesOrderLine]]:
    lookups = Lookups(session)
    div = lookups.division(d.division)
    assert div.id is not None
    lookups.require(user, "sell", div.id)
    customer = find_customer(lookups, div, d.customer, field="customer")
    if not customer.is_active:
        raise ValidationError(
            N_("Customer {customer} is blocked."),
            field="customer",
            customer=customer.code,
        )
    warehouse = _warehouse(session, div, d.warehouse)
    on = parse_date(d.order_date, field="order_date", label="Order date")
    requested = (
        parse_date(d.requested_date, field="requested_date", label="Requested date")
        if d.requested_date not in (None, "")
        else None
    )
    if requested is not None and requested < on:
        raise ValidationError(
            N_("The requested date {date} is before the order date."),
            field="requested_date",
            date=requested.isoformat(),
        )
    cur = lookups.currency(d.currency or customer.currency_code, field="currency")
    base = lookups.currency(div.currency_code)
    rate = lookups.rate(cur.code, base.code, on, field="currency")
    if d.salesperson not in (None, ""):
        assert d.salesperson is not None
        person_id: int | None = find_salesperson(
            session, div, d.salesperson, field="salesperson"
        ).id
    else:
        link = session.get(CustomerSalesperson, customer.id)
        person_id = link.salesperson_id if link else None
    if not d.lines:
        raise ValidationError(N_("An order needs at least one line."), field="lines")

    lines: list[SalesOrderLine] = []
    for n, ln in enumerate(d.lines, start=1):
        where, prefix = f"Line {n}", f"lines.{n}"
        item = find_item(lookups, div, ln.item, field=f"{prefix}.item")
        if not item.is_active:
            raise ValidationError(
                N_("{where}: item {item} is no longer sold."),
                field=f"{prefix}.item",
                where=where,
                item=item.code,
            )
        qty = to_decimal(ln.quantity, field=f"{prefix}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."),
                field=f"{prefix}.quantity",
                where=where,
            )
        if item.tracking == "serial" and qty != qty.to_integral_value():
            raise ValidationError(
                N_("{where}: item {item} has serial numbers; order whole units."),
                field=f"{prefix}.quantity",
                where=where,
                item=item.code,
            )
        rule_id = None
        if ln.unit_price in (None, ""):
            found = price_for(
                session,
                division=div.id,
                item=item.id or 0,
                customer=customer.id,
                on=on,
                quantity=qty,
            )
            price = round_money(found.unit_price / rate, cur.decimals)
            rule_id = found.rule_id
        else:
            price = to_decimal(ln.unit_price, field=f"{prefix}.unit_price", label=f"{where}: price")
            if price < 0:
                raise ValidationError(
                    N_("{where}: the price cannot be negative."),
                    field=f"{prefix}.unit_price",
                    where=where,
                )
            price = exact_money(
                price,
                cur.decimals,
                currency=cur.code,
                field=f"{prefix}.unit_price",
                label=f"{where}: price",
            )
        vat = None
        if ln.vat_code not in (None, ""):
            vat = lookups.vat_code(str(ln.vat_code), field=f"{prefix}.vat_code").code
        lines.append(
            SalesOrderLine(
                order_id=0,
                line_number=n,
                item_id=item.id or 0,
                description=str(ln.description or "").strip() or item.name,
                quantity=qty,
                unit_price=price,
                price_rule_id=rule_id,
                vat_code=vat,
            )
        )

    order = SalesOrder(
        division_id=div.id,
        status="quote" if quote else "order",
        quote_number=next_number(session, div.id, "quote", on.year) if quote else None,
        order_number=None if quote else next_number(session, div.id, "sales_order", on.year),
        relation_id=customer.id or 0,
        salesperson_id=person_id,
        warehouse_id=warehouse.id or 0,
        currency_code=cur.code,
        quote_date=on if quote else None,
        order_date=None if quote else on,
        requested_date=requested,
        customer_reference=str(d.customer_reference or "").strip(),
        description=str(d.description or "").strip(),
        created_by=user.id or 0,
    )
    session.add(order)
    session.flush()
    for row in lines:
        row.order_id = order.id or 0
    session.add_all(lines)
    session.flush()
    return order, lines


def _warehouse(session: Session, division: Division, ref: int | str) -> Warehouse:
    if not isinstance(ref, int) and not str(ref or "").strip():
        raise ValidationError(N_("Warehouse is required."), field="warehouse")
    stmt = select(Warehouse).where(Warehouse.division_id == division.id)
    stmt = stmt.where(
        Warehouse.id == ref if isinstance(ref, int) else Warehouse.code == str(ref).strip()
    )
    found = session.exec(stmt).first()
    if found is None:
        raise ValidationError(
            N_("Warehouse {ref} does not exist in division {division}."),
            field="warehouse",
            ref=ref,
            division=division.code,
        )
    if not found.is_active:
        raise ValidationError(N_("Warehouse {code} is closed."), field="warehouse", code=found.code)
    return found
