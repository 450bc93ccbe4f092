"""Invoicing sales orders: bill what was delivered and kept, at the order price.

Per order line, invoiced - credited <= delivered - returned. The invoice is a finance
sales invoice (receivables against the item's revenue account and output VAT) whose lines
point back at the order lines they bill. An order closes once everything ordered is
delivered and everything kept is invoiced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoices
from transactional.finance.lookups import Lookups
from transactional.finance.models import Invoice
from transactional.money import to_decimal
from transactional.organisation.models import User
from transactional.sales.fulfilment import billable, close_if_done
from transactional.sales.models import SalesOrder, SalesOrderLine
from transactional.sales.orders import load_order, order_label, order_lines
from transactional.wholesale.models import Item


@dataclass
class OrderInvoiceRequest:
    """One invoice of a batch: the order, the date, and optionally which quantities."""

    order_id: int
    invoice_date: date | str
    quantities: dict[int, Decimal | str | int] | None = None


def revenue_line(
    lookups: Lookups,
    order: SalesOrder,
    line: SalesOrderLine,
    quantity: Decimal,
    description: str = "",
) -> InvoiceLineDraft:
    """The invoice (or credit-note) line billing ``quantity`` units of an order line: on
    the item's revenue account, else on the division's account for goods revenue."""
    item = lookups.session.get(Item, line.item_id)
    assert item is not None
    account = item.revenue_account_id
    if account is None:
        division = lookups.division(order.division_id)
        account = lookups.account_for_role(division, "revenue_goods").id
    assert account is not None
    return InvoiceLineDraft(
        account=account,
        quantity=quantity,
        unit_price=line.unit_price,
        description=description or f"{item.code} {line.description or item.name}".strip(),
        vat_code=line.vat_code,
        item_id=item.id,
        sales_order_line_id=line.id,
    )


def invoice_order(
    *,
    session: Session,
    user: User,
    order_id: int,
    invoice_date: date | str,
    quantities: dict[int, Decimal | str | int] | None = None,
) -> Invoice:
    """Invoice an order. ``quantities`` ({order_line_id: quantity}) bills part of it;
    None bills everything delivered and not yet invoiced."""
    return invoice_orders(
        session=session,
        user=user,
        requests=[OrderInvoiceRequest(order_id, invoice_date, quantities)],
    )[0]


def invoice_orders(
    *, session: Session, user: User, requests: list[OrderInvoiceRequest]
) -> list[Invoice]:
    """Invoice a batch of orders (one invoice each), all or nothing."""
    lookups = Lookups(session)
    drafts: list[InvoiceDraft] = []
    touched: list[tuple[SalesOrder, list[SalesOrderLine]]] = []
    for req in requests:
        order = load_order(session, req.order_id)
        lookups.require(user, "sell", order.division_id)
        lookups.require(user, "post_invoice", order.division_id)
        lines = order_lines(session, order.id or 0)
        drafts.append(_draft(lookups, order, lines, req))
        touched.append((order, lines))
    invoices = post_invoices(session=session, user=user, invoices=drafts)
    for order, lines in touched:
        close_if_done(order, lines)
        session.add(order)
    session.flush()
    return invoices


def _draft(
    lookups: Lookups, order: SalesOrder, lines: list[SalesOrderLine], req: OrderInvoiceRequest
) -> InvoiceDraft:
    label = order_label(order)
    if order.status == "quote":
        raise ValidationError(
            N_("{label} is a quote; confirm it and deliver before invoicing."),
            field="order_id",
            label=label,
        )
    if order.status == "cancelled":
        raise ValidationError(N_("{label} is cancelled."), field="order_id", label=label)
    on = parse_date(req.invoice_date, field="invoice_date", label="Invoice date")
    by_id = {ln.id: ln for ln in lines}
    wanted: list[tuple[SalesOrderLine, Decimal]] = []
    if req.quantities is None:
        wanted = [(ln, billable(ln)) for ln in lines if billable(ln) > 0]
        if not wanted:
            raise ValidationError(
                N_("Nothing to invoice on {label}: everything delivered is invoiced."),
                field="order_id",
                label=label,
            )
    else:
        if not req.quantities:
            raise ValidationError(N_("Enter the quantities to invoice."), field="quantities")
        for line_id, raw in req.quantities.items():
            fld = f"quantities.{line_id}"
            line = by_id.get(line_id)
            if line is None:
                raise ValidationError(
                    N_("Order line {line_id} is not a line of {label}."),
                    field=fld,
                    line_id=line_id,
                    label=label,
                )
            where = f"Order line {line.line_number}"
            qty = to_decimal(raw, field=fld, label=f"{where}: quantity")
            if qty <= 0:
                raise ValidationError(
                    N_("{where}: the quantity must be above zero."), field=fld, where=where
                )
            if qty > billable(line):
                raise ValidationError(
                    N_(
                        "{where}: only {billable} delivered and not yet invoiced; {qty} cannot be "
                        "invoiced."
                    ),
                    field=fld,
                    where=where,
                    billable=_q(billable(line)),
                    qty=_q(qty),
                )
            wanted.append((line, qty))
    inv_lines = []
    for line, qty in wanted:
        inv_lines.append(revenue_line(lookups, order, line, qty))
        line.quantity_invoiced += qty
        lookups.session.add(line)
    reference = f" ({order.customer_reference})" if order.customer_reference else ""
    return InvoiceDraft(
        division=order.division_id,
        invoice_type="sales",
        relation=order.relation_id,
        invoice_date=on,
        lines=inv_lines,
        currency=order.currency_code,
        description=f"Order {label}{reference}",
    )


def _q(q: Decimal) -> str:
    return f"{q.normalize():f}"
