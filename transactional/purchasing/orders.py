"""Purchase orders: lines priced from a valid supply contract or the item's purchase
price, promised dates from the contract's lead time; cancel and close.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import Division, User
from transactional.purchasing.contracts import (
    PRICE_DECIMALS,
    draw,
    find_contract,
    find_supplier,
)
from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplyContract
from transactional.stock.tracking import qty_text
from transactional.wholesale.items import find_item, find_warehouse

DEFAULT_LEAD_DAYS = 14


@dataclass
class PurchaseLineDraft:
    item: str | int
    quantity: Decimal | str
    unit_price: Decimal | str | None = None  # None: a valid contract's, else the item's
    promised_date: date | str | None = None
    contract: str | int | None = None  # number or id; None: any valid contract


@dataclass
class PurchaseOrderDraft:
    division: str | int
    supplier: str | int
    warehouse: str | int
    order_date: date | str
    lines: list[PurchaseLineDraft] = field(default_factory=list)
    promised_date: date | str | None = None
    currency: str | None = None  # default: the supplier's
    description: str = ""


def create_purchase_order(
    *, session: Session, user: User, draft: PurchaseOrderDraft
) -> PurchaseOrder:
    lookups = Lookups(session)
    div = lookups.division(draft.division)
    assert div.id is not None
    lookups.require(user, "purchase", div.id)
    supplier = find_supplier(lookups, div, draft.supplier)
    wh = find_warehouse(session, div, draft.warehouse)
    on = parse_date(draft.order_date, field="order_date", label="Order date")
    cur = lookups.currency(draft.currency or supplier.currency_code, field="currency")
    order_promised = (
        parse_date(draft.promised_date, field="promised_date", label="Promised date")
        if draft.promised_date not in (None, "")
        else None
    )
    if order_promised is not None and order_promised < on:
        raise ValidationError(
            N_("The promised date cannot be before the order date."), field="promised_date"
        )
    if not draft.lines:
        raise ValidationError(N_("A purchase order needs at least one line."), field="lines")
    lines: list[PurchaseOrderLine] = []
    for n, ln in enumerate(draft.lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        item = find_item(lookups, div, ln.item, field=f"{f}.item")
        if not item.is_active:
            raise ValidationError(
                N_("{where}: item {item} is blocked."),
                field=f"{f}.item",
                where=where,
                item=item.code,
            )
        qty = to_decimal(ln.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."), field=f"{f}.quantity", where=where
            )
        contract = find_contract(
            session, div, supplier, item, on, ln.contract, field=f"{f}.contract"
        )
        price = _price(lookups, div, ln, contract, cur.code, on, where=where, field=f)
        if contract is not None:
            draw(contract, qty, where=where, field=f"{f}.quantity")
            session.add(contract)
        lead = contract.lead_time_days if contract is not None else DEFAULT_LEAD_DAYS
        promised = (
            parse_date(ln.promised_date, field=f"{f}.promised_date", label=f"{where}: promised")
            if ln.promised_date not in (None, "")
            else order_promised or on + timedelta(days=lead)
        )
        if promised < on:
            raise ValidationError(
                N_("{where}: the promised date cannot be before the order date."),
                field=f"{f}.promised_date",
                where=where,
            )
        lines.append(
            PurchaseOrderLine(
                order_id=0,
                line_number=n,
                item_id=item.id or 0,
                description=item.name,
                quantity=qty,
                unit_price=price,
                supply_contract_id=contract.id if contract is not None else None,
                promised_date=promised,
            )
        )
    order = PurchaseOrder(
        division_id=div.id,
        number=next_number(session, div.id, "purchase_order", on.year),
        relation_id=supplier.id or 0,
        warehouse_id=wh.id or 0,
        currency_code=cur.code,
        order_date=on,
        promised_date=order_promised or max(x.promised_date for x in lines),
        description=draft.description,
        created_by=user.id or 0,
    )
    session.add(order)
    session.flush()
    for line in lines:
        line.order_id = order.id or 0
    session.add_all(lines)
    session.flush()
    return order


def _price(
    lookups: Lookups,
    div: Division,
    ln: PurchaseLineDraft,
    contract: SupplyContract | None,
    currency: str,
    on: date,
    *,
    where: str,
    field: str,
) -> Decimal:
    """The order-currency unit price: given, the contract's, else the item's purchase
    price (base currency) converted at the order date's rate."""
    if ln.unit_price not in (None, ""):
        price = to_decimal(ln.unit_price, field=f"{field}.unit_price", label=f"{where}: price")
        if price < 0:
            raise ValidationError(
                N_("{where}: the unit price cannot be negative."),
                field=f"{field}.unit_price",
                where=where,
            )
        return round_money(price, PRICE_DECIMALS)
    if contract is not None:
        if contract.currency_code != currency:
            raise ValidationError(
                N_(
                    "{where}: supply contract {contract} is in {contract_currency}, the order in "
                    "{currency}; enter the unit price."
                ),
                field=f"{field}.unit_price",
                where=where,
                contract=contract.number,
                contract_currency=contract.currency_code,
                currency=currency,
            )
        return contract.unit_price
    item = find_item(lookups, div, ln.item, field=f"{field}.item")
    rate = lookups.rate(currency, div.currency_code, on, field="order_date")
    return round_money(item.purchase_price / rate, PRICE_DECIMALS)


def _open_order(session: Session, user: User, order_id: int, action: str) -> PurchaseOrder:
    order = session.get(PurchaseOrder, order_id, with_for_update=True)
    if order is None:
        raise ValidationError(
            N_("Purchase order {order_id} does not exist."), field="order", order_id=order_id
        )
    Lookups(session).require(user, action, order.division_id)
    if order.status != "open":
        raise ValidationError(
            N_("Purchase order {order} is {status}."),
            field="order",
            order=order.number,
            status=order.status,
        )
    return order


def order_lines(session: Session, order_id: int | None) -> list[PurchaseOrderLine]:
    return list(
        session.exec(
            select(PurchaseOrderLine)
            .where(PurchaseOrderLine.order_id == order_id)
            .order_by(PurchaseOrderLine.line_number)  # type: ignore[arg-type]
        ).all()
    )


def cancel_purchase_order(*, session: Session, user: User, order_id: int) -> PurchaseOrder:
    """Cancel an order nothing was received on; its lines give their contract volume back."""
    order = _open_order(session, user, order_id, "purchase")
    lines = order_lines(session, order.id)
    received = [ln for ln in lines if ln.quantity_received > 0]
    if received:
        raise ValidationError(
            N_(
                "Purchase order {order}: line {line_number} was received ({quantity_received}); "
                "close the order instead."
            ),
            field="order",
            order=order.number,
            line_number=received[0].line_number,
            quantity_received=qty_text(received[0].quantity_received),
        )
    for ln in lines:
        _release(session, ln, ln.quantity)
    order.status = "cancelled"
    session.add(order)
    session.flush()
    return order


def close_purchase_order(*, session: Session, user: User, order_id: int) -> PurchaseOrder:
    """Stop waiting for what is not received: no more receipts; received goods can still
    be invoiced or returned. The units never received give their contract volume back."""
    order = _open_order(session, user, order_id, "purchase")
    for ln in order_lines(session, order.id):
        _release(session, ln, ln.quantity - ln.quantity_received)
    order.status = "closed"
    session.add(order)
    session.flush()
    return order


def _release(session: Session, line: PurchaseOrderLine, quantity: Decimal) -> None:
    if line.supply_contract_id is None or quantity <= 0:
        return
    contract = session.get(SupplyContract, line.supply_contract_id, with_for_update=True)
    if contract is not None:
        contract.quantity_ordered -= quantity
        session.add(contract)
